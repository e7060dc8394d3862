//! Builds the benchmark kernels the way a user's build script would: compile
//! C to bitcode with clang-23, differentiate with adc-core, write native
//! objects, archive them and link them into the benchmarks. The tape layout
//! adc reports is saved for the benchmark's summary.

use adc_core::inkwell::context::Context;
use adc_core::ir::module_io;
use adc_core::Mode;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) {
    let st = cmd.status().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(st.success(), "{cmd:?} failed");
}

struct Build {
    root: PathBuf,
    out: PathBuf,
    clang: PathBuf,
    objects: Vec<PathBuf>,
    stats: String,
}

impl Build {
    fn bitcode(&self, src: &str) -> PathBuf {
        let src = self.root.join(src);
        println!("cargo:rerun-if-changed={}", src.display());
        let stem = src.file_stem().unwrap().to_str().unwrap();
        let bc = self.out.join(format!("{stem}.bc"));
        run(Command::new(&self.clang)
            .args(["-O2", "-c", "-emit-llvm"])
            .arg(&src)
            .arg("-o")
            .arg(&bc));
        bc
    }

    /// Differentiate `fns` (name, optional --activity list) of `src` in each
    /// of `modes` into one object.
    fn adc(&mut self, src: &str, fns: &[(&str, Option<&str>)], modes: &[Mode]) {
        let bc = self.bitcode(src);
        let ctx = Context::create();
        let module = module_io::load(&ctx, &bc).expect("load bitcode");
        for &mode in modes {
            let opts = adc_core::Options {
                targets: fns
                    .iter()
                    .map(|(f, act)| adc_core::Target {
                        name: f.to_string(),
                        activity: act.map(str::to_string),
                    })
                    .collect(),
                mode,
                optimize: true,
                type_hint: None,
            };
            let out =
                adc_core::differentiate(&module, &opts).unwrap_or_else(|e| panic!("adc: {e}"));
            for s in out.tape_stats {
                for (_, bytes) in s.pushed_per_block {
                    writeln!(self.stats, "{} {bytes}", s.function).unwrap();
                }
            }
        }
        let obj = self.out.join(format!(
            "{}_ad.o",
            bc.file_stem().unwrap().to_str().unwrap()
        ));
        module_io::write(&module, &obj).expect("write object");
        self.objects.push(obj);
    }

    /// A plain C object (hand-written baselines).
    fn cc(&mut self, src: &str) {
        let src_path = self.root.join(src);
        println!("cargo:rerun-if-changed={}", src_path.display());
        let obj = self.out.join(format!(
            "{}.o",
            src_path.file_stem().unwrap().to_str().unwrap()
        ));
        run(Command::new(&self.clang)
            .args(["-O2", "-fPIC", "-c"])
            .arg(&src_path)
            .arg("-o")
            .arg(&obj));
        self.objects.push(obj);
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let prefix = std::env::var("ADC_LLVM_PREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(".toolchain/llvm"));
    let mut b = Build {
        clang: prefix.join("bin/clang-23"),
        root,
        out: out.clone(),
        objects: vec![],
        stats: String::new(),
    };
    b.adc(
        "test-ir/c/besselj.c",
        &[("poor_besselj", None)],
        &[Mode::Forward, Mode::Reverse],
    );
    b.adc(
        "test-ir/c/kernels.c",
        &[("sin_dot", None)],
        &[Mode::Reverse],
    );
    // GMM: gradient with respect to alphas, means and icf; the data is constant.
    let gmm = "const,const,const,dup,dup,dup,const,const,const";
    b.adc(
        "test-ir/c/gmm.c",
        &[("gmm_objective", Some(gmm))],
        &[Mode::Reverse],
    );
    b.adc(
        "test-ir/c/memory.c",
        &[("dot_product", None), ("matvec_loss", None)],
        &[Mode::Reverse],
    );
    b.cc("benches/kernels/manual.c");
    std::fs::write(out.join("tape_stats.txt"), &b.stats).unwrap();
    let lib = out.join("libkernels_ad.a");
    let _ = std::fs::remove_file(&lib);
    run(Command::new("ar").arg("crs").arg(&lib).args(&b.objects));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=kernels_ad");
    println!("cargo:rustc-link-lib=m");
}
