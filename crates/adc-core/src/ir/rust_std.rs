//! Rust's standard library in the module. A module rustc compiled without
//! full optimization (a debug build, `-C opt-level=0` or `1`) calls std's
//! generic code it does not contain: the allocation behind every
//! `collect()` into a `Vec` (`RawVecInner::try_allocate_in`, instantiated
//! once in std and shared), its deallocation and growth. adc would refuse
//! those calls. std's rlibs carry each object's LLVM bitcode (an `.llvmbc`
//! section), so the bodies the module calls are copied in from there, made
//! internal, with what they use from std left as declarations: the program
//! links std itself, and std's statics stay std's (a copy of the panic
//! count or an allocation hook would be a second, different one).
//!
//! The bitcode is extracted once per toolchain into adc's cache
//! (`$ADC_CACHE`, else `~/.cache/adc`) with the LLVM tools of adc's own
//! LLVM (`ADC_LLVM_PREFIX`, at run time or as adc was built), with an index
//! of the functions each file defines.

use super::{functions, Function, Value};
use crate::error::{AdcError, Result};
use indexmap::{IndexMap, IndexSet};
use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::values::AsValueRef;
use llvm_sys::core::*;
use llvm_sys::prelude::{LLVMModuleRef, LLVMValueRef};
use llvm_sys::LLVMLinkage;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether `name` is a Rust symbol (mangled by rustc, legacy or v0).
fn is_rust(name: &str) -> bool {
    name.starts_with("_R")
        || (name.starts_with("_ZN") && name.contains("17h") && name.ends_with('E'))
}

/// The Rust functions `m` calls without a body, but for those adc knows
/// without one (the allocator shims, calls that never return).
fn missing(m: LLVMModuleRef) -> Vec<Function> {
    functions(m)
        .into_iter()
        .filter(|f| {
            let n = f.name();
            f.is_declaration()
                && !f.is_intrinsic()
                && is_rust(&n)
                && !f.has_fn_attr("noreturn")
                && super::heap::HeapFn::named(&n).is_none()
                && !f.0.users().is_empty()
        })
        .collect()
}

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
fn std_index(triple: &str) -> Result<Option<IndexMap<String, PathBuf>>> {
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

/// Internal or private: a symbol no other object can name.
fn is_local(v: LLVMValueRef) -> bool {
    matches!(
        unsafe { LLVMGetLinkage(v) },
        LLVMLinkage::LLVMInternalLinkage | LLVMLinkage::LLVMPrivateLinkage
    )
}

/// A symbol a copy must carry along rather than name: local ones, and
/// those an object may define without exporting (linkonce, available
/// externally).
fn must_copy(v: LLVMValueRef) -> bool {
    is_local(v)
        || matches!(
            unsafe { LLVMGetLinkage(v) },
            LLVMLinkage::LLVMLinkOnceAnyLinkage
                | LLVMLinkage::LLVMLinkOnceODRLinkage
                | LLVMLinkage::LLVMAvailableExternallyLinkage
        )
}

/// The globals (functions, variables, aliases) `v` refers to, through
/// constant expressions and aggregates.
fn referenced(v: Value, out: &mut Vec<LLVMValueRef>, seen: &mut IndexSet<LLVMValueRef>) {
    for op in v.operands() {
        if op.0.is_null() || !seen.insert(op.0) {
            continue;
        }
        if unsafe { !LLVMIsAGlobalValue(op.0).is_null() } {
            out.push(op.0);
        } else if op.is_constant() {
            referenced(op, out, seen);
        }
    }
}

/// What a copy of `roots` from `src` must contain: the roots and every
/// local (or linkonce) function, variable and alias they reach.
fn closure(roots: &[LLVMValueRef]) -> IndexSet<LLVMValueRef> {
    let mut keep: IndexSet<LLVMValueRef> = roots.iter().copied().collect();
    let mut work: Vec<LLVMValueRef> = roots.to_vec();
    while let Some(g) = work.pop() {
        let mut refs = Vec::new();
        let mut seen = IndexSet::new();
        if unsafe { !LLVMIsAFunction(g).is_null() } {
            for i in Function(Value(g))
                .blocks()
                .into_iter()
                .flat_map(|b| b.instructions())
            {
                referenced(i, &mut refs, &mut seen);
            }
        } else {
            referenced(Value(g), &mut refs, &mut seen);
        }
        let is_alias = unsafe { !LLVMIsAGlobalAlias(g).is_null() };
        for r in refs {
            // (an alias needs its aliasee's definition)
            if (must_copy(r) || is_alias) && keep.insert(r) {
                work.push(r);
            }
        }
    }
    keep
}

/// Reduce `src` to `keep`: other definitions become declarations (or go,
/// when local and so no longer used), debug info goes.
fn reduce(src: LLVMModuleRef, keep: &IndexSet<LLVMValueRef>) {
    let mut doomed = Vec::new();
    unsafe {
        // The C API cannot delete an alias: one not kept gives its uses to
        // a declaration of its name and becomes a private alias of a root,
        // unused (and so dropped by the cleanup).
        let root = keep.first().copied();
        let mut a = LLVMGetFirstGlobalAlias(src);
        while !a.is_null() {
            let next = LLVMGetNextGlobalAlias(a);
            if let (false, Some(root)) = (keep.contains(&a), root) {
                let name = Value(a).name();
                Value(a).set_name(&format!("{name}.adc.unused"));
                if LLVMGetFirstUse(a).is_null() || is_local(a) {
                    LLVMReplaceAllUsesWith(a, LLVMGetPoison(LLVMTypeOf(a)));
                } else {
                    let ty = LLVMGlobalGetValueType(a);
                    let cname = std::ffi::CString::new(name).unwrap_or_default();
                    let decl =
                        if LLVMGetTypeKind(ty) == llvm_sys::LLVMTypeKind::LLVMFunctionTypeKind {
                            LLVMAddFunction(src, cname.as_ptr(), ty)
                        } else {
                            LLVMAddGlobal(src, ty, cname.as_ptr())
                        };
                    LLVMReplaceAllUsesWith(a, decl);
                }
                LLVMAliasSetAliasee(a, root);
                LLVMSetLinkage(a, LLVMLinkage::LLVMPrivateLinkage);
            }
            a = next;
        }
        let mut g = LLVMGetFirstGlobal(src);
        while !g.is_null() {
            if !keep.contains(&g) {
                if must_copy(g) {
                    doomed.push(g);
                } else if LLVMIsDeclaration(g) == 0 {
                    LLVMSetInitializer(g, std::ptr::null_mut());
                    LLVMSetLinkage(g, LLVMLinkage::LLVMExternalLinkage);
                    llvm_sys::comdat::LLVMSetComdat(g, std::ptr::null_mut());
                }
            }
            g = LLVMGetNextGlobal(g);
        }
        for f in functions(src) {
            let f = f.raw();
            if !keep.contains(&f) {
                if must_copy(f) {
                    doomed.push(f);
                } else if LLVMIsDeclaration(f) == 0 {
                    delete_body(f);
                    LLVMSetLinkage(f, LLVMLinkage::LLVMExternalLinkage);
                    llvm_sys::comdat::LLVMSetComdat(f, std::ptr::null_mut());
                }
            }
        }
        // The doomed are used only by other doomed code: drop their bodies
        // and initializers first, then them.
        for &d in &doomed {
            if !LLVMIsAFunction(d).is_null() {
                if LLVMIsDeclaration(d) == 0 {
                    delete_body(d);
                }
            } else if !LLVMIsAGlobalVariable(d).is_null() {
                LLVMSetInitializer(d, std::ptr::null_mut());
            }
        }
        for &d in &doomed {
            let ty = LLVMTypeOf(d);
            LLVMReplaceAllUsesWith(d, LLVMGetPoison(ty));
            if !LLVMIsAFunction(d).is_null() {
                LLVMDeleteFunction(d);
            } else {
                LLVMDeleteGlobal(d);
            }
        }
        for &k in keep {
            llvm_sys::comdat::LLVMSetComdat(k, std::ptr::null_mut());
        }
        llvm_sys::debuginfo::LLVMStripModuleDebugInfo(src);
    }
}

/// Make `f` a declaration (what `Function::deleteBody` does; the C API
/// has no such call).
unsafe fn delete_body(f: LLVMValueRef) {
    let blocks = Function(Value(f)).blocks();
    for b in &blocks {
        for i in b.instructions().into_iter().rev() {
            LLVMReplaceAllUsesWith(i.0, LLVMGetPoison(LLVMTypeOf(i.0)));
            LLVMInstructionEraseFromParent(i.0);
        }
    }
    for b in blocks {
        LLVMDeleteBasicBlock(b.0);
    }
    LLVMSetPersonalityFn(f, std::ptr::null_mut());
}

/// `module` with the bodies of the std functions it calls, copied from
/// std's bitcode, internal (unchanged when it calls none, or when there is
/// no std bitcode for its target).
pub fn link_std<'ctx>(ctx: &'ctx Context, module: Module<'ctx>) -> Result<Module<'ctx>> {
    let m = module.as_mut_ptr();
    if missing(m).is_empty() {
        return Ok(module);
    }
    let triple = module.get_triple().as_str().to_string_lossy().into_owned();
    let Some(index) = std_index(&triple)? else {
        return Ok(module);
    };
    let mut tried: IndexSet<String> = IndexSet::new();
    // Copied bodies may call more of std's generics: a few rounds.
    for _ in 0..16 {
        let mut by_file: IndexMap<&PathBuf, Vec<String>> = IndexMap::new();
        for f in missing(m) {
            let n = f.name();
            if let Some(file) = index.get(&n) {
                if tried.insert(n.clone()) {
                    by_file.entry(file).or_default().push(n);
                }
            }
        }
        if by_file.is_empty() {
            break;
        }
        by_file.sort_keys();
        for (file, names) in by_file {
            let src = Module::parse_bitcode_from_path(file, ctx).map_err(|e| AdcError::Read {
                path: file.clone(),
                message: format!("std's bitcode: {e}"),
            })?;
            let roots: Vec<LLVMValueRef> = names
                .iter()
                .filter_map(|n| src.get_function(n))
                .map(|f| f.as_value_ref())
                .collect();
            let keep = closure(&roots);
            // The roots and the linkonce copies become internal once in.
            let exported: Vec<String> = keep
                .iter()
                .filter(|&&k| !is_local(k) && unsafe { !LLVMIsAFunction(k).is_null() })
                .map(|&k| Value(k).name())
                .collect();
            reduce(src.as_mut_ptr(), &keep);
            module.link_in_module(src).map_err(|e| {
                AdcError::Llvm(format!(
                    "linking std's bitcode from {}: {e}",
                    file.display()
                ))
            })?;
            for n in &exported {
                if let Some(f) = module.get_function(n) {
                    unsafe { LLVMSetLinkage(f.as_value_ref(), LLVMLinkage::LLVMInternalLinkage) };
                }
            }
        }
    }
    Ok(module)
}
