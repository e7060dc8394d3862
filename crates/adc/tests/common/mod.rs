//! Shared test support: compiling test-ir sources with the project's
//! toolchain, and calling JIT-compiled functions of any scalar signature.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

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
        "rust" => run(Command::new("rustc")
            .args([
                "--crate-type=lib",
                "-O",
                "--emit=llvm-bc",
                "-C",
                "debuginfo=1",
            ])
            .arg(&src)
            .arg("-o")
            .arg(&out)),
        _ => panic!("unknown language {lang}"),
    }
    guard.insert(key, out.clone());
    out
}

/// Arguments for a C function of scalar and pointer parameters, split by the
/// x86-64 System V classes: integers and pointers go in the 6 integer
/// registers in order, floats in the 8 vector registers in order, whatever
/// their interleaving. So one universal function-pointer type calls any
/// kernel signature (floats: `f32` travels in the low half of a register).
#[derive(Default, Clone, Debug)]
pub struct CallArgs {
    ints: Vec<i64>,
    floats: Vec<f64>,
}

impl CallArgs {
    pub fn int(&mut self, v: i64) {
        self.ints.push(v);
    }
    pub fn f64(&mut self, v: f64) {
        self.floats.push(v);
    }
    pub fn f32(&mut self, v: f32) {
        self.floats.push(f64::from_bits(v.to_bits() as u64));
    }
    pub fn ptr(&mut self, p: *mut f64) {
        self.ints.push(p as i64);
    }
}

type Universal = unsafe extern "C" fn(
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
) -> f64;

/// Call the function at `addr` with `a`, reading an f64 (or f32) return.
///
/// # Safety
/// `addr` must be a function whose parameters match `a` in class order.
pub unsafe fn call(addr: usize, a: &CallArgs, returns_f32: bool) -> f64 {
    assert!(
        a.ints.len() <= 6 && a.floats.len() <= 8,
        "too many arguments"
    );
    let mut i = [0i64; 6];
    let mut f = [0f64; 8];
    i[..a.ints.len()].copy_from_slice(&a.ints);
    f[..a.floats.len()].copy_from_slice(&a.floats);
    let fp: Universal = std::mem::transmute(addr);
    let r = fp(
        i[0], i[1], i[2], i[3], i[4], i[5], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
    );
    if returns_f32 {
        f32::from_bits(r.to_bits() as u32) as f64
    } else {
        r
    }
}

/// Two floating-point results, as returned in two vector registers
/// (`{double, double}` in LLVM, a struct of two doubles in C).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Pair(pub f64, pub f64);

type UniversalPair = unsafe extern "C" fn(
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
) -> Pair;

/// Like [`call`], for functions returning two floats.
///
/// # Safety
/// As for [`call`].
pub unsafe fn call_pair(addr: usize, a: &CallArgs, f32s: bool) -> (f64, f64) {
    assert!(
        a.ints.len() <= 6 && a.floats.len() <= 8,
        "too many arguments"
    );
    let mut i = [0i64; 6];
    let mut f = [0f64; 8];
    i[..a.ints.len()].copy_from_slice(&a.ints);
    f[..a.floats.len()].copy_from_slice(&a.floats);
    let fp: UniversalPair = std::mem::transmute(addr);
    let r = fp(
        i[0], i[1], i[2], i[3], i[4], i[5], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
    );
    if f32s {
        (
            f32::from_bits(r.0.to_bits() as u32) as f64,
            f32::from_bits(r.1.to_bits() as u32) as f64,
        )
    } else {
        (r.0, r.1)
    }
}
