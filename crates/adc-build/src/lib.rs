//! adc from a cargo build script (`build.rs`): differentiate functions of
//! a Rust module of the crate and link their derivatives into it, with
//! typed bindings for `include!`.
//!
//! ```no_run
//! // build.rs's main:
//! if let Err(e) = adc_build::Build::new("src/model.rs")
//!     .reverse("loss", Some("dup,const,const"))
//!     .compile("model")
//! {
//!     eprintln!("{e}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! and in the crate: `include!(concat!(env!("OUT_DIR"), "/model.rs"));`
//! gives `loss_grad(p: &[f64], d_p: &mut [f64], x: &[f64], y: &[f64],
//! d_ret: f64)` and its raw declaration `raw::loss_grad`.
//!
//! The module is compiled on its own, as a library crate, by the rustc
//! cargo runs (`RUSTC`, for `TARGET`), to LLVM bitcode, always optimized
//! (`-C opt-level=3`: std's iterator and allocation code must be inlined
//! for adc to see through it, so a debug build differentiates as a release
//! build does); the functions to differentiate are `#[no_mangle]`. adc-core
//! runs in this process. Everything in the resulting object but the
//! derivatives is internal, so the crate may also contain the module
//! itself (`mod model;`) and call the primal functions directly. The
//! static library `lib<name>_adc.a` and the bindings `<name>.rs` go to
//! `OUT_DIR`; the cargo lines to link it and to rebuild when the module
//! changes are printed.

use adc_core::inkwell::context::Context;
use adc_core::ir::module_io;
use adc_core::{Mode, Options, Target};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What went wrong, with what to do about it.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "adc-build: {}", self.0)
    }
}

impl std::error::Error for Error {}

impl From<adc_core::error::AdcError> for Error {
    fn from(e: adc_core::error::AdcError) -> Self {
        Error(e.to_string())
    }
}

/// The functions of one Rust module (or of C and C++ files) to
/// differentiate, and how.
#[derive(Clone, Debug)]
pub struct Build {
    source: PathBuf,
    /// More C or C++ files, linked into one module with `source`.
    more: Vec<PathBuf>,
    reverse: Vec<Target>,
    forward: Vec<Target>,
    out_dir: Option<PathBuf>,
}

impl Build {
    /// The module at `source` (relative to the crate's root, as cargo runs
    /// build scripts there).
    pub fn new(source: impl AsRef<Path>) -> Self {
        Build {
            source: source.as_ref().to_path_buf(),
            more: Vec::new(),
            reverse: Vec::new(),
            forward: Vec::new(),
            out_dir: None,
        }
    }

    /// Generate `FUNCTION_grad` (reverse mode), with `activity` one entry
    /// per Rust parameter (`const`, `active`, `dup`; a slice's length
    /// follows by itself) or per LLVM parameter as adc's `--activity` takes
    /// it (`None`: the defaults, every slice duplicated).
    pub fn reverse(mut self, function: &str, activity: Option<&str>) -> Self {
        self.reverse.push(Target {
            name: function.to_string(),
            activity: activity.map(str::to_string),
        });
        self
    }

    /// Generate `FUNCTION_fwd` (forward mode).
    pub fn forward(mut self, function: &str, activity: Option<&str>) -> Self {
        self.forward.push(Target {
            name: function.to_string(),
            activity: activity.map(str::to_string),
        });
        self
    }

    /// Another C or C++ file of the same module (with a C or C++ `new`).
    pub fn source(mut self, path: impl AsRef<Path>) -> Self {
        self.more.push(path.as_ref().to_path_buf());
        self
    }

    /// Whether the sources are C or C++ (by extension) rather than Rust.
    fn is_c(&self) -> bool {
        matches!(
            self.source.extension().and_then(|e| e.to_str()),
            Some("c" | "cc" | "cpp" | "cxx" | "C")
        )
    }

    /// Where the outputs go (default: cargo's `OUT_DIR`).
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Build `lib<name>_adc.a` and `<name>.rs`, and print the cargo lines.
    pub fn compile(self, name: &str) -> Result<(), Error> {
        let out = match &self.out_dir {
            Some(d) => d.clone(),
            None => PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(|| {
                Error("OUT_DIR is not set: run from a build script, or give .out_dir(...)".into())
            })?),
        };
        println!("cargo:rerun-if-changed={}", self.source.display());
        let text = std::fs::read_to_string(&self.source)
            .map_err(|e| Error(format!("cannot read {}: {e}", self.source.display())))?;
        let bc = out.join(format!("{name}_adc_model.bc"));
        let c = self.is_c();
        if c {
            self.compile_c(&out, &bc)?;
        } else {
            self.compile_module(name, &bc)?;
        }

        let sigs = if c {
            Default::default()
        } else {
            adc_core::bindings::parse_signatures(&text)
        };
        let expand = |targets: &[Target]| -> Vec<Target> {
            targets
                .iter()
                .map(|t| Target {
                    name: t.name.clone(),
                    activity: t
                        .activity
                        .as_ref()
                        .map(|a| per_llvm_parameter(&sigs, &t.name, a)),
                })
                .collect()
        };
        let (reverse, forward) = (expand(&self.reverse), expand(&self.forward));
        let ctx = Context::create();
        // (std's generics the optimizer left as calls: their bodies)
        let module = adc_core::ir::rust_std::link_std(&ctx, module_io::load(&ctx, &bc)?)?;
        let mut made = Vec::new();
        for (mode, targets) in [(Mode::Reverse, &reverse), (Mode::Forward, &forward)] {
            if targets.is_empty() {
                continue;
            }
            let opts = Options {
                targets: targets.clone(),
                mode,
                optimize: true,
                width: 1,
                type_hint: None,
                checkpoints: Vec::new(),
                tape_limit: None,
            };
            adc_core::differentiate(&module, &opts)?;
            for t in targets {
                let f = adc_core::ir::get_function(module.as_mut_ptr(), &t.name)
                    .expect("differentiated");
                let acts = match &t.activity {
                    Some(a) => adc_core::signature::parse_activity(f, a)?,
                    None => adc_core::signature::default_activity(f),
                };
                made.push((t.name.clone(), acts, mode));
            }
        }
        let language = if c {
            adc_core::bindings::Language::C
        } else {
            adc_core::bindings::Language::Rust
        };
        let bindings = adc_core::bindings::bindings_for(
            module.as_mut_ptr(),
            &made,
            (!c).then_some(text.as_str()),
            language,
        );
        // Only the derivatives are visible outside the object (and, from C,
        // the functions differentiated: the crate has no other copy).
        let mut keep: Vec<String> = made
            .iter()
            .map(|(f, _, mode)| adc_core::derivative_name(f, *mode, 1))
            .collect();
        if c {
            keep.extend(made.iter().map(|(f, _, _)| f.clone()));
        }
        for f in module.get_functions() {
            let n = f.get_name().to_string_lossy().into_owned();
            if f.count_basic_blocks() > 0 && !keep.contains(&n) {
                f.set_linkage(adc_core::inkwell::module::Linkage::Internal);
            }
        }
        for g in module.get_globals() {
            if g.get_initializer().is_some() {
                g.set_linkage(adc_core::inkwell::module::Linkage::Internal);
            }
        }
        adc_core::verify(&module)?;
        let obj = out.join(format!("{name}_adc.o"));
        module_io::write(&module, &obj)?;
        let lib = out.join(format!("lib{name}_adc.a"));
        archive(&obj, &lib)?;
        std::fs::write(out.join(format!("{name}.rs")), bindings)
            .map_err(|e| Error(format!("cannot write the bindings: {e}")))?;
        println!("cargo:rustc-link-search=native={}", out.display());
        println!("cargo:rustc-link-lib=static={name}_adc");
        Ok(())
    }

    /// C and C++ files to one bitcode module: the clang of adc's LLVM
    /// (`ADC_CLANG`, else `$ADC_LLVM_PREFIX/bin/clang-23`, else `clang`),
    /// `llvm-link` for several; each header they include reruns the build.
    fn compile_c(&self, out: &Path, bc: &Path) -> Result<(), Error> {
        let prefix = std::env::var_os("ADC_LLVM_PREFIX").map(PathBuf::from);
        let tool = |env: &str, name: &str| -> PathBuf {
            if let Some(t) = std::env::var_os(env) {
                return PathBuf::from(t);
            }
            match &prefix {
                Some(p) if p.join("bin").join(name).exists() => p.join("bin").join(name),
                _ => PathBuf::from(name.trim_end_matches("-23")),
            }
        };
        let mut bcs = Vec::new();
        for (k, src) in std::iter::once(&self.source).chain(&self.more).enumerate() {
            let cpp = !matches!(src.extension().and_then(|e| e.to_str()), Some("c"));
            let cc = if cpp {
                tool("ADC_CLANGXX", "clang++")
            } else {
                tool("ADC_CLANG", "clang-23")
            };
            let one = out.join(format!("adc_src{k}.bc"));
            let deps = out.join(format!("adc_src{k}.d"));
            let o = Command::new(&cc)
                .args(["-O2", "-g", "-c", "-emit-llvm", "-MD", "-MF"])
                .arg(&deps)
                .arg(src)
                .arg("-o")
                .arg(&one)
                .output()
                .map_err(|e| Error(format!("cannot run {}: {e}", cc.display())))?;
            if !o.status.success() {
                return Err(Error(format!(
                    "{} could not compile {}:\n{}",
                    cc.display(),
                    src.display(),
                    String::from_utf8_lossy(&o.stderr)
                )));
            }
            // (make syntax: `target: dep dep \` lines)
            if let Ok(d) = std::fs::read_to_string(&deps) {
                let d = d.replace("\\\n", " ");
                for dep in d
                    .split_once(':')
                    .map(|x| x.1)
                    .unwrap_or("")
                    .split_whitespace()
                {
                    println!("cargo:rerun-if-changed={dep}");
                }
            }
            bcs.push(one);
        }
        if bcs.len() == 1 {
            std::fs::rename(&bcs[0], bc)
                .map_err(|e| Error(format!("cannot move the bitcode: {e}")))?;
            return Ok(());
        }
        let link = tool("ADC_LLVM_LINK", "llvm-link");
        let o = Command::new(&link)
            .args(&bcs)
            .arg("-o")
            .arg(bc)
            .output()
            .map_err(|e| Error(format!("cannot run {}: {e}", link.display())))?;
        if !o.status.success() {
            return Err(Error(format!(
                "llvm-link: {}",
                String::from_utf8_lossy(&o.stderr)
            )));
        }
        Ok(())
    }

    /// The module as its own library crate, to bitcode, by cargo's rustc.
    fn compile_module(&self, name: &str, bc: &Path) -> Result<(), Error> {
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let mut cmd = Command::new(&rustc);
        cmd.args(["--crate-type=lib", "--edition=2021", "--emit=llvm-bc"])
            .args([
                "-C",
                "opt-level=3",
                "-C",
                "debuginfo=1",
                "-C",
                "codegen-units=1",
            ])
            .arg("--crate-name")
            .arg(format!("{name}_adc_model"));
        if let Ok(target) = std::env::var("TARGET") {
            cmd.arg("--target").arg(target);
        }
        cmd.arg(&self.source).arg("-o").arg(bc);
        let o = cmd
            .output()
            .map_err(|e| Error(format!("cannot run {rustc}: {e}")))?;
        if !o.status.success() {
            return Err(Error(format!(
                "{rustc} could not compile {}:\n{}",
                self.source.display(),
                String::from_utf8_lossy(&o.stderr)
            )));
        }
        Ok(())
    }
}

/// An activity list of one entry per Rust parameter of `function` becomes
/// one per LLVM parameter: a slice (`&[T]`, `&mut [T]`) is a pointer and a
/// length, the length constant. Other lists are adc's already.
fn per_llvm_parameter(
    sigs: &adc_core::indexmap::IndexMap<String, adc_core::bindings::SourceSignature>,
    function: &str,
    list: &str,
) -> String {
    let entries: Vec<&str> = list.split(',').map(str::trim).collect();
    let Some((params, _)) = sigs.get(function) else {
        return list.to_string();
    };
    if params.len() != entries.len() {
        return list.to_string();
    }
    let mut out = Vec::new();
    for ((_, ty), a) in params.iter().zip(entries) {
        out.push(a.to_string());
        let t = ty.replace(' ', "");
        if t.starts_with("&[") || t.starts_with("&mut[") {
            out.push("const".into());
        }
    }
    out.join(",")
}

/// A static library holding `obj`: llvm-ar from adc's LLVM, else `ar`.
fn archive(obj: &Path, lib: &Path) -> Result<(), Error> {
    let _ = std::fs::remove_file(lib);
    let mut tools = Vec::new();
    if let Some(prefix) = std::env::var_os("ADC_LLVM_PREFIX") {
        tools.push(PathBuf::from(prefix).join("bin/llvm-ar"));
    }
    tools.push(PathBuf::from("ar"));
    let mut last = String::new();
    for tool in tools {
        match Command::new(&tool).arg("crs").arg(lib).arg(obj).output() {
            Ok(o) if o.status.success() => return Ok(()),
            Ok(o) => last = String::from_utf8_lossy(&o.stderr).into_owned(),
            Err(e) => last = e.to_string(),
        }
    }
    Err(Error(format!(
        "cannot make a static library of {}: {last}",
        obj.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_per_rust_parameter() {
        let sigs = adc_core::bindings::parse_signatures(
            "pub fn loss(p: &[f64], x: &mut [f64], k: f64, n: usize) -> f64 { 0.0 }",
        );
        assert_eq!(
            per_llvm_parameter(&sigs, "loss", "dup, const, active, const"),
            "dup,const,const,const,active,const"
        );
        // A list per LLVM parameter stays as it is.
        assert_eq!(
            per_llvm_parameter(&sigs, "loss", "dup,const,const,const,active,const"),
            "dup,const,const,const,active,const"
        );
    }
}
