//! Forward mode through memory: shadow pointers and shadow stack objects.
//!
//! A duplicated pointer's tangent is a shadow pointer to memory that holds
//! the tangents of the floats stored at the primal address. GEPs and casts are
//! mirrored on the shadow, loads of floats read the shadow, stores write the
//! tangent of the stored value, and a stack object that receives varied values
//! gets a zeroed shadow object of the same type. An atomic `m += v` on a
//! float is the same atomic update of the shadow with the tangent of `v`.

use super::TangentBuilder;
use crate::error::{AdcError, Result};
use crate::ir::atomics::FloatRmw;
use crate::ir::clone::zeroed_shadow_alloca;
use crate::ir::{Type, Value};
use llvm_sys::LLVMOpcode;

impl TangentBuilder<'_> {
    pub(super) fn visit_memory(&mut self, inst: Value) -> Result<()> {
        use LLVMOpcode::*;
        let c = self.clone_primal(inst);
        match inst.opcode().expect("instruction") {
            LLVMAlloca => {
                if self.activity.is_varied(inst) {
                    let shadow = zeroed_shadow_alloca(&self.b, inst, c);
                    crate::ir::metadata::mark_lane_object(shadow);
                    self.tmap.insert(inst, shadow);
                }
            }
            LLVMGetElementPtr => {
                if let Some(base) = self.tangent(inst.operand(0)) {
                    let t = c.clone_detached();
                    t.set_operand(0, base);
                    self.b.insert(t);
                    self.tmap.insert(inst, t);
                }
            }
            LLVMBitCast | LLVMAddrSpaceCast => {
                if crate::ir::float_webs::float_from_integer_load(inst, |p| {
                    self.tangent(p).is_some()
                }) {
                    return Err(AdcError::unsupported(
                        inst,
                        crate::ir::float_webs::FLOAT_BITS,
                    ));
                }
                if let Some(t0) = self.tangent(inst.operand(0)) {
                    let (from, to) = (inst.operand(0).ty(), inst.ty());
                    let linear = (from.is_pointer() && to.is_pointer())
                        || (from.is_float() && to.is_float());
                    // A float's bits read as an integer carry no tangent;
                    // analysis/float_bits refused the function if they come
                    // back as data.
                    if !linear && from.is_float() && to.scalar().is_integer() {
                        return Ok(());
                    }
                    if !linear {
                        return Err(AdcError::unsupported(
                            inst,
                            "a cast that reinterprets an active value's bits (float <-> integer) loses its derivative",
                        ));
                    }
                    let t = c.clone_detached();
                    t.set_operand(0, t0);
                    self.b.insert(t);
                    self.tmap.insert(inst, t);
                }
            }
            LLVMLoad => {
                let ptr = inst.operand(0);
                if self.tangent(ptr).is_some() {
                    let types = self
                        .types
                        .get_or_init(|| crate::analysis::types::TypeAnalysis::compute(self.src));
                    if let Some(why) = crate::ir::float_webs::untyped_move(inst, types) {
                        return Err(AdcError::unsupported(inst, why));
                    }
                }
                if let Some(sp) = self.tangent(ptr) {
                    if self.activity.is_varied(inst) {
                        let t = self.b.load(inst.ty(), sp);
                        Self::copy_alignment(inst, t);
                        self.tmap.insert(inst, t);
                    }
                }
            }
            LLVMStore => {
                let (val, ptr) = (inst.operand(0), inst.operand(1));
                let vt = val.ty();
                match self.tangent(ptr) {
                    Some(sp) => {
                        let t = if vt.contains_float() {
                            Some(self.tangent_or_zero(val))
                        } else if vt.is_pointer() {
                            self.tangent(val)
                        } else {
                            None
                        };
                        if let Some(t) = t {
                            let s = self.b.store(t, sp);
                            Self::copy_alignment(inst, s);
                        }
                    }
                    None if self.tangent(val).is_some()
                        && vt.contains_float()
                        && !self.is_stack_object_varied(ptr)
                        && !crate::rules::custom::into_inactive_global(ptr) =>
                    {
                        return Err(AdcError::lost_store(inst));
                    }
                    None => {}
                }
            }
            LLVMAtomicRMW => {
                // analysis/unsupported refused the atomics adc cannot
                // differentiate, and updates of memory without a shadow.
                let (ptr, val) = (inst.operand(0), inst.operand(1));
                if let (Some(op), Some(sp)) = (FloatRmw::of(inst), self.tangent(ptr)) {
                    let dv = self.tangent_or_zero(val);
                    let t = self.b.atomic_rmw(op, sp, dv, inst);
                    if self.activity.is_varied(inst) {
                        self.tmap.insert(inst, t);
                    }
                }
            }
            _ => unreachable!("visit_memory called on a non-memory instruction"),
        }
        Ok(())
    }

    /// memcpy/memmove/memset: the same operation on the shadows.
    pub(super) fn visit_mem_intrinsic(&mut self, inst: Value, name: &str) -> Result<()> {
        let c = self.clone_primal(inst);
        let dst = inst.operand(0);
        let Some(sdst) = self.tangent(dst) else {
            if !name.starts_with("llvm.memset") && self.tangent(inst.operand(1)).is_some() {
                return Err(AdcError::unsupported(
                    inst,
                    "copies active memory into memory that has no shadow; mark the destination `dup`",
                ));
            }
            return Ok(());
        };
        let ctx = self.synth.ctx;
        if name.starts_with("llvm.memset") {
            let t = c.clone_detached();
            t.set_operand(0, sdst);
            t.set_operand(1, Type::i8(ctx).null());
            self.b.insert(t);
        } else if let Some(ssrc) = self.tangent(inst.operand(1)) {
            let t = c.clone_detached();
            t.set_operand(0, sdst);
            t.set_operand(1, ssrc);
            self.b.insert(t);
        } else {
            // Copying constant data: its tangent is zero.
            self.b
                .memset(sdst, Type::i8(ctx).null(), self.primal(inst.operand(2)), 1);
        }
        Ok(())
    }
}
