//! Reverse mode over adc's own gradients (reverse over reverse, and
//! Enzyme's `__enzyme_autodiff` of a function that calls it). A gradient's
//! tape lives in a chunk on its stack and then in heap blocks that
//! `adc.tape.grow` hands out and `adc.tape.keep` takes back (tape.ll): code
//! that caches a block per thread through pthread calls, which adc does not
//! differentiate. Here the tape's shadow is a second tape of the same
//! layout, its blocks adc's own:
//!
//! - `grow(base, len, ...)` moves the first `len` bytes of `base` into a new
//!   block. Its shadow is a zeroed block of the new block's capacity holding
//!   the old shadow's first `len` bytes (shadow pointers the tape holds).
//!   Its reverse moves those bytes back, adjoints included, as a
//!   reallocation's does, and frees the shadow block: nothing the reverse
//!   sweep still has to do touches it.
//! - `keep(base, cap)` (the primal block goes back to the thread's cache)
//!   leaves the shadow alone: the reverse sweep accumulates into it later.
//!
//! The pushes and pops are plain stores and loads at offsets both tapes
//! share, differentiated like any other. The copies between shadow blocks
//! move bytes of every type the tape holds, with no element type; they are
//! marked (`TAPE_MOVE`), and a derivative of such a gradient treats them as
//! the moves they are: each one's source is not read again before it is
//! overwritten (a shadow block's first bytes after they moved out, a
//! shadow block about to be freed), so its reverse copies the adjoints
//! back as a reallocation's does, and so on for any order.

use super::*;
use crate::ir::get_or_declare;

/// Whether `inst` is one of the marked byte moves between shadow blocks.
pub(super) fn is_tape_move(inst: Value) -> bool {
    crate::ir::metadata::metadata(inst, crate::ir::metadata::TAPE_MOVE).is_some()
}

impl AdjointBuilder<'_> {
    /// Whether `inst` is a call of `adc.tape.grow` whose block has a shadow.
    pub(super) fn is_shadowed_tape_grow(&self, inst: Value) -> bool {
        inst.opcode() == Some(LLVMOpcode::LLVMCall)
            && inst.called_function().is_some_and(tape::is_grow)
            && self.activity.is_varied(inst.operand(0))
    }

    /// Forward sweep of `grow` (copied as `c`): the shadow block.
    pub(super) fn forward_tape_grow(&mut self, inst: Value, c: Value) -> Result<()> {
        let ctx = self.synth.ctx;
        let (i64t, ptr) = (Type::i64(ctx), Type::ptr(ctx));
        let base = inst.operand(0);
        let old = self.pointer_shadow(base, inst, None)?;
        let cap = self.b.extract_value(c, 1);
        let calloc = get_or_declare(
            self.synth.module,
            "calloc",
            Type::function(ptr, &[i64t, i64t]),
        );
        let new = self.b.call(calloc, &[cap, i64t.const_int(1)]);
        let m = self.b.memcpy(new, old, self.primal(inst.operand(1)), 1);
        crate::ir::metadata::mark(m, crate::ir::metadata::TAPE_MOVE);
        let pair = self.b.insert_value(c.ty().poison(), new, 0);
        let pair = self.b.insert_value(pair, cap, 1);
        self.smap.insert(inst, pair);
        Ok(())
    }

    /// Reverse of `grow`: the kept bytes back into the old shadow, and the
    /// shadow block freed.
    pub(super) fn reverse_tape_grow(
        &mut self,
        inst: Value,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<()> {
        let pair = self.rev_value(Need::Shadow(inst), local)?;
        let new = self.b.extract_value(pair, 0);
        let old = self.rev_value(Need::Shadow(inst.operand(0)), local)?;
        let len = self.rev_value(Need::Primal(inst.operand(1)), local)?;
        let m = self.b.memcpy(old, new, len, 1);
        crate::ir::metadata::mark(m, crate::ir::metadata::TAPE_MOVE);
        let ctx = self.synth.ctx;
        let free = get_or_declare(
            self.synth.module,
            "free",
            Type::function(Type::void(ctx), &[Type::ptr(ctx)]),
        );
        self.b.call(free, &[new]);
        Ok(())
    }
}
