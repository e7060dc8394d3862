//! The reverse of an atomic update of a float ([`crate::ir::atomics`]).
//! For `old = atomicrmw fadd p, v` (memory m becomes m' = m + v), v gains
//! the adjoint of m' (minus it for fsub, all of it for xchg), and the
//! memory's adjoint before the update is m''s (none for xchg, which
//! overwrote m) plus old's. One atomic update of the shadow reads the one
//! and leaves the other, as the primal updated m: threads that update one
//! variable together also share its adjoint.

use super::{AdjointBuilder, Need};
use crate::error::Result;
use crate::ir::atomics::FloatRmw;
use crate::ir::Value;
use indexmap::IndexMap;

impl AdjointBuilder<'_> {
    pub(super) fn reverse_atomic_rmw(
        &mut self,
        inst: Value,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<()> {
        let op = FloatRmw::of(inst).expect("planned atomics are differentiable");
        let (ptr, val) = (inst.operand(0), inst.operand(1));
        let sp = self.rev_value(Need::Shadow(ptr), local)?;
        let d_old = self.take_adjoint(inst);
        let keep = match op {
            FloatRmw::Add | FloatRmw::Sub => FloatRmw::Add,
            FloatRmw::Exchange => FloatRmw::Exchange,
        };
        let d_new = self.b.atomic_rmw(keep, sp, d_old, inst);
        let d_val = match op {
            FloatRmw::Sub => self.b.fneg(d_new),
            FloatRmw::Add | FloatRmw::Exchange => d_new,
        };
        self.accumulate(val, d_val);
        Ok(())
    }
}
