//! Reading metadata attached to instructions: the nodes, strings and
//! integers of a tag, and the access type clang's TBAA gives a load or
//! store (analysis/tbaa.rs reads struct layouts from the same nodes); and
//! writing the alias scopes adc's own accesses carry.

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

/// A list holding one alias scope, `scope` in domain `domain` (both named
/// by strings), for `!alias.scope` and `!noalias`.
pub fn alias_scope_list(ctx: LLVMContextRef, domain: &str, scope: &str) -> LLVMValueRef {
    unsafe {
        let string = |s: &str| LLVMMDStringInContext2(ctx, s.as_ptr() as *const _, s.len());
        let mut d = [string(domain)];
        let domain = LLVMMDNodeInContext2(ctx, d.as_mut_ptr(), 1);
        let mut sc = [string(scope), domain];
        let scope = LLVMMDNodeInContext2(ctx, sc.as_mut_ptr(), 2);
        let mut list = [scope];
        LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, list.as_mut_ptr(), 1))
    }
}

fn kind_id(v: Value, kind: &str) -> u32 {
    unsafe {
        let ctx = LLVMGetTypeContext(LLVMTypeOf(v.0));
        LLVMGetMDKindIDInContext(ctx, kind.as_ptr() as *const _, kind.len() as u32)
    }
}

/// Attach the scopes of `list` (an [`alias_scope_list`]) to instruction
/// `v` under `kind` ("alias.scope" or "noalias"), after those it has.
pub fn add_scopes(v: Value, kind: &str, list: LLVMValueRef) {
    unsafe {
        let ctx = LLVMGetTypeContext(LLVMTypeOf(v.0));
        let node = match metadata(v, kind) {
            None => list,
            Some(old) => {
                let mut ops: Vec<_> = operands(old)
                    .into_iter()
                    .chain(operands(list))
                    .map(|o| LLVMValueAsMetadata(o))
                    .collect();
                LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, ops.as_mut_ptr(), ops.len()))
            }
        };
        LLVMSetMetadata(v.0, kind_id(v, kind), node);
    }
}

/// Metadata kind that forward mode puts on the shadow objects it allocates
/// (a stack object's or an allocation's shadow): vector mode gives each
/// lane its own.
pub const LANE_OBJECT: &str = "adc.lane_object";

/// Metadata kind on the byte copies between a gradient's shadow tape
/// blocks that reverse mode over a gradient makes (reverse/tape_blocks.rs);
/// kept in adc's output.
pub const TAPE_MOVE: &str = "adc.tape.move";

/// Mark `inst` with an empty node of metadata kind `kind`.
pub fn mark(inst: super::Value, kind: &str) {
    if !inst.is_instruction() {
        return;
    }
    unsafe {
        let ctx = LLVMGetTypeContext(LLVMTypeOf(inst.0));
        let k = LLVMGetMDKindIDInContext(ctx, kind.as_ptr() as *const _, kind.len() as u32);
        let node = LLVMMDNodeInContext2(ctx, std::ptr::null_mut(), 0);
        LLVMSetMetadata(inst.0, k, LLVMMetadataAsValue(ctx, node));
    }
}

/// Remove the marks of kind `kind` from module `m`.
pub fn strip(m: llvm_sys::prelude::LLVMModuleRef, kind: &str) {
    unsafe {
        let ctx = LLVMGetModuleContext(m);
        let k = LLVMGetMDKindIDInContext(ctx, kind.as_ptr() as *const _, kind.len() as u32);
        for f in super::functions(m) {
            for b in f.blocks() {
                for i in b.instructions() {
                    if !LLVMGetMetadata(i.0, k).is_null() {
                        LLVMSetMetadata(i.0, k, std::ptr::null_mut());
                    }
                }
            }
        }
    }
}

/// Mark `inst` as a shadow object (see [`LANE_OBJECT`]).
pub fn mark_lane_object(inst: super::Value) {
    mark(inst, LANE_OBJECT)
}

/// Whether forward mode marked `inst` as a shadow object.
pub fn is_lane_object(inst: super::Value) -> bool {
    metadata(inst, LANE_OBJECT).is_some()
}

/// Remove the [`LANE_OBJECT`] marks from module `m` (they only guide vector
/// mode while adc runs). [`TAPE_MOVE`] stays: a later adc run on the output
/// reads it.
pub fn strip_lane_objects(m: llvm_sys::prelude::LLVMModuleRef) {
    strip(m, LANE_OBJECT);
}
