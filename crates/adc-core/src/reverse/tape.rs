//! The tape's runtime helpers (`tape.ll`), linked into a module on first use.
//! Keeping them as IR in the output module means an `.o` from adc needs no
//! runtime library; O2 inlines the push/pop fast paths.

use crate::error::{AdcError, Result};
use crate::ir::{get_function, Function, Type};
use llvm_sys::core::*;
use llvm_sys::ir_reader::LLVMParseIRInContext2;
use llvm_sys::linker::LLVMLinkModules2;
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
        unsafe {
            let buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(
                TAPE_IR.as_ptr() as *const _,
                TAPE_IR.len(),
                c"adc-tape".as_ptr(),
            );
            let mut helper: LLVMModuleRef = std::ptr::null_mut();
            let mut msg = std::ptr::null_mut();
            let failed = LLVMParseIRInContext2(ctx, buf, &mut helper, &mut msg) != 0;
            // Unlike the old entry point, this one leaves the buffer to us.
            LLVMDisposeMemoryBuffer(buf);
            if failed {
                let s = std::ffi::CStr::from_ptr(msg).to_string_lossy().into_owned();
                LLVMDisposeMessage(msg);
                return Err(AdcError::Llvm(format!("tape helpers: {s}")));
            }
            // Match the user's module so that linking does not warn.
            LLVMSetDataLayout(helper, LLVMGetDataLayoutStr(m));
            LLVMSetTarget(helper, LLVMGetTarget(m));
            if LLVMLinkModules2(m, helper) != 0 {
                return Err(AdcError::Llvm("cannot link the tape helpers".into()));
            }
        }
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
