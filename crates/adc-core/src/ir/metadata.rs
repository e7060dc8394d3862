//! Reading metadata attached to instructions: the nodes, strings and
//! integers of a tag, and the access type clang's TBAA gives a load or
//! store (analysis/tbaa.rs reads struct layouts from the same nodes).

#![allow(clippy::not_unsafe_ptr_arg_deref)] // (LLVM handles)

use super::{Type, Value};
use llvm_sys::core::*;
use llvm_sys::prelude::{LLVMContextRef, LLVMValueRef};

/// The operands of metadata node `node`.
pub fn operands(node: LLVMValueRef) -> Vec<LLVMValueRef> {
    unsafe {
        let n = LLVMGetMDNodeNumOperands(node);
        let mut ops = vec![std::ptr::null_mut(); n as usize];
        LLVMGetMDNodeOperands(node, ops.as_mut_ptr());
        ops
    }
}

/// The text of a metadata string.
pub fn md_string(v: LLVMValueRef) -> Option<String> {
    if v.is_null() {
        return None;
    }
    let mut len = 0u32;
    let p = unsafe { LLVMGetMDString(v, &mut len) };
    (!p.is_null()).then(|| unsafe {
        String::from_utf8_lossy(std::slice::from_raw_parts(p as *const u8, len as usize))
            .into_owned()
    })
}

/// The metadata of kind `kind` ("tbaa", "tbaa.struct") attached to `v`.
pub fn metadata(v: Value, kind: &str) -> Option<LLVMValueRef> {
    unsafe {
        let ctx = LLVMGetTypeContext(LLVMTypeOf(v.0));
        let k = LLVMGetMDKindIDInContext(ctx, kind.as_ptr() as *const _, kind.len() as u32);
        let md = LLVMGetMetadata(v.0, k);
        (!md.is_null()).then_some(md)
    }
}

/// The value of an integer constant operand.
pub fn int_operand(v: LLVMValueRef) -> Option<u64> {
    unsafe {
        (!v.is_null() && !LLVMIsAConstantInt(v).is_null()).then(|| LLVMConstIntGetZExtValue(v))
    }
}

/// The float types by their TBAA names (x86-64: long double is x86_fp80).
pub fn float_named(name: &str, ctx: LLVMContextRef) -> Option<Type> {
    unsafe {
        match name {
            "double" => Some(Type(LLVMDoubleTypeInContext(ctx))),
            "float" => Some(Type(LLVMFloatTypeInContext(ctx))),
            "long double" => Some(Type(LLVMX86FP80TypeInContext(ctx))),
            "__float128" => Some(Type(LLVMFP128TypeInContext(ctx))),
            "_Float16" => Some(Type(LLVMHalfTypeInContext(ctx))),
            "__bf16" => Some(Type(LLVMBFloatTypeInContext(ctx))),
            _ => None,
        }
    }
}

/// The name of the access type of `inst`'s `!tbaa` tag ("double", "int",
/// "p1 _ZTS8Particle", ...).
pub fn tbaa_access_name(inst: Value) -> Option<String> {
    let tag = metadata(inst, "tbaa")?;
    // tag = {base type, access type, offset}; access type = {!"name", ...}
    let access = operands(tag).get(1).copied()?;
    md_string(operands(access).first().copied()?)
}
