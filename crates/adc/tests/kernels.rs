//! The kernel suite: every kernel of test-ir/kernels.toml, from each of its
//! sources (C and Rust), differentiated by adc in forward mode, executed, and
//! compared with a 7-point central finite difference (adc-fd) and the
//! analytic derivative where the spec gives one. One test per kernel and
//! language, so failures are reported by name.

mod common;

use adc_core::inkwell::context::Context;
use adc_core::ir::module_io;
use adc_core::rules::expr::{parse, Expr};
use adc_fd::Stencil;
use common::{bitcode, call, call_pair, CallArgs};
use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct Spec {
    #[serde(default)]
    c_flags: HashMap<String, String>,
    kernel: Vec<Kernel>,
}

#[derive(Deserialize, Clone)]
struct Kernel {
    name: String,
    sig: String,
    c: Option<String>,
    rust: Option<String>,
    points: Vec<Vec<f64>>,
    #[serde(default)]
    analytic: Vec<String>,
    tol: Option<f64>,
    /// For a kernel that computes in a narrow type (half): the relative
    /// accuracy of its derivative. A finite difference of its rounded
    /// output cannot be trusted, so it is checked against the analytic
    /// derivative (which it must give) and reverse against forward, at
    /// this tolerance.
    precision: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Ty {
    F64,
    F32,
    I32,
    Array(usize),
}

fn parse_sig(sig: &str) -> Vec<(String, Ty)> {
    sig.split(',')
        .map(|p| {
            let (name, ty) = p.split_once(':').expect("`name: type`");
            let ty = ty.trim();
            let t = match ty {
                "f64" => Ty::F64,
                "f32" => Ty::F32,
                "i32" => Ty::I32,
                _ => {
                    let n = ty
                        .strip_prefix("[f64;")
                        .and_then(|s| s.strip_suffix(']'))
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or_else(|| panic!("unknown type `{ty}`"));
                    Ty::Array(n)
                }
            };
            (name.trim().to_string(), t)
        })
        .collect()
}

/// A point: scalar values per parameter, arrays expanded.
#[derive(Clone)]
struct Point {
    scalars: Vec<f64>,     // per parameter (arrays: unused)
    arrays: Vec<Vec<f64>>, // per parameter (scalars: empty)
}

fn split_point(sig: &[(String, Ty)], row: &[f64]) -> Point {
    let mut it = row.iter().copied();
    let mut p = Point {
        scalars: vec![],
        arrays: vec![],
    };
    for (_, t) in sig {
        match t {
            Ty::Array(n) => {
                p.scalars.push(0.0);
                p.arrays.push(
                    (0..*n)
                        .map(|_| it.next().expect("point too short"))
                        .collect(),
                );
            }
            _ => {
                p.scalars.push(it.next().expect("point too short"));
                p.arrays.push(vec![]);
            }
        }
    }
    assert!(it.next().is_none(), "point too long");
    p
}

/// The differentiable coordinates: (parameter, element) pairs.
fn coordinates(sig: &[(String, Ty)]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    for (i, (_, t)) in sig.iter().enumerate() {
        match t {
            Ty::F64 | Ty::F32 => out.push((i, 0)),
            Ty::Array(n) => out.extend((0..*n).map(|e| (i, e))),
            Ty::I32 => {}
        }
    }
    out
}

/// Call the primal (`seed = None`) or the tangent function along `seed`.
fn invoke(
    addr: usize,
    sig: &[(String, Ty)],
    pt: &Point,
    seed: Option<(usize, usize)>,
    ret_f32: bool,
) -> f64 {
    let mut arrays = pt.arrays.clone();
    let mut shadows: Vec<Vec<f64>> = pt.arrays.iter().map(|a| vec![0.0; a.len()]).collect();
    let mut a = CallArgs::default();
    for (i, (_, t)) in sig.iter().enumerate() {
        let dt = match seed {
            Some((si, se)) if si == i => {
                if let Ty::Array(_) = t {
                    shadows[i][se] = 1.0;
                }
                1.0
            }
            _ => 0.0,
        };
        match t {
            Ty::I32 => a.int(pt.scalars[i] as i64),
            Ty::F64 => {
                a.f64(pt.scalars[i]);
                if seed.is_some() {
                    a.f64(dt);
                }
            }
            Ty::F32 => {
                a.f32(pt.scalars[i] as f32);
                if seed.is_some() {
                    a.f32(dt as f32);
                }
            }
            Ty::Array(_) => {
                a.ptr(arrays[i].as_mut_ptr());
                if seed.is_some() {
                    a.ptr(shadows[i].as_mut_ptr());
                }
            }
        }
    }
    unsafe { call(addr, &a, ret_f32) }
}

/// The widest vector mode (3, else 2) whose `FN_fwdN` takes its arguments
/// in registers (what the harness can call), if any.
fn vector_width(sig: &[(String, Ty)]) -> Option<u32> {
    [3u32, 2].into_iter().find(|&w| {
        let w = w as usize;
        let mut ints = 1; // d_ret
        let mut floats = 0;
        for (_, t) in sig {
            match t {
                Ty::I32 => ints += 1,
                Ty::F64 | Ty::F32 => floats += 1 + w,
                Ty::Array(_) => ints += 1 + w,
            }
        }
        ints <= 6 && floats <= 8
    })
}

/// Call `FN_fwdN` (vector mode) with lane k seeded along `seeds[k]` (lanes
/// past the seeds get zero tangents); the N tangents of the result.
fn invoke_vector(
    addr: usize,
    sig: &[(String, Ty)],
    pt: &Point,
    seeds: &[(usize, usize)],
    width: usize,
    ret_f32: bool,
) -> Vec<f64> {
    let mut arrays = pt.arrays.clone();
    let mut shadows: Vec<Vec<Vec<f64>>> = (0..width)
        .map(|_| pt.arrays.iter().map(|a| vec![0.0; a.len()]).collect())
        .collect();
    for (k, &(si, se)) in seeds.iter().enumerate() {
        if let Ty::Array(_) = sig[si].1 {
            shadows[k][si][se] = 1.0;
        }
    }
    let seed = |k: usize, i: usize| {
        if seeds.get(k).is_some_and(|s| s.0 == i) {
            1.0
        } else {
            0.0
        }
    };
    let mut a = CallArgs::default();
    for (i, (_, t)) in sig.iter().enumerate() {
        match t {
            Ty::I32 => a.int(pt.scalars[i] as i64),
            Ty::F64 => {
                a.f64(pt.scalars[i]);
                (0..width).for_each(|k| a.f64(seed(k, i)));
            }
            Ty::F32 => {
                a.f32(pt.scalars[i] as f32);
                (0..width).for_each(|k| a.f32(seed(k, i) as f32));
            }
            Ty::Array(_) => {
                a.ptr(arrays[i].as_mut_ptr());
                for lane in shadows.iter_mut() {
                    a.ptr(lane[i].as_mut_ptr());
                }
            }
        }
    }
    let mut out64 = vec![0.0f64; width];
    let mut out32 = vec![0.0f32; width];
    if ret_f32 {
        a.ptr(out32.as_mut_ptr());
    } else {
        a.ptr(out64.as_mut_ptr());
    }
    unsafe { call(addr, &a, ret_f32) };
    if ret_f32 {
        out32.iter().map(|x| *x as f64).collect()
    } else {
        out64
    }
}

/// The reverse-mode gradient at `pt`: one entry per coordinate.
fn gradient(addr: usize, sig: &[(String, Ty)], pt: &Point, ret_f32: bool) -> Vec<f64> {
    let mut arrays = pt.arrays.clone();
    let mut shadows: Vec<Vec<f64>> = pt.arrays.iter().map(|a| vec![0.0; a.len()]).collect();
    let mut a = CallArgs::default();
    let mut scalars = 0;
    for (i, (_, t)) in sig.iter().enumerate() {
        match t {
            Ty::I32 => a.int(pt.scalars[i] as i64),
            Ty::F64 => {
                a.f64(pt.scalars[i]);
                scalars += 1;
            }
            Ty::F32 => {
                a.f32(pt.scalars[i] as f32);
                scalars += 1;
            }
            Ty::Array(_) => {
                a.ptr(arrays[i].as_mut_ptr());
                a.ptr(shadows[i].as_mut_ptr());
            }
        }
    }
    // d_ret = 1
    if ret_f32 {
        a.f32(1.0);
    } else {
        a.f64(1.0);
    }
    let adj: Vec<f64> = match scalars {
        0 => {
            unsafe { call(addr, &a, ret_f32) };
            vec![]
        }
        1 => vec![unsafe { call(addr, &a, ret_f32) }],
        2 => {
            let (x, y) = unsafe { call_pair(addr, &a, ret_f32) };
            vec![x, y]
        }
        n => panic!("the harness calls gradients of at most 2 active scalars, not {n}"),
    };
    let mut adj = adj.into_iter();
    let mut out = vec![];
    for (i, (_, t)) in sig.iter().enumerate() {
        match t {
            Ty::F64 | Ty::F32 => out.push(adj.next().expect("adjoint")),
            Ty::Array(_) => out.extend(shadows[i].iter().copied()),
            Ty::I32 => {}
        }
    }
    out
}

fn run_kernel(
    k: &Kernel,
    lang: &str,
    file: &str,
    flags: &str,
    mode: adc_core::Mode,
    width: u32,
) -> Result<(), Failed> {
    let sig = parse_sig(&k.sig);
    let is_f32 = sig.iter().any(|(_, t)| *t == Ty::F32);
    let tol = k.tol.unwrap_or(if is_f32 { 1e-4 } else { 1e-7 });
    if k.precision.is_some() && k.analytic.len() != coordinates(&sig).len() {
        return Err(format!(
            "{}: a kernel checked at a precision needs its analytic derivative",
            k.name
        )
        .into());
    }
    let bc = bitcode(lang, file, flags);
    let ctx = Context::create();
    let module = module_io::load(&ctx, &bc)?;
    // Forward mode always (the reference for reverse mode), then reverse.
    let mut modes = vec![adc_core::Mode::Forward];
    if mode == adc_core::Mode::Reverse {
        modes.push(mode);
    }
    let mut widths = vec![1; modes.len()];
    if width > 1 {
        modes.push(adc_core::Mode::Forward);
        widths.push(width);
    }
    for (m, w) in modes.into_iter().zip(widths) {
        let opts = adc_core::Options {
            targets: vec![adc_core::Target {
                name: k.name.clone(),
                activity: None,
            }],
            mode: m,
            optimize: true,
            width: w,
            type_hint: None,
            checkpoints: Vec::new(),
            tape_limit: None,
        };
        adc_core::differentiate(&module, &opts).map_err(|e| format!("{e}"))?;
    }
    // `differentiate` verified the module; check once more as the user sees it.
    adc_core::verify(&module)?;
    let jit = adc_core::jit::Jit::new(&module)?;
    let f = jit.address(&k.name)?;
    let df = jit.address(&format!("{}_fwd", k.name))?;
    let names: Vec<&str> = sig.iter().map(|(n, _)| n.as_str()).collect();
    let analytic: Vec<Expr> = k
        .analytic
        .iter()
        .map(|s| parse(s, &names).map_err(|e| format!("analytic `{s}`: {e}")))
        .collect::<Result<_, _>>()?;
    let grad = if mode == adc_core::Mode::Reverse {
        Some(jit.address(&format!("{}_grad", k.name))?)
    } else {
        None
    };
    let mut report = vec![];
    if width > 1 {
        // Vector mode: every lane bit for bit as the scalar forward call.
        let dfw = jit.address(&format!("{}_fwd{width}", k.name))?;
        let coords = coordinates(&sig);
        for row in &k.points {
            let pt = split_point(&sig, row);
            for chunk in coords.chunks(width as usize) {
                let lanes = invoke_vector(dfw, &sig, &pt, chunk, width as usize, is_f32);
                for (lane, &(pi, e)) in chunk.iter().enumerate() {
                    let scalar = invoke(df, &sig, &pt, Some((pi, e)), is_f32);
                    if lanes[lane].to_bits() != scalar.to_bits() {
                        report.push(format!(
                            "  at {row:?}, d/d{}[{e}]: lane {lane} of {}_fwd{width} {:.17e}, {}_fwd {scalar:.17e}",
                            names[pi], k.name, lanes[lane], k.name
                        ));
                    }
                }
                for (lane, t) in lanes.iter().enumerate().skip(chunk.len()) {
                    if *t != 0.0 {
                        report.push(format!("  at {row:?}: unseeded lane {lane} gives {t:.17e}"));
                    }
                }
            }
        }
        return if report.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} ({lang}): vector mode mismatch\n{}",
                k.name,
                report.join("\n")
            )
            .into())
        };
    }
    let st = Stencil::central(7, 1)?;
    for row in &k.points {
        let pt = split_point(&sig, row);
        let rev = grad.map(|addr| gradient(addr, &sig, &pt, is_f32));
        for (ci, &(pi, e)) in coordinates(&sig).iter().enumerate() {
            let ad = invoke(df, &sig, &pt, Some((pi, e)), is_f32);
            let mut g = |x: f64| {
                let mut q = pt.clone();
                if q.arrays[pi].is_empty() {
                    q.scalars[pi] = x;
                } else {
                    q.arrays[pi][e] = x;
                }
                invoke(f, &sig, &q, None, is_f32)
            };
            let x0 = if pt.arrays[pi].is_empty() {
                pt.scalars[pi]
            } else {
                pt.arrays[pi][e]
            };
            let fd = if k.precision.is_some() {
                f64::NAN
            } else if is_f32 {
                st.apply_with_step(&mut g, x0, 1e-2)
            } else {
                st.apply(&mut g, x0)
            };
            let check_fd = k.precision.is_none();
            if let Some(g) = &rev {
                // Reverse against forward (tight) and against finite differences.
                let rtol = k.precision.unwrap_or(if is_f32 { 1e-5 } else { 1e-12 });
                let rerr = (g[ci] - ad).abs() / ad.abs().max(1.0);
                if rerr.is_nan() || rerr > rtol {
                    report.push(format!(
                        "  at {row:?}, d/d{}[{e}]: reverse {:.17e}, forward {ad:.17e}, rel diff {rerr:.2e} > {rtol:.0e}",
                        names[pi], g[ci]
                    ));
                }
                let gerr = (g[ci] - fd).abs() / fd.abs().max(1.0);
                if check_fd && (gerr.is_nan() || gerr > tol) {
                    report.push(format!(
                        "  at {row:?}, d/d{}[{e}]: reverse {:.17e}, finite difference {fd:.17e}, rel err {gerr:.2e} > {tol:.0e}",
                        names[pi], g[ci]
                    ));
                }
            }
            let err = (ad - fd).abs() / fd.abs().max(1.0);
            if check_fd && (err.is_nan() || err > tol) {
                report.push(format!(
                    "  at {row:?}, d/d{}[{e}]: AD {ad:.17e}, finite difference {fd:.17e}, rel err {err:.2e} > {tol:.0e}",
                    names[pi]
                ));
            }
            if let Some(an) = analytic.get(ci) {
                let want = an.eval(&pt.scalars, 0.0);
                let aerr = (ad - want).abs() / want.abs().max(1.0);
                let atol = k.precision.unwrap_or(if is_f32 { tol } else { 1e-12 });
                if aerr.is_nan() || aerr > atol {
                    report.push(format!(
                        "  at {row:?}, d/d{}: AD {ad:.17e}, analytic {want:.17e}, rel err {aerr:.2e} > {atol:.0e}",
                        names[pi]
                    ));
                }
            }
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} ({lang}): derivative mismatch\n{}",
            k.name,
            report.join("\n")
        )
        .into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let path = common::root().join("test-ir/kernels.toml");
    let spec: Spec = toml::from_str(&std::fs::read_to_string(&path).expect("kernels.toml"))
        .expect("kernels.toml parses");
    // Initialize LLVM's targets once, before tests run on several threads.
    adc_core::jit::initialize();
    let mut trials = vec![];
    for k in spec.kernel {
        for (lang, file) in [("c", &k.c), ("rust", &k.rust)] {
            let Some(file) = file.clone() else { continue };
            let flags = spec.c_flags.get(&file).cloned().unwrap_or_default();
            let k = k.clone();
            let lang = lang.to_string();
            let sig = parse_sig(&k.sig);
            let mut runs = vec![
                ("forward".to_string(), adc_core::Mode::Forward, 1),
                ("reverse".to_string(), adc_core::Mode::Reverse, 1),
            ];
            if let Some(w) = vector_width(&sig) {
                runs.push((format!("vector{w}"), adc_core::Mode::Forward, w));
            }
            for (label, mode, width) in runs {
                let (k, lang, file, flags) = (k.clone(), lang.clone(), file.clone(), flags.clone());
                trials.push(Trial::test(
                    format!("{label}::{lang}::{}", k.name),
                    move || run_kernel(&k, &lang, &file, &flags, mode, width),
                ));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
