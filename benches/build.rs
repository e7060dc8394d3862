//! Builds the benchmark kernels listed in `kernels.toml` the way a user's
//! build script would: compile C to bitcode with clang-23, differentiate with
//! adc-core, write native objects and archive them. It then generates
//! `registry.rs`: the extern declarations (read off the generated functions'
//! LLVM types) and, per kernel and case, the closures criterion times. Adding
//! a kernel is one entry in `kernels.toml`.

use adc_core::inkwell::context::Context;
use adc_core::inkwell::module::Module;
use adc_core::inkwell::types::BasicTypeEnum;
use adc_core::ir::module_io;
use adc_core::Mode;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Deserialize)]
struct Registry {
    kernel: Vec<KernelSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KernelSpec {
    group: String,
    title: String,
    source: String,
    function: String,
    args: Vec<String>,
    activity: Option<String>,
    modes: Vec<String>,
    #[serde(default)]
    cases: Vec<BTreeMap<String, i64>>,
    samples: Option<usize>,
    #[serde(default)]
    fd: bool,
    #[serde(default)]
    baselines: Vec<Baseline>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Baseline {
    name: String,
    symbol: String,
    like: String,
    source: String,
}

/// One parameter of a kernel, as `args` describes it.
enum Arg {
    Int(String),
    F64(f64),
    Array {
        len: String,
        fill: String,
        scale: f64,
    },
}

fn parse_arg(s: &str) -> Arg {
    fn fail<T>(s: &str) -> T {
        panic!("kernels.toml: bad argument `{s}`")
    }
    let (ty, rest) = s.trim().split_once(' ').unwrap_or_else(|| fail(s));
    let rest = rest.trim();
    if ty == "i32" {
        Arg::Int(rest.to_string())
    } else if ty == "f64" {
        Arg::F64(rest.parse().unwrap_or_else(|_| fail(s)))
    } else if let Some(len) = ty.strip_prefix("f64[").and_then(|t| t.strip_suffix(']')) {
        let (fill, scale) = match rest.split_once('*') {
            Some((f, k)) => (f.trim(), k.trim().parse().unwrap_or_else(|_| fail(s))),
            None => (rest, 1.0),
        };
        if !["wave", "rand", "seed"].contains(&fill) {
            fail::<()>(s);
        }
        Arg::Array {
            len: len.to_string(),
            fill: fill.to_string(),
            scale,
        }
    } else {
        fail(s)
    }
}

/// Integer arithmetic over the case's variables: + - * / and parentheses.
fn eval(src: &str, vars: &BTreeMap<String, i64>) -> i64 {
    fn expr(t: &[u8], i: &mut usize, v: &BTreeMap<String, i64>) -> i64 {
        let mut x = term(t, i, v);
        while *i < t.len() && (t[*i] == b'+' || t[*i] == b'-') {
            let op = t[*i];
            *i += 1;
            let y = term(t, i, v);
            x = if op == b'+' { x + y } else { x - y };
        }
        x
    }
    fn term(t: &[u8], i: &mut usize, v: &BTreeMap<String, i64>) -> i64 {
        let mut x = atom(t, i, v);
        while *i < t.len() && (t[*i] == b'*' || t[*i] == b'/') {
            let op = t[*i];
            *i += 1;
            let y = atom(t, i, v);
            x = if op == b'*' { x * y } else { x / y };
        }
        x
    }
    fn atom(t: &[u8], i: &mut usize, v: &BTreeMap<String, i64>) -> i64 {
        if t[*i] == b'(' {
            *i += 1;
            let x = expr(t, i, v);
            assert_eq!(t.get(*i), Some(&b')'), "unbalanced parentheses");
            *i += 1;
            return x;
        }
        let start = *i;
        while *i < t.len() && (t[*i].is_ascii_alphanumeric() || t[*i] == b'_') {
            *i += 1;
        }
        let word = std::str::from_utf8(&t[start..*i]).unwrap();
        word.parse()
            .ok()
            .or_else(|| v.get(word).copied())
            .unwrap_or_else(|| panic!("unknown variable or number `{word}`"))
    }
    let t: Vec<u8> = src.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut i = 0;
    let x = expr(&t, &mut i, vars);
    assert_eq!(i, t.len(), "kernels.toml: cannot read `{src}`");
    x
}

fn run(cmd: &mut Command) {
    let st = cmd.status().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(st.success(), "{cmd:?} failed");
}

/// A function to differentiate: name, `--activity`, modes.
type Wanted<'a> = (&'a str, Option<&'a str>, Vec<Run>);

/// One derivative of a kernel: forward mode with N tangents per call,
/// reverse mode, or Hessian-vector products (forward over reverse).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Run {
    Forward(u32),
    Reverse(u32),
    Hvp,
    /// A dense Hessian: the Jacobian of the gradient (`FN_grad_jac`), N
    /// columns per forward call.
    Hessian(u32),
}

/// A mode of kernels.toml: `forward`, `reverse`, `forwardN` (vector mode,
/// N tangents per call), `reverseN` (N seeds per call), `hvp` or
/// `hessianN` (the dense Hessian, N columns per call).
fn mode_of(s: &str) -> Run {
    let width = |prefix: &str| s.strip_prefix(prefix).and_then(|n| n.parse::<u32>().ok());
    match s {
        "forward" => Run::Forward(1),
        "reverse" => Run::Reverse(1),
        "hvp" => Run::Hvp,
        _ => match (width("forward"), width("reverse"), width("hessian")) {
            (Some(n), _, _) if n > 1 => Run::Forward(n),
            (_, Some(n), _) if n > 1 => Run::Reverse(n),
            (_, _, Some(n)) if n >= 1 => Run::Hessian(n),
            _ => panic!("kernels.toml: unknown mode `{s}`"),
        },
    }
}

fn suffix(run: Run) -> String {
    match run {
        Run::Forward(w) if w > 1 => format!("_fwd{w}"),
        Run::Forward(_) => "_fwd".into(),
        Run::Reverse(w) if w > 1 => format!("_grad{w}"),
        Run::Reverse(_) => "_grad".into(),
        Run::Hvp => "_hvp".into(),
        Run::Hessian(w) => format!("_hessian{w}"),
    }
}

/// The Rust spelling of an LLVM parameter or return type.
fn rust_type(t: BasicTypeEnum) -> String {
    match t {
        BasicTypeEnum::FloatType(f) if f == f.get_context().f64_type() => "f64".into(),
        BasicTypeEnum::FloatType(_) => "f32".into(),
        BasicTypeEnum::IntType(i) => format!("i{}", i.get_bit_width()),
        BasicTypeEnum::PointerType(_) => "*mut f64".into(),
        BasicTypeEnum::StructType(s) => format!("crate::Adjoints<{}>", s.count_fields()),
        other => panic!("benchmark kernels cannot use values of type {other:?}"),
    }
}

/// Make every function and global that `module` defines internal, except
/// the functions named in `keep` (the derivatives adc generated): the
/// primal code it holds is a copy, defined once by the primal's object.
fn internalize_except(module: &Module, keep: &[String]) {
    use adc_core::inkwell::module::Linkage;
    for f in module.get_functions() {
        let name = f.get_name().to_string_lossy().into_owned();
        if f.count_basic_blocks() > 0 && !keep.contains(&name) {
            f.set_linkage(Linkage::Internal);
        }
    }
    for g in module.get_globals() {
        if g.get_initializer().is_some() {
            g.set_linkage(Linkage::Internal);
        }
    }
}

/// The dense Hessian of each target as a user gets it: the gradient
/// (width 1), then `--mode jacobian --jacobian-by forward --width w` of it,
/// the gradient's input array against its shadow (the gradient's output),
/// renamed `FN_hessianW`.
fn hessian_by_jacobian<'ctx>(
    module: Module<'ctx>,
    opts: &adc_core::Options,
    w: u32,
) -> adc_core::error::Result<(Module<'ctx>, adc_core::Output)> {
    let grad = adc_core::Options {
        width: 1,
        ..opts.clone()
    };
    let mut out = adc_core::differentiate(&module, &grad)?;
    let targets = opts
        .targets
        .iter()
        .map(|t| {
            let f = module.get_function(&t.name).expect("a target");
            // FN_grad's parameters: each array followed by its shadow (both
            // duplicated), then the seed d_ret (constant).
            let mut acts = Vec::new();
            for p in f.get_param_iter() {
                acts.push(if p.is_pointer_value() {
                    "dup,dup"
                } else {
                    "const"
                });
            }
            acts.push("const");
            adc_core::Target {
                name: format!("{}_grad", t.name),
                activity: Some(acts.join(",")),
            }
        })
        .collect();
    let jac = adc_core::Options {
        targets,
        width: w,
        ..opts.clone()
    };
    let (module, second) =
        adc_core::jacobian::jacobians(module, &jac, adc_core::jacobian::Strategy::Forward)?;
    out.generated.extend(second.generated);
    // (Named after the width: one object per width, all linked together.)
    for t in &opts.targets {
        let name = format!("{}_hessian{w}", t.name);
        let f = module
            .get_function(&format!("{}_grad_jac", t.name))
            .expect("generated");
        f.as_global_value().set_name(&name);
        out.generated.push(adc_core::Generated {
            name,
            c_prototype: String::new(),
            c_typedef: None,
        });
    }
    Ok((module, out))
}

/// The function `name` in whichever of `modules` defines it.
fn find<'c>(modules: &[Module<'c>], name: &str) -> adc_core::inkwell::values::FunctionValue<'c> {
    modules
        .iter()
        .filter_map(|m| m.get_function(name))
        .find(|f| f.count_basic_blocks() > 0)
        .unwrap_or_else(|| panic!("adc did not generate `{name}`"))
}

/// `extern "C"` declaration of `symbol` with `name`'s LLVM type.
fn declaration(modules: &[Module], name: &str, symbol: &str) -> (String, usize) {
    let f = find(modules, name);
    let ty = f.get_type();
    let params: Vec<String> = ty
        .get_param_types()
        .into_iter()
        .enumerate()
        .map(|(i, t)| format!("a{i}: {}", rust_type(t.try_into().unwrap())))
        .collect();
    let ret = match ty.get_return_type() {
        Some(t) => format!(" -> {}", rust_type(t)),
        None => String::new(),
    };
    (
        format!("        pub fn {symbol}({}){ret};\n", params.join(", ")),
        params.len(),
    )
}

/// Whether `name` returns a floating-point value (then reverse mode takes d_ret).
fn returns_float(modules: &[Module], name: &str) -> bool {
    let f = find(modules, name);
    matches!(
        f.get_type().get_return_type(),
        Some(BasicTypeEnum::FloatType(_))
    )
}

struct Build {
    root: PathBuf,
    out: PathBuf,
    clang: PathBuf,
    objects: Vec<PathBuf>,
    tape: String,
}

impl Build {
    fn watch(&self, src: &str) -> PathBuf {
        let p = self.root.join(src);
        println!("cargo:rerun-if-changed={}", p.display());
        p
    }

    /// Compile `src` to bitcode and write its primal object, then
    /// differentiate `fns` (name, activity, modes) as a user would: each
    /// mode (and width) by its own adc run on the bitcode, into an object of
    /// its own whose copies of the primal code are internal. Returns the
    /// modules to read signatures from.
    fn adc<'c>(&mut self, ctx: &'c Context, src: &str, fns: &[Wanted]) -> Vec<Module<'c>> {
        let src = self.watch(src);
        let stem = src.file_stem().unwrap().to_str().unwrap().to_string();
        let bc = self.out.join(format!("{stem}.bc"));
        run(Command::new(&self.clang)
            .args(["-O2", "-c", "-emit-llvm"])
            .arg(&src)
            .arg("-o")
            .arg(&bc));
        let primal = module_io::load(ctx, &bc).expect("load bitcode");
        let obj = self.out.join(format!("{stem}.o"));
        module_io::write(&primal, &obj).expect("write object");
        self.objects.push(obj);
        let mut modules = vec![primal];
        let mut runs = vec![Run::Forward(1), Run::Reverse(1)];
        for (_, _, modes) in fns {
            for m in modes {
                if !runs.contains(m) {
                    runs.push(*m);
                }
            }
        }
        for run in runs {
            let targets: Vec<adc_core::Target> = fns
                .iter()
                .filter(|(_, _, modes)| modes.contains(&run))
                .map(|(f, act, _)| adc_core::Target {
                    name: f.to_string(),
                    activity: act.map(str::to_string),
                })
                .collect();
            if targets.is_empty() {
                continue;
            }
            let module = module_io::load(ctx, &bc).expect("load bitcode");
            let (mode, width) = match run {
                Run::Forward(w) => (Mode::Forward, w),
                Run::Reverse(w) => (Mode::Reverse, w),
                Run::Hvp => (Mode::Reverse, 1),
                Run::Hessian(w) => (Mode::Reverse, w),
            };
            let opts = adc_core::Options {
                targets,
                mode,
                optimize: true,
                width,
                type_hint: None,
                checkpoints: Vec::new(),
                tape_limit: None,
            };
            let (module, out) = if run == Run::Hvp {
                adc_core::second_order::hessian_vector_products(&module, &opts)
                    .map(|out| (module, out))
            } else if let Run::Hessian(w) = run {
                hessian_by_jacobian(module, &opts, w)
            } else {
                adc_core::differentiate(&module, &opts).map(|out| (module, out))
            }
            .unwrap_or_else(|e| panic!("adc: {e}"));
            for s in out.tape_stats {
                for (_, bytes) in s.pushed_per_block {
                    writeln!(self.tape, "{} {bytes}", s.function).unwrap();
                }
            }
            // (Hessian-vector products keep FN_hvp only: FN_grad is the
            // reverse object's.)
            let keep: Vec<String> = out
                .generated
                .iter()
                .map(|g| g.name.clone())
                .filter(|n| match run {
                    Run::Hvp => n.ends_with("_hvp"),
                    Run::Hessian(w) => n.ends_with(&format!("_hessian{w}")),
                    _ => true,
                })
                .collect();
            internalize_except(&module, &keep);
            let obj = self
                .out
                .join(format!("{stem}_{}.o", suffix(run).trim_start_matches('_')));
            module_io::write(&module, &obj).expect("write object");
            self.objects.push(obj);
            modules.push(module);
        }
        modules
    }

    /// A plain C object (hand-written baselines).
    fn cc(&mut self, src: &str) {
        let src = self.watch(src);
        let obj = self
            .out
            .join(format!("{}.o", src.file_stem().unwrap().to_str().unwrap()));
        run(Command::new(&self.clang)
            .args(["-O2", "-fPIC", "-c"])
            .arg(&src)
            .arg("-o")
            .arg(&obj));
        self.objects.push(obj);
    }
}

/// Rust code for one kernel: a module with its extern declarations and one
/// `setup_N` per case returning the timed closures.
fn generate(k: &KernelSpec, module: &[Module], index: usize, code: &mut String) -> String {
    let args: Vec<Arg> = k.args.iter().map(|a| parse_arg(a)).collect();
    // Activity per parameter: const, active or dup (DESIGN's defaults by type).
    let acts: Vec<String> = match &k.activity {
        Some(list) => list.split(',').map(|s| s.trim().to_string()).collect(),
        None => args
            .iter()
            .map(|a| match a {
                Arg::Int(_) => "const",
                Arg::F64(_) => "active",
                Arg::Array { .. } => "dup",
            })
            .map(str::to_string)
            .collect(),
    };
    assert_eq!(
        acts.len(),
        args.len(),
        "{}: activity per argument",
        k.function
    );
    let modes: Vec<Run> = k.modes.iter().map(|m| mode_of(m)).collect();
    let d_ret = returns_float(module, &k.function);

    let mut decls = String::new();
    let mut arity = BTreeMap::new();
    let mut declare = |name: &str, symbol: &str| {
        let (d, n) = declaration(module, name, symbol);
        decls.push_str(&d);
        arity.insert(symbol.to_string(), n);
    };
    declare(&k.function, &k.function);
    for m in &modes {
        let name = format!("{}{}", k.function, suffix(*m));
        declare(&name, &name);
    }
    for b in &k.baselines {
        declare(
            &format!("{}{}", k.function, suffix(mode_of(&b.like))),
            &b.symbol,
        );
    }

    let cases = if k.cases.is_empty() {
        vec![BTreeMap::new()]
    } else {
        k.cases.clone()
    };
    let m = format!("k{index}_{}", k.function);
    writeln!(code, "pub mod {m} {{\n    #![allow(clippy::all, unused_mut, unused_variables)]\n    use std::hint::black_box;\n    extern \"C\" {{\n{decls}    }}").unwrap();
    let mut case_table = String::new();
    for (ci, vars) in cases.iter().enumerate() {
        // Data: one buffer per array argument, filled once per case.
        writeln!(code, "    pub fn setup_{ci}() -> Vec<crate::Variant> {{").unwrap();
        writeln!(code, "        let mut rng = crate::Rand::default();").unwrap();
        let mut lens = vec![0usize; args.len()];
        for (i, a) in args.iter().enumerate() {
            if let Arg::Array { len, fill, scale } = a {
                lens[i] = eval(len, vars) as usize;
                writeln!(
                    code,
                    "        let b{i} = crate::fill({}, \"{fill}\", {scale:?}, &mut rng);",
                    lens[i]
                )
                .unwrap();
            }
        }
        writeln!(code, "        let mut v: Vec<crate::Variant> = Vec::new();").unwrap();
        // One closure per variant; `call` builds its argument list.
        let call = |symbol: &str, run: Option<Run>, shift: Option<&str>| -> (String, String) {
            let width = match run {
                Some(Run::Forward(w)) | Some(Run::Reverse(w)) => w as usize,
                _ => 1,
            };
            let mut setup = String::new();
            let mut list = Vec::new();
            for (i, a) in args.iter().enumerate() {
                let act = acts[i].as_str();
                let dup = act == "dup" || act == "dupnoneed";
                match a {
                    Arg::Int(e) => list.push(format!("{}i32", eval(e, vars))),
                    Arg::F64(x) => match shift {
                        Some(s) if act == "active" => list.push(format!("black_box({x:?} + {s})")),
                        _ => list.push(format!("black_box({x:?}f64)")),
                    },
                    Arg::Array { .. } => {
                        writeln!(setup, "            let mut b{i} = b{i}.clone();").unwrap();
                        list.push(format!("black_box(b{i}.as_mut_ptr())"));
                    }
                }
                let mut twin = |name: String, fill: f64, list: &mut Vec<String>| match a {
                    Arg::Array { .. } => {
                        writeln!(
                            setup,
                            "            let mut {name} = vec![{fill:?}f64; {}];",
                            lens[i]
                        )
                        .unwrap();
                        list.push(format!("{name}.as_mut_ptr()"));
                    }
                    _ => list.push(format!("{fill:?}")),
                };
                let seed = matches!(a, Arg::Array { fill, .. } if fill == "seed");
                match run {
                    // (Vector mode: one twin per lane.)
                    Some(Run::Forward(_)) if act != "const" => {
                        for lane in 0..width {
                            twin(format!("s{i}_{lane}"), 1.0, &mut list);
                        }
                    }
                    Some(Run::Reverse(_)) | Some(Run::Hessian(_)) if dup => {
                        for lane in 0..width {
                            twin(
                                format!("s{i}_{lane}"),
                                if seed { 1.0 } else { 0.0 },
                                &mut list,
                            );
                        }
                    }
                    // FN_grad's parameters, each followed by its tangent:
                    // the direction (ones) in the active inputs, and the
                    // gradient's outputs (shadows) with theirs, where H.v
                    // arrives.
                    Some(Run::Hvp) if !matches!(a, Arg::Int(_)) => {
                        let direction = (dup || act == "active") && !seed;
                        twin(
                            format!("t{i}"),
                            if direction { 1.0 } else { 0.0 },
                            &mut list,
                        );
                        if dup {
                            twin(format!("s{i}_0"), if seed { 1.0 } else { 0.0 }, &mut list);
                            twin(format!("ts{i}"), 0.0, &mut list);
                        }
                    }
                    _ => {}
                }
            }
            if let Some(Run::Hessian(_)) = run {
                // FN_grad_jac: FN_grad's arguments (d_ret 1), then the
                // Hessian and its shape.
                let n = args
                    .iter()
                    .enumerate()
                    .find(|(_, a)| matches!(a, Arg::Array { .. }))
                    .map(|(i, _)| lens[i])
                    .expect("an array argument");
                list.push("1.0".into());
                writeln!(setup, "            let mut hess = vec![0.0f64; {}];", n * n).unwrap();
                list.push("hess.as_mut_ptr()".into());
                list.push(format!("{n}i64"));
                list.push(format!("{n}i64"));
            }
            let reverse = matches!(run, Some(Run::Reverse(_)));
            if reverse && d_ret {
                // (One seed per lane.)
                list.extend(std::iter::repeat_n("1.0".to_string(), width));
            }
            let actives = acts.iter().filter(|a| *a == "active").count();
            if reverse && width > 1 && actives > 0 {
                // The lanes' returned adjoints.
                writeln!(
                    setup,
                    "            let mut d_out = vec![0.0f64; {}];",
                    width * actives
                )
                .unwrap();
                list.push("d_out.as_mut_ptr()".into());
            }
            if !reverse && width > 1 && d_ret {
                // The result's tangents, one per lane.
                writeln!(setup, "            let mut d_ret = vec![0.0f64; {width}];").unwrap();
                list.push("d_ret.as_mut_ptr()".into());
            }
            assert_eq!(
                list.len(),
                arity[symbol],
                "{symbol}: the arguments kernels.toml describes ({list:?}) do not match the generated signature"
            );
            (setup, format!("{symbol}({})", list.join(", ")))
        };
        let timed = |(setup, expr): (String, String)| {
            format!("{setup}            move || unsafe {{ black_box({expr}); }}")
        };
        let mut push = |label: &str, body: String| {
            writeln!(
                code,
                "        v.push((\"{label}\", Box::new({{\n{body}\n        }})));"
            )
            .unwrap();
        };
        push("primal", timed(call(&k.function, None, None)));
        for (mode, name) in modes.iter().zip(&k.modes) {
            let symbol = format!("{}{}", k.function, suffix(*mode));
            push(name, timed(call(&symbol, Some(*mode), None)));
        }
        for b in &k.baselines {
            push(
                &b.name,
                timed(call(&b.symbol, Some(mode_of(&b.like)), None)),
            );
        }
        if k.fd {
            assert!(
                d_ret && args.iter().all(|a| !matches!(a, Arg::Array { .. })),
                "{}: fd = true needs a float result and scalar arguments",
                k.function
            );
            let (setup, expr) = call(&k.function, None, Some("s"));
            push(
                "fd5",
                format!(
                    "{setup}            let st = adc_fd::Stencil::central(5, 1).unwrap();\n            move || {{ black_box(st.apply_with_step(&mut |s| unsafe {{ {expr} }}, 0.0, 1e-3)); }}"
                ),
            );
        }
        writeln!(code, "        v\n    }}").unwrap();
        let (id, label) = if vars.is_empty() {
            (String::new(), String::new())
        } else if vars.len() == 1 {
            let (name, v) = vars.iter().next().unwrap();
            (v.to_string(), format!(", {name} = {v}"))
        } else {
            let id: Vec<String> = vars.iter().map(|(n, v)| format!("{n}{v}")).collect();
            let lb: Vec<String> = vars.iter().map(|(n, v)| format!("{n} = {v}")).collect();
            (id.join("_"), format!(", {}", lb.join(", ")))
        };
        writeln!(
            case_table,
            "        crate::Case {{ id: \"{id}\", label: \"{label}\", setup: {m}::setup_{ci} }},"
        )
        .unwrap();
    }
    writeln!(code, "}}").unwrap();
    format!(
        "    crate::Kernel {{ group: {:?}, title: {:?}, samples: {}, cases: &[\n{case_table}    ] }},\n",
        k.group,
        k.title,
        k.samples.unwrap_or(100)
    )
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let prefix = std::env::var("ADC_LLVM_PREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(".toolchain/llvm"));
    let registry = root.join("benches/kernels.toml");
    println!("cargo:rerun-if-changed={}", registry.display());
    let reg: Registry = toml::from_str(&std::fs::read_to_string(&registry).unwrap())
        .unwrap_or_else(|e| panic!("benches/kernels.toml: {e}"));
    let mut b = Build {
        clang: prefix.join("bin/clang-23"),
        root,
        out: out.clone(),
        objects: vec![],
        tape: String::new(),
    };

    // Per source: the primal's object, and one object per mode holding the
    // derivatives of every kernel of the source in that mode.
    let mut sources: Vec<&str> = Vec::new();
    for k in &reg.kernel {
        if !sources.contains(&k.source.as_str()) {
            sources.push(&k.source);
        }
    }
    let mut code = String::from("// Generated by benches/build.rs from benches/kernels.toml.\n\n");
    let mut table = String::from("pub static KERNELS: &[crate::Kernel] = &[\n");
    let mut entries = vec![String::new(); reg.kernel.len()];
    let ctx = Context::create();
    for src in sources {
        let ks: Vec<(usize, &KernelSpec)> = reg
            .kernel
            .iter()
            .enumerate()
            .filter(|(_, k)| k.source == src)
            .collect();
        let fns: Vec<Wanted> = ks
            .iter()
            .map(|(_, k)| {
                let modes = k.modes.iter().map(|m| mode_of(m)).collect();
                (k.function.as_str(), k.activity.as_deref(), modes)
            })
            .collect();
        let module = b.adc(&ctx, src, &fns);
        for (i, k) in ks {
            entries[i] = generate(k, &module, i, &mut code);
        }
    }
    for e in entries {
        table.push_str(&e);
    }
    table.push_str("];\n");
    code.push_str(&table);
    let mut baseline_sources: Vec<&str> = reg
        .kernel
        .iter()
        .flat_map(|k| k.baselines.iter().map(|b| b.source.as_str()))
        .collect();
    baseline_sources.sort();
    baseline_sources.dedup();
    for s in baseline_sources {
        b.cc(s);
    }
    std::fs::write(out.join("registry.rs"), code).unwrap();
    std::fs::write(out.join("tape_stats.txt"), &b.tape).unwrap();
    let lib = out.join("libkernels_ad.a");
    let _ = std::fs::remove_file(&lib);
    run(Command::new("ar").arg("crs").arg(&lib).args(&b.objects));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=kernels_ad");
    println!("cargo:rustc-link-lib=m");
}
