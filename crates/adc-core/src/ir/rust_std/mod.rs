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
mod cache;
mod copy;

use super::{functions, Function, Value};
use crate::error::{AdcError, Result};
use indexmap::{IndexMap, IndexSet};
use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::values::AsValueRef;
use llvm_sys::core::*;
use llvm_sys::prelude::{LLVMModuleRef, LLVMValueRef};
use llvm_sys::LLVMLinkage;
use std::path::PathBuf;

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
/// `module` with the bodies of the std functions it calls, copied from
/// std's bitcode, internal (unchanged when it calls none, or when there is
/// no std bitcode for its target).
pub fn link_std<'ctx>(ctx: &'ctx Context, module: Module<'ctx>) -> Result<Module<'ctx>> {
    let m = module.as_mut_ptr();
    if missing(m).is_empty() {
        return Ok(module);
    }
    let triple = module.get_triple().as_str().to_string_lossy().into_owned();
    let Some(index) = cache::std_index(&triple)? else {
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
            let keep = copy::closure(&roots);
            // The roots and the linkonce copies become internal once in.
            let exported: Vec<String> = keep
                .iter()
                .filter(|&&k| !copy::is_local(k) && unsafe { !LLVMIsAFunction(k).is_null() })
                .map(|&k| Value(k).name())
                .collect();
            copy::reduce(src.as_mut_ptr(), &keep);
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
