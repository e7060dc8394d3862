//! Rust bindings of generated derivatives (`adc grad --rust`; adc-build
//! writes the same from a build script: examples/rust-build), and the
//! command's other reports (`--time`).

mod common;

use common::{adc, bitcode, grad_into as grad, run_ok as run, rust_driver_with, stderr};
use std::process::Command;

/// `adc grad --rust`: bindings typed from rustc's parameters and the
/// source file debug info names (`usize`, the parameters' names), safe
/// wrappers that a Rust program calls with slices (test-ir/rust/bindings_main.rs).
#[test]
fn rust_bindings_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "checkpoint.rs", "");
    let rs = dir.path().join("bindings.rs");
    let rs_arg = rs.to_str().unwrap().to_string();
    let args = [
        "-f",
        "heat_plain",
        "-f",
        "orbit_plain",
        "--rust",
        rs_arg.as_str(),
    ];
    let obj = grad(dir.path(), &bc, &args, "b.o");
    let text = std::fs::read_to_string(&rs).unwrap();
    assert!(text.contains("pub fn heat_plain_grad(u: &mut [f64], d_u: &mut [f64], work: &mut [f64], d_work: &mut [f64], kappa: &[f64], d_kappa: &mut [f64], steps: usize, d_ret: f64)"), "{text}");
    let exe = rust_driver_with(
        dir.path(),
        "bindings_main.rs",
        &obj,
        &[("ADC_BINDINGS", &rs)],
    );
    let out = run(&mut Command::new(&exe));
    assert!(out.contains("9 checks, 0 failed"), "{out}");
    // Only with one tangent or seed per call.
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "heat_plain",
        "--mode",
        "hvp",
        "--rust",
        rs_arg.as_str(),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("--rust writes bindings"),
        "{}",
        stderr(&o)
    );
}

/// `adc grad --time` reports each phase's wall time (issue 19's
/// measurements: benches/compile_time).
#[test]
fn time_reports_the_phases() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "checkpoint.rs", "");
    let out = dir.path().join("t.o");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "heat_plain",
        "--time",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    for phase in [
        "load",
        "preprocess",
        "synthesis",
        "cleanup (O2)",
        "emit (object code) and write",
        "total",
    ] {
        assert!(
            e.lines()
                .any(|l| l.trim_start().starts_with(phase) && l.trim_end().ends_with(" s")),
            "{phase}: {e}"
        );
    }
}
