//! Compiles the CBLAS derivative rules (src/rules/blas_rules.c) to LLVM IR
//! with the clang of adc's LLVM (scripts/setup provisions it and points
//! ADC_LLVM_PREFIX at it); rules/blas.rs links the IR into modules that
//! call those routines.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let src = "src/rules/blas_rules.c";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-env-changed=ADC_LLVM_PREFIX");
    let clang = std::env::var("ADC_LLVM_PREFIX")
        .map(|p| PathBuf::from(p).join("bin/clang-23"))
        .unwrap_or_else(|_| PathBuf::from("clang"));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("blas_rules.ll");
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
