//! Copying a function's instructions into a generated function: the map from
//! source values and blocks to their copies, shared by the forward (tangent)
//! and reverse (adjoint) builders, and the zeroed shadow of a stack object.

use super::{Block, Builder, Type, Value};
use indexmap::IndexMap;
use llvm_sys::core::{LLVMValueAsBasicBlock, LLVMValueIsBasicBlock};
use llvm_sys::LLVMOpcode;

/// Source value / block -> its copy in the function being built.
#[derive(Default)]
pub struct PrimalMap {
    pub values: IndexMap<Value, Value>,
    pub blocks: IndexMap<Block, Block>,
}

impl PrimalMap {
    /// The copy of a source operand; constants, globals and functions map to
    /// themselves, blocks (branch targets) to their copies.
    pub fn get(&self, v: Value) -> Value {
        if unsafe { LLVMValueIsBasicBlock(v.0) } != 0 {
            let bb = Block(unsafe { LLVMValueAsBasicBlock(v.0) });
            return self.blocks.get(&bb).map(|b| b.as_value()).unwrap_or(v);
        }
        self.values.get(&v).copied().unwrap_or(v)
    }

    /// Copy `inst` at the builder's position with its operands remapped.
    /// A dispatcher's fallback (code adc never saw) stops the program first;
    /// an `__enzyme_iter` count grows (see `iteration_count`).
    pub fn clone_at(&mut self, b: &Builder, inst: Value) -> Value {
        if inst.opcode() == Some(LLVMOpcode::LLVMCall) && super::devirtualize::is_fallback(inst) {
            super::devirtualize::trap_before(b, inst);
        }
        let c = inst.clone_detached();
        for i in 0..c.num_operands() {
            let o = c.operand(i);
            let m = self.get(o);
            if m != o {
                c.set_operand(i, m);
            }
        }
        if super::iteration_count::is_iter_call(inst) {
            super::iteration_count::bump(b, c);
        }
        b.insert(c);
        if !inst.name().is_empty() {
            c.set_name(&inst.name());
        }
        self.values.insert(inst, c);
        c
    }
}

/// A zero-filled twin of the stack object `primal_copy` (the copy of source
/// alloca `src`): where the derivatives of what is stored there live.
pub fn zeroed_shadow_alloca(b: &Builder, src: Value, primal_copy: Value) -> Value {
    let ctx = b.context();
    let s = primal_copy.clone_detached();
    b.insert(s);
    s.set_name(&format!("d_{}", src.name()));
    let elem = b.size_of(src.allocated_type());
    let count = b.cast(LLVMOpcode::LLVMZExt, primal_copy.operand(0), Type::i64(ctx));
    let bytes = b.mul(elem, count);
    b.memset(s, Type::i8(ctx).null(), bytes, 1);
    s
}

/// A zero-filled heap block standing in for the shadow of stack object
/// `src` (its copy `primal_copy`), for shadows that must outlive the frame
/// (analysis::captures): `calloc`, or `aligned_alloc` and a memset where
/// the object is aligned beyond what malloc guarantees. Freed with `free`.
pub fn zeroed_heap_shadow(
    b: &Builder,
    m: llvm_sys::prelude::LLVMModuleRef,
    src: Value,
    primal_copy: Value,
) -> Value {
    let ctx = b.context();
    let (i64t, ptr) = (Type::i64(ctx), Type::ptr(ctx));
    let elem = b.size_of(src.allocated_type());
    let count = b.cast(LLVMOpcode::LLVMZExt, primal_copy.operand(0), i64t);
    let align = src.alignment().max(1) as i64;
    let s = if align <= 16 {
        let calloc = super::get_or_declare(m, "calloc", Type::function(ptr, &[i64t, i64t]));
        b.call(calloc, &[count, elem])
    } else {
        // aligned_alloc wants a size that is a multiple of the alignment.
        let bytes = b.mul(elem, count);
        let a = i64t.const_int(align);
        let rounded = b.and(
            b.add(bytes, i64t.const_int(align - 1)),
            i64t.const_int(!(align - 1)),
        );
        let f = super::get_or_declare(m, "aligned_alloc", Type::function(ptr, &[i64t, i64t]));
        let s = b.call(f, &[a, rounded]);
        b.memset(s, Type::i8(ctx).null(), rounded, 1);
        s
    };
    s.set_name(&format!("d_{}", src.name()));
    s
}
