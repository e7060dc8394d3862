//! Forward mode over adc's own gradients (forward over reverse, the
//! notes' Hessian-vector products). A gradient keeps its tape in a chunk on
//! its stack and then in heap blocks that `adc.tape.grow` hands out and
//! `adc.tape.keep` takes back (reverse/tape.ll): runtime code that moves
//! bytes and caches one block per thread, through pthread calls adc has no
//! rule for. The tangent of a tape is a second tape of the same shape: the
//! stack chunk gets a shadow like any stack object, and each heap block a
//! shadow block of its own, from and back to the same helpers. The pushes
//! and pops are plain stores and loads at offsets both tapes share.

use super::TangentBuilder;
use crate::error::Result;
use crate::ir::{Function, Value};

impl TangentBuilder<'_> {
    /// `adc.tape.grow(base, len, cap, first, need)` (a block and its
    /// capacity) or `adc.tape.keep(base, cap)`: the primal call, then the
    /// same call with the shadow blocks, whose result is the tangent.
    pub(super) fn tape_block_call(&mut self, inst: Value, f: Function) -> Result<()> {
        let c = self.clone_primal(inst);
        let args = inst.call_args();
        let Some(shadow_base) = self.tangent(args[0]) else {
            return Ok(()); // a tape of integers only: no shadow tape
        };
        let grows = crate::reverse::tape::is_grow(f);
        let mut shadow_args: Vec<Value> = args
            .iter()
            .enumerate()
            .map(|(i, a)| match (i, self.tangent(*a)) {
                (0, _) => shadow_base,
                (_, Some(t)) if a.ty().is_pointer() => t,
                _ => self.primal(*a),
            })
            .collect();
        if grows {
            // The primal may get the thread's cached block, larger than it
            // asked for, and push up to that block's capacity: the shadow
            // block asks for at least as much. (Its own capacity is then
            // never below the primal's, the one adc.tape.keep is told.)
            shadow_args[4] = self.b.extract_value(c, 1);
        }
        let t = self.b.call(f, &shadow_args);
        if !c.ty().is_void() {
            self.tmap.insert(inst, t);
        }
        Ok(())
    }
}
