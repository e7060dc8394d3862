//! The tape's runtime helpers (`tape.ll`), linked into a module on first use.
//! Keeping them as IR in the output module means an `.o` from adc needs no
//! runtime library; O2 inlines the push/pop fast paths.

use crate::error::{AdcError, Result};
use crate::ir::{get_function, Function, Type};
use llvm_sys::core::*;
use llvm_sys::prelude::*;

const TAPE_IR: &str = include_str!("tape.ll");

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
