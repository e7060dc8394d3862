//! Emitting the work-array snapshots planned by
//! [`crate::analysis::snapshots`]: the forward sweep copies the array onto
//! the tape at the end of each iteration (before the latch's bundle); the
//! reverse sweep pops the copy right after that bundle and keeps where it
//! is in a stack slot, and every load it repeats in that iteration reads
//! the copy at the load's offset in the array. The tape is not written
//! during the reverse sweep, so the popped copy stays intact, and the
//! array itself is left as the forward run left it. The reads of the copy
//! and the writes of the reverse sweep carry alias scopes that say they do
//! not overlap: the copy's address comes from a stack slot, and without
//! them LLVM has to assume that every adjoint written to memory may change
//! it (and reload it, and keep stores it could drop) in the inner loops.

use super::*;

impl AdjointBuilder<'_> {
    /// The snapshot's size in bytes and its size on the tape (a multiple of
    /// 8, so that the bundles after it stay aligned).
    fn snapshot_bytes(&self, count: Value, scale: u64) -> (Value, Value) {
        let i64t = Type::i64(self.synth.ctx);
        let count = if count.ty().int_width() < 64 {
            self.b.cast(LLVMOpcode::LLVMZExt, count, i64t)
        } else {
            count
        };
        let bytes = self.b.mul(count, i64t.const_int(scale as i64));
        let padded = self
            .b
            .and(self.b.add(bytes, i64t.const_int(7)), i64t.const_int(!7));
        (bytes, padded)
    }

    /// A slot per snapshot for its copy's address on the tape.
    pub(super) fn snapshot_slots(&mut self) {
        for _ in self.snapshots.iter() {
            let s = self.ab.alloca(Type::ptr(self.synth.ctx));
            s.set_name("snapshot");
            self.snapshot_at.push(s);
        }
    }

    /// Forward sweep, end of `bb`: push the snapshots taken here.
    pub(super) fn push_snapshots(&mut self, bb: Block) {
        let shots: Vec<(Value, Value, u64)> = self
            .snapshots
            .at_latch(bb)
            .map(|(_, s)| (s.object, s.count, s.scale))
            .collect();
        for (object, count, scale) in shots {
            let (bytes, padded) = self.snapshot_bytes(self.primal(count), scale);
            let (t, fns) = self.tape.as_ref().expect("tape");
            let p = self.b.call(fns.push, &[*t, padded]);
            self.b.memcpy(p, self.primal(object), bytes, 1);
        }
    }

    /// Reverse sweep, start of `bb` (after its bundle is popped): pop the
    /// copies, last first, and keep their addresses.
    pub(super) fn pop_snapshots(
        &mut self,
        bb: Block,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<()> {
        let shots: Vec<(usize, Value, u64)> = self
            .snapshots
            .at_latch(bb)
            .map(|(i, s)| (i, s.count, s.scale))
            .collect();
        for (i, count, scale) in shots.into_iter().rev() {
            let count = self.rev_value(Need::Primal(count), local)?;
            let (_, padded) = self.snapshot_bytes(count, scale);
            let (t, fns) = self.tape_rev_fns();
            let p = self.b.call(fns.pop, &[t, padded]);
            self.b.store(p, self.snapshot_at[i]);
        }
        Ok(())
    }

    /// The address a repeated `load` reads in the reverse sweep: `addr`, its
    /// address in the array, moved into the copy of snapshot `i`. (The
    /// copy is only 4-byte aligned on the tape.)
    pub(super) fn in_snapshot(&self, i: usize, addr: Value, load: Value) -> Value {
        let ctx = self.synth.ctx;
        let object = self.primal(self.snapshots.get(i).object);
        let i64t = Type::i64(ctx);
        let to_int = |p: Value| self.b.cast(LLVMOpcode::LLVMPtrToInt, p, i64t);
        let offset = self.b.sub(to_int(addr), to_int(object));
        let copy = self.b.load(Type::ptr(ctx), self.snapshot_at[i]);
        load.set_alignment(load.alignment().min(4));
        crate::ir::metadata::add_scopes(load, "alias.scope", self.snapshot_scope());
        self.b.gep(Type::i8(ctx), copy, offset)
    }

    fn snapshot_scope(&self) -> llvm_sys::prelude::LLVMValueRef {
        crate::ir::metadata::alias_scope_list(self.synth.ctx, "adc.tape", "adc.tape.snapshots")
    }

    /// After the reverse sweep is built: every write in it (the blocks
    /// reachable from the reverse blocks) is outside the snapshots.
    pub(super) fn mark_reverse_writes(&self) {
        if self.snapshots.is_empty() {
            return;
        }
        let scope = self.snapshot_scope();
        let mut seen = indexmap::IndexSet::new();
        let mut work: Vec<Block> = self.rmap.values().copied().collect();
        while let Some(b) = work.pop() {
            if !seen.insert(b) {
                continue;
            }
            work.extend(b.successors());
            for inst in b.instructions() {
                let writes = match inst.opcode() {
                    Some(LLVMOpcode::LLVMStore) => true,
                    Some(LLVMOpcode::LLVMCall) => is_mem_intrinsic(inst),
                    _ => false,
                };
                if writes {
                    crate::ir::metadata::add_scopes(inst, "noalias", scope);
                }
            }
        }
    }
}
