//! Debug-built Rust (`-C opt-level=0` and `1`) whose std calls have no body
//! in the module (the allocation behind `collect()`, a Vec's growth, its
//! deallocation): adc copies them from std's bitcode (ir/rust_std.rs) and
//! differentiates as for a release build, in both modes.

mod common;

use common::{adc, bitcode, grad_into as grad, root, run_ok as run, stderr};
use std::process::Command;

const FUNCTIONS: [&str; 5] = ["spread", "soft", "grown", "ranked", "chunked"];

/// The driver linked with `obj`, `--cfg forward` for tangents.
fn driver(dir: &std::path::Path, obj: &std::path::Path, forward: bool, name: &str) -> String {
    let exe = dir.join(name);
    let mut c = Command::new("rustc");
    c.args(["-O", "--edition=2021"]);
    if forward {
        c.args(["--cfg", "forward"]);
    }
    let o = c
        .arg(root().join("test-ir/rust/debug_collect_main.rs"))
        .arg("-C")
        .arg(format!("link-arg={}", obj.display()))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(o.status.success(), "rustc: {}", stderr(&o));
    run(&mut Command::new(&exe))
}

#[test]
fn debug_builds_differentiate_with_std_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<&str> = FUNCTIONS.iter().flat_map(|f| ["-f", *f]).collect();
    for level in ["0", "1"] {
        let bc = bitcode("rust", "debug_collect.rs", &format!("-C opt-level={level}"));
        for (mode, forward) in [("reverse", false), ("forward", true)] {
            let mut a = args.clone();
            a.extend(["--mode", mode]);
            let obj = grad(dir.path(), &bc, &a, &format!("d{level}{mode}.o"));
            let out = driver(dir.path(), &obj, forward, &format!("d{level}{mode}"));
            assert!(
                out.contains("300 checks, 0 failed"),
                "opt-level {level}, {mode}: {out}"
            );
        }
    }
}

/// What adc copies is what the module calls, not std's runtime: no std
/// statics come along (a second panic count or allocation hook), and the
/// copies are internal (the program's own std keeps its symbols).
#[test]
fn copies_only_the_called_functions_and_no_statics() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "debug_collect.rs", "-C opt-level=1");
    let ll = dir.path().join("out.ll");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "spread",
        "--no-opt",
        "-o",
        ll.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&ll).unwrap();
    let copied: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("define internal") && l.contains("alloc7raw_vec"))
        .filter(|l| !l.contains(".adc."))
        .collect();
    assert!(
        copied.iter().any(|l| l.contains("try_allocate_in")),
        "{copied:?}"
    );
    assert!(copied.len() <= 8, "copied too much: {copied:#?}");
    let statics: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with('@') && !l.contains(" constant ") && !l.starts_with("@adc."))
        .filter(|l| !l.starts_with("@llvm."))
        .collect();
    assert!(statics.is_empty(), "std statics copied: {statics:#?}");
}

/// test-ir/rust/slices.rs (slices, Vecs grown by push, a Vec of Vecs, std's
/// sort, Box<[f64]>, retain, chunks) built at `-C opt-level=1`, in both
/// modes (forward first, left unoptimized for the reverse pass), against
/// slices_main.rs's differences.
#[test]
fn the_slices_suite_at_opt_level_1() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "slices.rs", "-C opt-level=1");
    let fns = common::SLICES_FUNCTIONS;
    let args: Vec<&str> = fns.iter().flat_map(|f| ["-f", *f]).collect();
    let mut fwd_args = args.clone();
    fwd_args.extend(["--mode", "forward", "--no-opt"]);
    let fwd = grad(dir.path(), &bc, &fwd_args, "fwd.bc");
    let obj = grad(dir.path(), &fwd, &args, "both.o");
    let exe = common::rust_driver(dir.path(), "slices_main.rs", &obj);
    let out = run(&mut Command::new(exe));
    assert!(out.contains("256 derivatives checked"), "{out}");
}
