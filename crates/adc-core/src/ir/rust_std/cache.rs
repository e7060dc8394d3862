//! std's bitcode on disk: extracted from the sysroot's rlibs once per
//! toolchain into adc's cache, with an index of which object defines which
//! function.

use super::copy::is_local;
use crate::error::{AdcError, Result};
use crate::ir::functions;
use indexmap::IndexMap;
use inkwell::context::Context;
use inkwell::module::Module;
use std::path::{Path, PathBuf};
use std::process::Command;

fn llvm_tool(name: &str) -> PathBuf {
    let prefix = std::env::var_os("ADC_LLVM_PREFIX")
        .map(PathBuf::from)
        .or_else(|| option_env!("ADC_LLVM_PREFIX").map(PathBuf::from));
    match prefix {
        Some(p) if p.join("bin").join(name).exists() => p.join("bin").join(name),
        _ => PathBuf::from(name),
    }
}

fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let o = cmd
        .output()
        .map_err(|e| AdcError::Usage(format!("{what}: cannot run {:?}: {e}", cmd.get_program())))?;
    if !o.status.success() {
        return Err(AdcError::Usage(format!(
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )));
    }
    Ok(())
}

/// Where std's bitcode for `triple` is: the cache directory and, for each
/// function an object defines with external linkage, its file. `None` when
/// there is no rustc or no rlib for `triple` (adc then refuses the calls
/// as it would without this).
pub(super) fn std_index(triple: &str) -> Result<Option<IndexMap<String, PathBuf>>> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(o) = Command::new(&rustc).args(["--print", "sysroot"]).output() else {
        return Ok(None);
    };
    let sysroot = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
    let libdir = sysroot.join("lib/rustlib").join(triple).join("lib");
    let Ok(entries) = std::fs::read_dir(&libdir) else {
        return Ok(None);
    };
    // compiler_builtins: its symbols are the linker's; test and proc_macro:
    // not what a numeric module calls.
    let mut rlibs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            p.extension().is_some_and(|x| x == "rlib")
                && !["compiler_builtins", "libtest-", "proc_macro"]
                    .iter()
                    .any(|skip| n.contains(skip))
        })
        .collect();
    if rlibs.is_empty() {
        return Ok(None);
    }
    rlibs.sort();
    let cache = std::env::var_os("ADC_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/adc")))
        .unwrap_or_else(std::env::temp_dir);
    // One directory per toolchain: its rlibs' names carry their hashes.
    let key = rlibs
        .iter()
        .flat_map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .bytes()
                .collect::<Vec<_>>()
        })
        .fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100000001b3)
        });
    let dir = cache.join(format!("rust-std/{triple}-{key:016x}"));
    let index = dir.join("index");
    if !index.exists() {
        extract(&rlibs, &dir)?;
    }
    let text = std::fs::read_to_string(&index)
        .map_err(|e| AdcError::Usage(format!("std's bitcode index {}: {e}", index.display())))?;
    Ok(Some(
        text.lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(name, file)| (name.to_string(), dir.join(file)))
            .collect(),
    ))
}

/// Extract the bitcode of each object of `rlibs` into `dir` and write its
/// index (a temporary directory renamed into place: another adc running at
/// the same time sees all of it or none).
fn extract(rlibs: &[PathBuf], dir: &Path) -> Result<()> {
    let err = |e: std::io::Error| AdcError::Usage(format!("extracting std's bitcode: {e}"));
    let tmp = dir.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(err)?;
    let mut index = String::new();
    for (k, rlib) in rlibs.iter().enumerate() {
        let sub = tmp.join(format!("{k}"));
        std::fs::create_dir_all(&sub).map_err(err)?;
        run(
            Command::new(llvm_tool("llvm-ar"))
                .arg("x")
                .arg(rlib)
                .current_dir(&sub),
            "extracting std's bitcode (llvm-ar)",
        )?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(&sub)
            .map_err(err)?
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for file in files {
            if file.extension().is_some_and(|x| x == "o") {
                let bc = file.with_extension("bc");
                // (an object without bitcode gives no file)
                let _ = Command::new(llvm_tool("llvm-objcopy"))
                    .arg(format!("--dump-section=.llvmbc={}", bc.display()))
                    .arg(&file)
                    .arg("/dev/null")
                    .output();
                if bc.exists() {
                    let ctx = Context::create();
                    let parsed = Module::parse_bitcode_from_path(&bc, &ctx);
                    if let Ok(m) = &parsed {
                        let rel = bc.strip_prefix(&tmp).unwrap_or(&bc).display().to_string();
                        for f in functions(m.as_mut_ptr()) {
                            if !f.is_declaration() && !is_local(f.raw()) {
                                index.push_str(&format!("{}\t{rel}\n", f.name()));
                            }
                        }
                    }
                    drop(parsed);
                }
            }
            let _ = std::fs::remove_file(&file);
        }
    }
    std::fs::write(tmp.join("index"), index).map_err(err)?;
    // Another adc may have finished first: then its copy stays (it may be
    // reading it) and this one goes. A directory without an index is an
    // interrupted older layout.
    if dir.exists() && !dir.join("index").exists() {
        let _ = std::fs::remove_dir_all(dir);
    }
    if std::fs::rename(&tmp, dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        if !dir.join("index").exists() {
            return Err(AdcError::Usage(format!(
                "extracting std's bitcode: cannot write {}",
                dir.display()
            )));
        }
    }
    Ok(())
}
