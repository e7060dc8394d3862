//! Atomic read-modify-writes of floats that adc differentiates:
//! `atomicrmw fadd`, `fsub` and `xchg` of a float (what C11's
//! `atomic_fetch_add` / `__atomic_fetch_add` and `atomic_exchange` on a
//! double become). A compare-exchange loop on a float's bits (`_Atomic
//! double a; a += v`) and the other operations (fmax, fmin) are not.

use super::{Builder, Value};
use llvm_sys::core::{LLVMBuildAtomicRMW, LLVMGetAtomicRMWBinOp, LLVMGetOrdering};
use llvm_sys::LLVMAtomicRMWBinOp::{self, *};
use llvm_sys::LLVMOpcode;

/// What a differentiable atomicrmw does to the memory `m` it updates with `v`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FloatRmw {
    /// m += v
    Add,
    /// m -= v
    Sub,
    /// m = v
    Exchange,
}

impl FloatRmw {
    /// The operation of `inst`, if it is a differentiable atomicrmw.
    pub fn of(inst: Value) -> Option<FloatRmw> {
        if inst.opcode() != Some(LLVMOpcode::LLVMAtomicRMW) || !inst.ty().is_float() {
            return None;
        }
        match unsafe { LLVMGetAtomicRMWBinOp(inst.0) } {
            LLVMAtomicRMWBinOpFAdd => Some(FloatRmw::Add),
            LLVMAtomicRMWBinOpFSub => Some(FloatRmw::Sub),
            LLVMAtomicRMWBinOpXchg => Some(FloatRmw::Exchange),
            _ => None,
        }
    }

    fn bin_op(self) -> LLVMAtomicRMWBinOp {
        match self {
            FloatRmw::Add => LLVMAtomicRMWBinOpFAdd,
            FloatRmw::Sub => LLVMAtomicRMWBinOpFSub,
            FloatRmw::Exchange => LLVMAtomicRMWBinOpXchg,
        }
    }
}

impl Builder {
    /// `atomicrmw op ptr, v` with the ordering of `like` (an atomicrmw).
    pub fn atomic_rmw(&self, op: FloatRmw, ptr: Value, v: Value, like: Value) -> Value {
        let ordering = unsafe { LLVMGetOrdering(like.0) };
        let r =
            Value(unsafe { LLVMBuildAtomicRMW(self.raw(), op.bin_op(), ptr.0, v.0, ordering, 0) });
        r.set_alignment(like.alignment());
        r
    }
}
