//! Huge straight-line functions (issue 19): the gradient's block is
//! reshaped for code generation (ir/huge_blocks.rs: a compare per guarded
//! select, long-lived values through a stack slot), and the derivatives
//! in both modes still match central differences of the primal.

mod common;

use common::{adc, clang, run_ok, stderr};
use std::fmt::Write;
use std::process::Command;

/// Straight-line C of `n` statements mixing 16 inputs through products,
/// sums, sines and guarded divisions (benches/compile_time's shape).
fn straight_line(n: usize) -> String {
    let mut s =
        String::from("#include <math.h>\n\ndouble f(const double *x) {\n  double t0 = x[0];\n");
    for i in 1..n {
        let (a, b) = (i - 1, (i * 7919) % i);
        let line = match i % 5 {
            0 => format!("t{a} * x[{}] + t{b}", i % 16),
            1 => format!("t{a} - 0.5 * t{b}"),
            2 => format!("t{a} * t{b} + x[{}]", (i * 3) % 16),
            3 => format!("sin(t{a}) + t{b}"),
            _ => format!("t{a} / (1.0 + t{b} * t{b})"),
        };
        writeln!(s, "  double t{i} = {line};").unwrap();
    }
    writeln!(s, "  return t{};\n}}", n - 1).unwrap();
    s
}

const DRIVER: &str = r#"
#include <stdio.h>
#include <math.h>
double f(const double *x);
void f_grad(const double *x, double *dx, double d);
double f_fwd(const double *x, const double *dx);
int main(void) {
  double x[16], g[16] = {0}, worst = 0;
  for (int i = 0; i < 16; i++) x[i] = 0.1 + 0.05 * i;
  f_grad(x, g, 1.0);
  for (int i = 0; i < 16; i++) {
    double e[16] = {0}, a[16], b[16], h = 1e-6 * (fabs(x[i]) + 1e-3);
    e[i] = 1;
    for (int k = 0; k < 16; k++) a[k] = b[k] = x[k];
    a[i] += h; b[i] -= h;
    double fd = (f(a) - f(b)) / (2 * h), t = f_fwd(x, e);
    double s = fabs(fd) > 1e-3 ? fabs(fd) : 1e-3;
    double r = fmax(fabs(g[i] - fd), fabs(t - fd)) / s;
    if (r > worst) worst = r;
    if (g[i] != t && fabs(g[i] - t) > 1e-12 * s) { printf("modes differ at %d: %.17g %.17g\n", i, g[i], t); return 1; }
  }
  printf("16 inputs, worst relative error %.2e\n", worst);
  return worst < 1e-5 ? 0 : 1;
}
"#;

#[test]
fn a_huge_block_differentiates_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("f.c"), straight_line(2500)).unwrap();
    std::fs::write(d.join("main.c"), DRIVER).unwrap();
    let o = Command::new(clang())
        .args(["-O2", "-c", "-emit-llvm", "f.c", "-o", "f.bc"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let bc = d.join("f.bc");
    let fwd = d.join("fwd.bc");
    let both = d.join("both.o");
    let args = [
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "f",
        "--mode",
        "forward",
        "-o",
        fwd.to_str().unwrap(),
    ];
    let o = adc(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = adc(&[
        "grad",
        fwd.to_str().unwrap(),
        "-f",
        "f",
        "--time",
        "-o",
        both.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("huge blocks reshaped"),
        "the block was not reshaped: {}",
        stderr(&o)
    );
    let o = Command::new(clang())
        .args(["main.c", "both.o", "-lm", "-o", "main"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = run_ok(&mut Command::new(d.join("main")));
    assert!(out.contains("worst relative error"), "{out}");
}
