//! Shared test support: compiling test-ir sources with the project's
//! toolchain, and calling JIT-compiled functions of any scalar signature.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The functions of test-ir/rust/slices.rs that slices_main.rs checks.
pub const SLICES_FUNCTIONS: [&str; 18] = [
    "slice_dot",
    "slice_scale",
    "vec_energy",
    "vec_collect",
    "vec_update",
    "rust_realloc_grow",
    "vec_push",
    "vec_extend",
    "sorted_weights",
    "nested_vecs",
    "poly_struct",
    "logsumexp",
    "boxed",
    "extend_push",
    "chunks_sum",
    "retain_filter",
    "max_by",
    "reread_work",
];

/// Run the `adc` binary of this build.
pub fn adc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_adc"))
        .args(args)
        .output()
        .expect("run adc")
}

/// What a process wrote to stderr.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `adc grad BC ARGS -o DIR/OUT`, which must succeed; the output's path.
pub fn grad_into(dir: &Path, bc: &Path, args: &[&str], out: &str) -> PathBuf {
    let o_path = dir.join(out);
    let mut all = vec!["grad", bc.to_str().unwrap()];
    all.extend(args);
    all.extend(["-o", o_path.to_str().unwrap()]);
    let o = adc(&all);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o_path
}

/// Compile the Rust driver test-ir/rust/`main` against `obj` into `dir`,
/// with `env` set for its `env!`s (a path to `include!`).
pub fn rust_driver_with(dir: &Path, main: &str, obj: &Path, env: &[(&str, &Path)]) -> PathBuf {
    let exe = dir.join(main.trim_end_matches(".rs"));
    let mut cmd = Command::new("rustc");
    cmd.args(["-O", "--edition=2021"])
        .arg(root().join("test-ir/rust").join(main))
        .arg("-C")
        .arg(format!("link-arg={}", obj.display()))
        .arg("-o")
        .arg(&exe);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "rustc: {}", stderr(&o));
    exe
}

/// [`rust_driver_with`] without an environment.
pub fn rust_driver(dir: &Path, main: &str, obj: &Path) -> PathBuf {
    rust_driver_with(dir, main, obj, &[])
}

/// Run a command that must succeed; its stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{out}{}", stderr(&o));
    out
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn llvm_prefix() -> PathBuf {
    std::env::var_os("ADC_LLVM_PREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".toolchain/llvm"))
}

pub fn clang() -> PathBuf {
    llvm_prefix().join("bin/clang-23")
}

/// A directory for this test process's build products.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"))
        .path()
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Compile `test-ir/<lang>/<file>` to bitcode once per process; returns its path.
pub fn bitcode(lang: &str, file: &str, extra_flags: &str) -> PathBuf {
    type Cache = Mutex<HashMap<(String, String, String), PathBuf>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (lang.to_string(), file.to_string(), extra_flags.to_string());
    // Hold the lock while compiling so that each file is compiled once.
    let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = guard.get(&key) {
        return p.clone();
    }
    let src = root().join("test-ir").join(lang).join(file);
    let tag: String = extra_flags
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let out = scratch().join(format!("{lang}-{file}-{tag}.bc"));
    match lang {
        "c" => {
            let mut cmd = Command::new(clang());
            cmd.args(["-O2", "-g", "-c", "-emit-llvm"])
                .args(extra_flags.split_whitespace())
                .arg(&src)
                .arg("-o")
                .arg(&out);
            run(&mut cmd);
        }
        // (-O unless the flags say otherwise: `-C opt-level=0`, a debug build)
        "rust" => run(Command::new("rustc")
            .args(["--crate-type=lib", "--emit=llvm-bc", "-C", "debuginfo=1"])
            .args(if extra_flags.is_empty() {
                vec!["-O"]
            } else {
                extra_flags.split_whitespace().collect()
            })
            .arg(&src)
            .arg("-o")
            .arg(&out)),
        _ => panic!("unknown language {lang}"),
    }
    guard.insert(key, out.clone());
    out
}

pub use adc_core::jit::CallArgs;

/// Call the function at `addr`, reading an f64 (or f32) return.
///
/// # Safety
/// `addr` must be a function whose parameters match `a` in class order.
pub unsafe fn call(addr: usize, a: &CallArgs, returns_f32: bool) -> f64 {
    a.call(addr, returns_f32)
}

/// Like [`call`], for functions returning two floats.
///
/// # Safety
/// As for [`call`].
pub unsafe fn call_pair(addr: usize, a: &CallArgs, f32s: bool) -> (f64, f64) {
    a.call_pair(addr, f32s)
}
