//! The tape's runtime helpers (`tape.ll`), linked into a module on first use.
//! Keeping them as IR in the output module means an `.o` from adc needs no
//! runtime library; O2 inlines the push/pop fast paths.

use crate::error::{AdcError, Result};
use crate::ir::{get_function, Function, Type};
use llvm_sys::core::*;
use llvm_sys::prelude::*;

const TAPE_IR: &str = include_str!("tape.ll");

/// The helpers that hand out and take back the tape's heap blocks (the
/// rest are inlined pushes and pops). Forward mode over a gradient gives
/// each block a shadow block from the same helpers (forward/tape_blocks.rs).
const BLOCK_FNS: [&str; 2] = ["adc.tape.grow", "adc.tape.keep"];

/// Which block helper `f` is, by name: `adc.tape.keep`, or `adc.tape.keep.3`
/// where linking the helpers into a module that has them renamed one.
fn block_fn(f: Function) -> Option<&'static str> {
    if !f.is_internal() {
        return None;
    }
    let name = f.name();
    BLOCK_FNS.into_iter().find(|b| {
        name.strip_prefix(b).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .strip_prefix('.')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
        })
    })
}

/// Whether `f` is one of the tape's block helpers.
pub fn is_block_fn(f: Function) -> bool {
    block_fn(f).is_some()
}

/// Whether `f` is `adc.tape.grow` (the other block helper is `keep`).
pub fn is_grow(f: Function) -> bool {
    block_fn(f) == Some(BLOCK_FNS[0])
}

/// Bytes of the first tape chunk, on the stack of the gradient function.
pub const FIRST_CHUNK: u64 = 512;

/// The tape helpers, available in `m` after [`link`].
#[derive(Clone, Copy)]
pub struct TapeFns {
    pub init: Function,
    pub push: Function,
    pub pop: Function,
    pub free: Function,
    pub len: Function,
    /// `%adc.tape`
    pub ty: Type,
}

pub(crate) fn link(m: LLVMModuleRef, ctx: LLVMContextRef) -> Result<TapeFns> {
    if get_function(m, "adc.tape.push").is_none() {
        crate::ir::module_io::link_ir(m, TAPE_IR, "tape helpers")?;
    }
    // The helpers are external in tape.ll so that the linker brings them all
    // in; they become internal here so that two adc outputs can be linked.
    let f = |n: &str| {
        let f = get_function(m, n).ok_or_else(|| AdcError::Llvm(format!("missing {n}")))?;
        f.set_internal();
        Ok::<_, AdcError>(f)
    };
    f("adc.tape.grow")?;
    f("adc.tape.keep")?;
    f("adc.tape.make_key")?;
    let ty = unsafe { LLVMGetTypeByName2(ctx, c"adc.tape".as_ptr()) };
    if ty.is_null() {
        return Err(AdcError::Llvm("missing %adc.tape".into()));
    }
    Ok(TapeFns {
        init: f("adc.tape.init")?,
        push: f("adc.tape.push")?,
        pop: f("adc.tape.pop")?,
        free: f("adc.tape.free")?,
        len: f("adc.tape.len")?,
        ty: Type(ty),
    })
}
