//! `adc check`: trust a derivative by comparing it with finite differences.
//!
//! The module is compiled in-process; the forward (`FN_fwd`) and reverse
//! (`FN_grad`) derivatives are the module's own when it defines them (so a
//! hand-written derivative can be checked too) and adc's otherwise. At each
//! point every float input is perturbed with a central stencil from adc-fd;
//! integer inputs are held constant. `--hessian` checks second derivatives
//! instead ([`hessian`]).

pub mod hessian;

use crate::error::{AdcError, Result};
use crate::ir::{get_function, Function};
use crate::jit::{CallArgs, Jit};
use crate::signature::Activity;
use crate::{differentiate, Mode, Options, Target};
use inkwell::module::Module;
use llvm_sys::LLVMTypeKind;
use std::fmt::Write as _;

#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub function: String,
    /// Explicit points: one value per parameter, in order.
    pub points: Vec<Vec<f64>>,
    /// `n` random points with float inputs uniform in `[lo, hi]` (integers
    /// from the first explicit point).
    pub random: Option<(usize, f64, f64)>,
    /// Points of the central stencil (odd, at least 3).
    pub stencil_points: usize,
    /// Largest relative error accepted.
    pub tol: f64,
    /// `--type-hint` (see [`crate::reverse::TypeHint`]).
    pub type_hint: Option<crate::reverse::TypeHint>,
}

pub struct CheckReport {
    pub table: String,
    pub passed: bool,
    pub worst: f64,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Int,
    F64,
    F32,
}

pub(crate) fn kinds(f: Function) -> Result<Vec<Kind>> {
    f.params()
        .iter()
        .map(|p| {
            let t = p.ty();
            if t.is_integer() {
                Ok(Kind::Int)
            } else if t.kind() == LLVMTypeKind::LLVMDoubleTypeKind {
                Ok(Kind::F64)
            } else if t.kind() == LLVMTypeKind::LLVMFloatTypeKind {
                Ok(Kind::F32)
            } else {
                Err(AdcError::Usage(format!(
                    "adc check handles functions of integer and float scalars; `{}` takes {}",
                    f.name(),
                    t.print()
                )))
            }
        })
        .collect()
}

/// A small deterministic generator (xorshift64*): reproducible points.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let u = (self.0.wrapping_mul(0x2545F4914F6CDD1D) >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * u
    }
}

pub(crate) fn args(kinds: &[Kind], x: &[f64]) -> CallArgs {
    let mut a = CallArgs::default();
    for (k, v) in kinds.iter().zip(x) {
        match k {
            Kind::Int => a.int(*v as i64),
            Kind::F64 => a.f64(*v),
            Kind::F32 => a.f32(*v as f32),
        }
    }
    a
}

/// Compile, differentiate what the module lacks, and compare.
pub fn check(module: &Module, opts: &CheckOptions) -> Result<CheckReport> {
    let m = module.as_mut_ptr();
    let name = &opts.function;
    let f = defined(module, name)?;
    let kinds = kinds(f)?;
    let ret = f.return_type();
    if !ret.is_float_scalar() {
        return Err(AdcError::Usage(format!(
            "adc check needs a float result; `{name}` returns {}",
            ret.print()
        )));
    }
    let ret_f32 = ret.kind() == LLVMTypeKind::LLVMFloatTypeKind;
    let n_active = kinds.iter().filter(|k| **k != Kind::Int).count();
    if kinds.len() > 6 || n_active > 7 {
        return Err(AdcError::Usage(format!(
            "adc check calls functions of up to 6 integer and 7 float parameters; `{name}` has more"
        )));
    }
    check_order(opts.stencil_points)?;
    let points = points(opts, &kinds)?;
    // Derivatives: the module's own, else adc's.
    let acts: Vec<Activity> = kinds
        .iter()
        .map(|k| {
            if *k == Kind::Int {
                Activity::Const
            } else {
                Activity::Active
            }
        })
        .collect();
    let list: Vec<&str> = acts
        .iter()
        .map(|a| {
            if *a == Activity::Const {
                "const"
            } else {
                "active"
            }
        })
        .collect();
    let mut origin = Vec::new();
    for (mode, suffix) in [(Mode::Forward, "_fwd"), (Mode::Reverse, "_grad")] {
        let dname = format!("{name}{suffix}");
        if get_function(m, &dname).is_some_and(|g| !g.is_declaration()) {
            origin.push(format!("{dname}: the module's own"));
            continue;
        }
        differentiate(
            module,
            &Options {
                targets: vec![Target {
                    name: name.clone(),
                    activity: Some(list.join(",")),
                }],
                mode,
                optimize: true,
                width: 1,
                type_hint: opts.type_hint.clone(),
                checkpoints: Vec::new(),
                tape_limit: None,
            },
        )?;
        origin.push(format!("{dname}: generated by adc"));
    }
    let jit = Jit::new(module)?;
    let fp = jit.address(name)?;
    let fwd = jit.address(&format!("{name}_fwd"))?;
    let grad = jit.address(&format!("{name}_grad"))?;
    let st = adc_fd::Stencil::central(opts.stencil_points, 1)
        .map_err(|e| AdcError::Usage(e.to_string()))?;

    let mut t = String::new();
    writeln!(
        t,
        "adc check {name}: {} ({}-point central differences)",
        origin.join(", "),
        opts.stencil_points
    )
    .unwrap();
    writeln!(
        t,
        "{:<24} {:>22} {:>6} {:>22} {:>22} {:>22} {:>9} {:>9}",
        "point", "value", "input", "forward", "reverse", "finite diff", "abs err", "rel err"
    )
    .unwrap();
    let mut worst = 0.0f64;
    for x in &points {
        let value = unsafe { args(&kinds, x).call(fp, ret_f32) };
        // Reverse: all adjoints at once.
        let mut ra = args(&kinds, x);
        let mut sret = vec![0.0f64; n_active.max(1)];
        if n_active >= 3 {
            // Returned through a hidden pointer: the first integer argument.
            let mut with_ptr = CallArgs::default();
            with_ptr.ptr(sret.as_mut_ptr());
            for (k, v) in kinds.iter().zip(x) {
                match k {
                    Kind::Int => with_ptr.int(*v as i64),
                    Kind::F64 => with_ptr.f64(*v),
                    Kind::F32 => with_ptr.f32(*v as f32),
                }
            }
            ra = with_ptr;
        }
        if ret_f32 {
            ra.f32(1.0);
        } else {
            ra.f64(1.0);
        }
        let adjoints: Vec<f64> = unsafe {
            match n_active {
                0 => vec![],
                1 => vec![ra.call(grad, ret_f32)],
                2 => {
                    let (a, b) = ra.call_pair(grad, ret_f32);
                    vec![a, b]
                }
                _ => {
                    ra.call(grad, false);
                    if ret_f32 {
                        // A struct of floats is packed: read it as f32s.
                        let p = sret.as_ptr() as *const f32;
                        (0..n_active).map(|i| *p.add(i) as f64).collect()
                    } else {
                        sret.clone()
                    }
                }
            }
        };
        let point = point_label(x);
        let mut k = 0;
        for (i, kind) in kinds.iter().enumerate() {
            if *kind == Kind::Int {
                continue;
            }
            // Forward: seed input i.
            let mut fa = CallArgs::default();
            for (j, (kj, v)) in kinds.iter().zip(x).enumerate() {
                let seed = if i == j { 1.0 } else { 0.0 };
                match kj {
                    Kind::Int => fa.int(*v as i64),
                    Kind::F64 => {
                        fa.f64(*v);
                        fa.f64(seed);
                    }
                    Kind::F32 => {
                        fa.f32(*v as f32);
                        fa.f32(seed as f32);
                    }
                }
            }
            let d_fwd = unsafe { fa.call(fwd, ret_f32) };
            let d_rev = adjoints[k];
            k += 1;
            let mut g = |v: f64| {
                let mut y = x.clone();
                y[i] = v;
                unsafe { args(&kinds, &y).call(fp, ret_f32) }
            };
            let fd = if *kind == Kind::F32 {
                st.apply_with_step(&mut g, x[i], 1e-2 * x[i].abs().max(1.0))
            } else {
                st.apply(&mut g, x[i])
            };
            let abs = (d_fwd - fd).abs().max((d_rev - fd).abs());
            let rel = relative_error(abs, fd);
            worst = worst.max(rel);
            let mark = if rel > opts.tol { "  <-- FAIL" } else { "" };
            writeln!(
                t,
                "{point:<24} {value:>22.15e} {:>6} {d_fwd:>22.15e} {d_rev:>22.15e} {fd:>22.15e} {abs:>9.1e} {rel:>9.1e}{mark}",
                format!("x{i}")
            )
            .unwrap();
        }
    }
    Ok(report(t, worst, opts.tol, points.len(), ""))
}

/// `abs` relative to the difference `fd` (absolute below 1); NaN counts as
/// infinitely wrong.
pub(crate) fn relative_error(abs: f64, fd: f64) -> f64 {
    let rel = abs / fd.abs().max(1.0);
    if rel.is_nan() {
        f64::INFINITY
    } else {
        rel
    }
}

/// The table `t` closed by its verdict line (`extra` appended to it).
pub(crate) fn report(
    mut t: String,
    worst: f64,
    tol: f64,
    points: usize,
    extra: &str,
) -> CheckReport {
    let passed = worst <= tol;
    writeln!(
        t,
        "{}: worst relative error {worst:.1e} (tolerance {tol:.0e}) over {points} point(s){extra}",
        if passed { "PASS" } else { "FAIL" },
    )
    .unwrap();
    CheckReport {
        table: t,
        passed,
        worst,
    }
}

/// The points to check at: the explicit ones, then the random ones.
pub(crate) fn points(opts: &CheckOptions, kinds: &[Kind]) -> Result<Vec<Vec<f64>>> {
    let name = &opts.function;
    let mut points = opts.points.clone();
    for p in &points {
        if p.len() != kinds.len() {
            return Err(AdcError::Usage(format!(
                "a point for `{name}` needs {} values (one per parameter), got {}",
                kinds.len(),
                p.len()
            )));
        }
    }
    if let Some((n, lo, hi)) = opts.random {
        if kinds.contains(&Kind::Int) && points.is_empty() {
            return Err(AdcError::Usage(format!(
                "`{name}` has integer parameters: give their values with --at (floats there are ignored for --points)"
            )));
        }
        let base = points
            .first()
            .cloned()
            .unwrap_or_else(|| vec![0.0; kinds.len()]);
        let mut rng = Rng(0x9E3779B97F4A7C15);
        for _ in 0..n {
            points.push(
                kinds
                    .iter()
                    .zip(&base)
                    .map(|(k, b)| {
                        if *k == Kind::Int {
                            *b
                        } else {
                            rng.uniform(lo, hi)
                        }
                    })
                    .collect(),
            );
        }
    }
    if points.is_empty() {
        return Err(AdcError::Usage(
            "give at least one point: --at or --points".into(),
        ));
    }
    Ok(points)
}

/// The function named `name`, defined in the module.
pub(crate) fn defined(module: &Module, name: &str) -> Result<Function> {
    let m = module.as_mut_ptr();
    get_function(m, name)
        .filter(|f| !f.is_declaration())
        .ok_or_else(|| AdcError::UnknownFunction {
            name: name.to_string(),
            defined: crate::ir::functions(m)
                .into_iter()
                .filter(|f| !f.is_declaration())
                .map(|f| f.name())
                .collect(),
        })
}

/// `(x0, x1, ...)`, the point column of the tables.
pub(crate) fn point_label(x: &[f64]) -> String {
    let parts: Vec<String> = x.iter().map(|v| format!("{v}")).collect();
    format!("({})", parts.join(", "))
}

/// `--order`: an odd number of stencil points from 3 to 15.
pub(crate) fn check_order(points: usize) -> Result<()> {
    if !(3..=15).contains(&points) || points.is_multiple_of(2) {
        return Err(AdcError::Usage(
            "--order must be an odd number of points from 3 to 15".into(),
        ));
    }
    Ok(())
}
