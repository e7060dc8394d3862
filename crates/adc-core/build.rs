//! Compiles adc's own C to LLVM IR with the clang of adc's LLVM
//! (scripts/setup provisions it and points ADC_LLVM_PREFIX at it): the
//! CBLAS derivative rules (src/rules/blas_rules.c, linked by rules/blas.rs
//! into modules that call those routines) and the stack switch of
//! derivatives of recursive functions (src/ir/stack_switch.c, linked by
//! ir/stack_switch.rs), and the run-time checkpointing schedule
//! and its snapshots (src/checkpoint/snapshots.c, which includes revolve.c),
//! and the per-thread tapes of OpenMP regions (src/reverse/parallel_tapes.c).

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=ADC_LLVM_PREFIX");
    let clang = std::env::var("ADC_LLVM_PREFIX")
        .map(|p| PathBuf::from(p).join("bin/clang-23"))
        .unwrap_or_else(|_| PathBuf::from("clang"));
    for (src, ll) in [
        ("src/rules/blas_rules.c", "blas_rules.ll"),
        ("src/ir/stack_switch.c", "stack_switch.ll"),
        ("src/checkpoint/snapshots.c", "checkpoint.ll"),
        ("src/reverse/parallel_tapes.c", "parallel_tapes.ll"),
    ] {
        println!("cargo:rerun-if-changed={src}");
        if src.ends_with("snapshots.c") {
            println!("cargo:rerun-if-changed=src/checkpoint/revolve.c");
        }
        let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join(ll);
        let status = Command::new(&clang)
            .args(["-O2", "-w", "-S", "-emit-llvm", "-fno-ident", src, "-o"])
            .arg(&out)
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} to compile {src} ({e}): run scripts/setup first",
                    clang.display()
                )
            });
        assert!(status.success(), "{} failed on {src}", clang.display());
    }
}
