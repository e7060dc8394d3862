//! One fuzz case end to end: the program of a seed compiled by clang (or,
//! for every third group of seeds, rustc) at some optimization level,
//! differentiated by `adc grad` in both modes,
//! linked with a driver that prints the gradient (reverse), the tangents
//! of every input direction (forward) and two finite differences per
//! input, and judged.
//!
//! The judgement: forward and reverse must agree with each other on every
//! input, and with the finite difference wherever the finite difference
//! can be trusted (fourth-order central differences at steps h and h/2
//! agree: no kink or branch flip nearby).

use crate::gen::{program_in, Features, Lang, N};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The tools a case needs.
#[derive(Clone, Debug)]
pub struct Tools {
    pub adc: PathBuf,
    pub clang: PathBuf,
    pub cc: PathBuf,
    pub rustc: PathBuf,
}

/// How a case ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Both modes agree with each other and with every trusted finite
    /// difference (`untrusted` inputs had none).
    Pass { untrusted: usize },
    /// adc refused, with its reason: a clear error, not a defect.
    Refused(String),
    /// A derivative differs from a trusted finite difference, or the two
    /// modes differ.
    Wrong(String),
    /// adc panicked or died, or reported an internal error, or the
    /// generated code crashed.
    Crash(String),
    /// clang could not compile the program: a bug of the generator.
    Generator(String),
}

impl Verdict {
    pub fn is_defect(&self) -> bool {
        matches!(self, Verdict::Wrong(_) | Verdict::Crash(_))
    }
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Pass { .. } => "pass",
            Verdict::Refused(_) => "refused",
            Verdict::Wrong(_) => "wrong",
            Verdict::Crash(_) => "crash",
            Verdict::Generator(_) => "generator",
        }
    }
}

/// A finished case.
pub struct Case {
    pub seed: u64,
    pub opt: &'static str,
    pub verdict: Verdict,
    pub features: Features,
    pub source: String,
}

/// Optimization levels, one per seed in turn.
pub const LEVELS: [&str; 4] = ["-O0", "-O1", "-O2", "-O3"];
/// The same for Rust programs (rustc's -C opt-level).
pub const RUST_LEVELS: [&str; 4] = ["rust-O0", "rust-O1", "rust-O2", "rust-O3"];

/// The language of a seed's program: Rust for every third group of four
/// seeds (so that each level gets both).
pub fn lang_of(seed: u64) -> Lang {
    if (seed / 4) % 3 == 2 {
        Lang::Rust
    } else {
        Lang::C
    }
}

/// The input point of a seed: x in [-1, 1.3], s in [0.4, 1.4], n in 2..=N.
fn point(seed: u64) -> (Vec<f64>, f64, usize) {
    let mut r = crate::gen::Rng::new(seed.wrapping_mul(31).wrapping_add(17));
    let x = (0..N)
        .map(|_| -1.0 + 2.3 * (r.below(10_000) as f64 / 10_000.0))
        .collect();
    let s = 0.4 + r.below(10_000) as f64 / 10_000.0;
    (x, s, 2 + r.below(N - 1))
}

/// The driver: `-DREVERSE` prints the gradient, `-DFORWARD` the tangent of
/// each input direction, `-DVECTOR` the same tangents four directions per
/// call (vector mode), `-DRVECTOR` the gradient with four seeds per call
/// (reverse vector mode, seeds 1, 2, -0.5 and 0.25, each lane printed
/// divided by its seed), each then the finite differences at h and h/2.
fn driver(seed: u64, float: bool) -> String {
    let (x, s, n) = point(seed);
    let xs: Vec<String> = x.iter().map(|v| format!("{v:.17e}")).collect();
    let h = if float { 1e-2 } else { 1e-3 };
    let mut d = String::new();
    let _ = write!(
        d,
        r#"#include <stdio.h>
#include <string.h>
double f(double *x, double s, int n);
double f_grad(double *x, double *dx, double s, int n, double d_ret);
double f_fwd(double *x, double *dx, double s, double ds, int n);
void f_fwd4(double *x, double *d0, double *d1, double *d2, double *d3, double s, double s0,
            double s1, double s2, double s3, int n, double *d_ret);
void f_grad4(double *x, double *d0, double *d1, double *d2, double *d3, double s, int n,
             double r0, double r1, double r2, double r3, double *d_out);
static const double X0[{N}] = {{{xs}}};
static const double S0 = {s:.17e};
static double at(int k, double t) {{
  double x[{N}];
  memcpy(x, X0, sizeof x);
  double s = S0;
  if (k < {N}) x[k] += t; else s += t;
  return f(x, s, {n});
}}
int main(void) {{
  double x[{N}], dx[{N}];
#ifdef REVERSE
  memcpy(x, X0, sizeof x);
  memset(dx, 0, sizeof dx);
  double ds = f_grad(x, dx, S0, {n}, 1.0);
  for (int k = 0; k < {N}; k++) printf("%.17g\n", dx[k]);
  printf("%.17g\n", ds);
#endif
#ifdef FORWARD
  for (int k = 0; k <= {N}; k++) {{
    memcpy(x, X0, sizeof x);
    memset(dx, 0, sizeof dx);
    if (k < {N}) dx[k] = 1.0;
    printf("%.17g\n", f_fwd(x, dx, S0, k == {N} ? 1.0 : 0.0, {n}));
  }}
#endif
#ifdef VECTOR
  for (int c = 0; c <= {N}; c += 4) {{
    double dxs[4][{N}], ds[4], d_ret[4];
    for (int l = 0; l < 4; l++) {{
      memset(dxs[l], 0, sizeof dxs[l]);
      if (c + l < {N}) dxs[l][c + l] = 1.0;
      ds[l] = c + l == {N} ? 1.0 : 0.0;
    }}
    memcpy(x, X0, sizeof x);
    f_fwd4(x, dxs[0], dxs[1], dxs[2], dxs[3], S0, ds[0], ds[1], ds[2], ds[3], {n}, d_ret);
    for (int l = 0; l < 4 && c + l <= {N}; l++) printf("%.17g\n", d_ret[l]);
  }}
#endif
#ifdef RVECTOR
  {{
    double dxs[4][{N}], d_out[4], seed[4] = {{1.0, 2.0, -0.5, 0.25}};
    memset(dxs, 0, sizeof dxs);
    memcpy(x, X0, sizeof x);
    f_grad4(x, dxs[0], dxs[1], dxs[2], dxs[3], S0, {n}, seed[0], seed[1], seed[2], seed[3], d_out);
    for (int l = 0; l < 4; l++) {{
      for (int k = 0; k < {N}; k++) printf("%.17g\n", dxs[l][k] / seed[l]);
      printf("%.17g\n", d_out[l] / seed[l]);
    }}
  }}
#endif
  for (int k = 0; k <= {N}; k++) {{
    double h = {h:e} * (k < {N} ? (X0[k] > 1 || X0[k] < -1 ? (X0[k] < 0 ? -X0[k] : X0[k]) : 1) : 1);
    for (int r = 0; r < 2; r++, h /= 2)
      printf("%.17g\n", (at(k, -2 * h) - 8 * at(k, -h) + 8 * at(k, h) - at(k, 2 * h)) / (12 * h));
  }}
  return 0;
}}
"#,
        xs = xs.join(", ")
    );
    d
}

fn run(cmd: &mut Command, timeout: Duration) -> std::io::Result<Output> {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let start = std::time::Instant::now();
    loop {
        if child.try_wait()?.is_some() {
            return child.wait_with_output();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let mut o = child.wait_with_output()?;
            o.stderr.extend_from_slice(b"\n(timed out)");
            return Ok(o);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// adc's verdict on one mode: `None` when it wrote the object.
fn adc_failure(o: &Output) -> Option<Verdict> {
    if o.status.success() {
        return None;
    }
    let e = text(&o.stderr);
    let first = e
        .lines()
        .find(|l| l.contains("reason:"))
        .or_else(|| e.lines().next())
        .unwrap_or("")
        .trim()
        .to_string();
    Some(
        if o.status.code() != Some(1) || e.contains("panicked") || e.contains("internal error") {
            Verdict::Crash(format!("adc: {}", e.trim()))
        } else {
            Verdict::Refused(first)
        },
    )
}

fn numbers(o: &Output) -> Option<Vec<f64>> {
    text(&o.stdout)
        .lines()
        .map(|l| l.trim().parse::<f64>().ok())
        .collect()
}

/// Run the case of `seed` in `dir`.
pub fn case(tools: &Tools, seed: u64, dir: &Path) -> Case {
    let p = program_in(seed, lang_of(seed));
    let level = (seed % LEVELS.len() as u64) as usize;
    let opt = match p.lang {
        Lang::C => LEVELS[level],
        Lang::Rust => RUST_LEVELS[level],
    };
    let verdict = judge(tools, seed, opt, &p, dir);
    Case {
        seed,
        opt,
        verdict,
        features: p.features,
        source: p.source,
    }
}

/// Compile the program to bitcode (and, for Rust, to a static library
/// that supplies std to the linked driver); `Err` is the generator's fault.
fn compile(
    tools: &Tools,
    opt: &str,
    p: &crate::gen::Program,
    dir: &Path,
) -> Result<Vec<PathBuf>, String> {
    let t = Duration::from_secs(120);
    let bc = dir.join("f.bc");
    let mut cmds = Vec::new();
    let mut libs = Vec::new();
    match p.lang {
        Lang::C => {
            let src = dir.join("f.c");
            std::fs::write(&src, &p.source).map_err(|e| e.to_string())?;
            let mut c = Command::new(&tools.clang);
            c.args([opt, "-g", "-c", "-emit-llvm"])
                .arg(&src)
                .arg("-o")
                .arg(&bc);
            cmds.push(c);
        }
        Lang::Rust => {
            let src = dir.join("f.rs");
            std::fs::write(&src, &p.source).map_err(|e| e.to_string())?;
            let level = format!("opt-level={}", &opt[opt.len() - 1..]);
            let mut c = Command::new(&tools.rustc);
            c.args([
                "--crate-type=lib",
                "--emit=llvm-bc",
                "-C",
                &level,
                "-C",
                "debuginfo=1",
            ])
            .arg(&src)
            .arg("-o")
            .arg(&bc);
            cmds.push(c);
            let lib = dir.join("libf.a");
            let mut c = Command::new(&tools.rustc);
            c.args(["--crate-type=staticlib", "-C", &level])
                .arg(&src)
                .arg("-o")
                .arg(&lib);
            cmds.push(c);
            libs.push(lib);
        }
    }
    for mut c in cmds {
        match run(&mut c, t) {
            Ok(o) if o.status.success() => {}
            Ok(o) => return Err(text(&o.stderr)),
            Err(e) => return Err(format!("{e}")),
        }
    }
    Ok(libs)
}

fn judge(tools: &Tools, seed: u64, opt: &str, p: &crate::gen::Program, dir: &Path) -> Verdict {
    let t = Duration::from_secs(120);
    let float = p.features.float;
    let bc = dir.join("f.bc");
    let drv = dir.join("driver.c");
    if std::fs::write(&drv, driver(seed, float)).is_err() {
        return Verdict::Crash("cannot write the case's files".into());
    }
    let libs = match compile(tools, opt, p, dir) {
        Ok(l) => l,
        Err(e) => return Verdict::Generator(e),
    };
    let mut outputs: Vec<Vec<f64>> = Vec::new();
    let runs = [
        ("reverse", "-DREVERSE", "1"),
        ("forward", "-DFORWARD", "1"),
        ("vector", "-DVECTOR", "4"),
        ("rvector", "-DRVECTOR", "4"),
    ];
    for (mode, def, width) in runs {
        if mode == "vector" {
            // Vector mode is judged once both scalar modes passed.
            let v = compare(&outputs[0], &outputs[1], float);
            if !matches!(v, Verdict::Pass { .. }) {
                return v;
            }
        }
        let obj = dir.join(format!("{mode}.o"));
        let adc_mode = match mode {
            "vector" => "forward",
            "rvector" => "reverse",
            m => m,
        };
        let o = match run(
            Command::new(&tools.adc)
                .args(["grad"])
                .arg(&bc)
                .args(["-f", "f", "--mode", adc_mode, "--width", width, "-o"])
                .arg(&obj),
            t,
        ) {
            Ok(o) => o,
            Err(e) => return Verdict::Crash(format!("cannot run adc: {e}")),
        };
        if let Some(v) = adc_failure(&o) {
            return match v {
                // (Reverse vector mode refuses split-mode callees for now:
                // the scalar modes' verdict stands.)
                Verdict::Refused(_) if mode == "rvector" => compare_lanes(&outputs, float),
                Verdict::Refused(r) if mode == "vector" => {
                    Verdict::Refused(format!("vector mode: {r}"))
                }
                v => v,
            };
        }
        let exe = dir.join(mode);
        match run(
            Command::new(&tools.cc)
                .arg(def)
                .arg(&drv)
                .arg(&obj)
                .args(&libs)
                .args(["-lm", "-lpthread", "-ldl", "-o"])
                .arg(&exe),
            t,
        ) {
            Ok(o) if o.status.success() => {}
            Ok(o) => return Verdict::Crash(format!("link ({mode}): {}", text(&o.stderr))),
            Err(e) => return Verdict::Crash(format!("cc: {e}")),
        }
        let o = match run(&mut Command::new(&exe), Duration::from_secs(30)) {
            Ok(o) => o,
            Err(e) => return Verdict::Crash(format!("cannot run the {mode} program: {e}")),
        };
        if !o.status.success() {
            return Verdict::Crash(format!(
                "the {mode} program failed ({}): {}",
                o.status,
                text(&o.stderr).trim()
            ));
        }
        let lines = if mode == "rvector" { 6 } else { 3 };
        match numbers(&o) {
            Some(v) if v.len() == lines * (N + 1) => outputs.push(v),
            _ => {
                return Verdict::Crash(format!("the {mode} program printed {:?}", text(&o.stdout)))
            }
        }
    }
    let v = compare_lanes(&outputs, float);
    if !matches!(v, Verdict::Pass { .. }) {
        return v;
    }
    // Every reverse lane, divided by its seed, as the scalar gradient (to
    // rounding, as below).
    for lane in 0..4 {
        for k in 0..=N {
            let (g, l) = (outputs[0][k], outputs[3][lane * (N + 1) + k]);
            let close = (g - l).abs() <= 1e-13 * 1f64.max(g.abs());
            if !(close || g.is_nan() && l.is_nan() || g == l) {
                return Verdict::Wrong(format!(
                    "input {k}: reverse vector mode (width 4) lane {lane} {l:e}, reverse {g:e}"
                ));
            }
        }
    }
    v
}

/// The scalar modes against each other and the finite differences, then
/// every forward lane against the scalar tangent.
fn compare_lanes(outputs: &[Vec<f64>], float: bool) -> Verdict {
    let v = compare(&outputs[0], &outputs[1], float);
    // Every lane as the scalar tangent, to rounding: the two objects are
    // optimized separately, and LLVM may fuse an `llvm.fmuladd` (clang's
    // contraction) in one and not in the other.
    for (k, (&t, &l)) in outputs[1].iter().zip(&outputs[2]).take(N + 1).enumerate() {
        let close = (t - l).abs() <= 1e-13 * 1f64.max(t.abs());
        if !(close || t.is_nan() && l.is_nan()) {
            return Verdict::Wrong(format!(
                "direction {k}: vector mode (width 4) {l:e}, forward {t:e}"
            ));
        }
    }
    v
}

/// Compare reverse `r` and forward `f` outputs (derivatives, then the
/// finite differences at h and h/2 per input).
fn compare(r: &[f64], f: &[f64], float: bool) -> Verdict {
    let names: Vec<String> = (0..N)
        .map(|k| format!("x[{k}]"))
        .chain(["s".into()])
        .collect();
    let (trust, agree, modes) = if float {
        (1e-4, 1e-3, 1e-5)
    } else {
        (1e-7, 1e-6, 1e-9)
    };
    let rel = |a: f64, b: f64| (a - b).abs() / 1f64.max(b.abs());
    let mut untrusted = 0;
    for k in 0..=N {
        let (g, t) = (r[k], f[k]);
        let (fd1, fd2) = (r[N + 1 + 2 * k], r[N + 2 + 2 * k]);
        let finite = fd1.is_finite() && fd2.is_finite();
        let differ = if g.is_finite() && t.is_finite() {
            rel(g, t) > modes
        } else {
            !(g.is_nan() && t.is_nan()) && g != t
        };
        if differ || (finite && !(g.is_finite() && t.is_finite())) {
            return Verdict::Wrong(format!(
                "d f / d {}: reverse {g:e}, forward {t:e} (finite difference {fd2:e})",
                names[k]
            ));
        }
        if !finite || rel(fd1, fd2) > trust {
            untrusted += 1;
            continue;
        }
        if rel(g, fd2) > agree {
            return Verdict::Wrong(format!(
                "d f / d {}: reverse {g:e}, forward {t:e}, finite difference {fd2:e} (at h: {fd1:e})",
                names[k]
            ));
        }
    }
    Verdict::Pass { untrusted }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Derivatives then (h, h/2) finite differences, for input 0 only
    /// (the others all 0).
    fn out(d: f64, fd: (f64, f64)) -> Vec<f64> {
        let mut v = vec![0.0; 3 * (N + 1)];
        v[0] = d;
        v[N + 1] = fd.0;
        v[N + 2] = fd.1;
        v
    }

    #[test]
    fn the_judge_catches_what_it_must_and_skips_what_it_cannot_judge() {
        let ok = out(1.0, (1.0, 1.0 + 1e-12));
        assert_eq!(compare(&ok, &ok, false), Verdict::Pass { untrusted: 0 });
        // Off the finite difference.
        let bad = out(1.001, (1.0, 1.0));
        assert!(matches!(compare(&bad, &bad, false), Verdict::Wrong(_)));
        // The modes disagree, even where the difference cannot judge.
        let kink = out(1.0, (1.0, 0.5));
        let other = out(0.5, (1.0, 0.5));
        assert!(matches!(compare(&kink, &other, false), Verdict::Wrong(_)));
        assert_eq!(compare(&kink, &kink, false), Verdict::Pass { untrusted: 1 });
        // NaN where the function is smooth; NaN in one mode only.
        let nan = out(f64::NAN, (1.0, 1.0));
        assert!(matches!(compare(&nan, &nan, false), Verdict::Wrong(_)));
        let nan_fd = out(f64::NAN, (f64::NAN, f64::NAN));
        let fin_fd = out(1.0, (f64::NAN, f64::NAN));
        assert!(matches!(
            compare(&nan_fd, &fin_fd, false),
            Verdict::Wrong(_)
        ));
        assert_eq!(
            compare(&nan_fd, &nan_fd, false),
            Verdict::Pass { untrusted: 1 }
        );
    }
}
