//! Builds the benchmark kernels the way a user's build script would: compile
//! C to bitcode with clang-23, differentiate with adc-core, write a native
//! object, archive it and link it into the benchmarks.

use adc_core::inkwell::context::Context;
use adc_core::ir::module_io;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) {
    let st = cmd.status().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(st.success(), "{cmd:?} failed");
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let prefix = std::env::var("ADC_LLVM_PREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(".toolchain/llvm"));
    let src = root.join("test-ir/c/besselj.c");
    println!("cargo:rerun-if-changed={}", src.display());
    let bc = out.join("besselj.bc");
    run(Command::new(prefix.join("bin/clang-23"))
        .args(["-O2", "-c", "-emit-llvm"])
        .arg(&src)
        .arg("-o")
        .arg(&bc));

    let ctx = Context::create();
    let module = module_io::load(&ctx, &bc).expect("load besselj.bc");
    let opts = adc_core::Options {
        targets: vec![adc_core::Target {
            name: "poor_besselj".into(),
            activity: None,
        }],
        mode: adc_core::Mode::Forward,
        optimize: true,
    };
    adc_core::differentiate(&module, &opts).unwrap_or_else(|e| panic!("adc: {e}"));
    let obj = out.join("besselj_ad.o");
    module_io::write(&module, &obj).expect("write object");
    run(Command::new("ar")
        .arg("crs")
        .arg(out.join("libkernels_ad.a"))
        .arg(&obj));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=kernels_ad");
    println!("cargo:rustc-link-lib=m");
}
