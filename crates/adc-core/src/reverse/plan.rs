//! Planning the reverse sweep: what each reverse block needs from the
//! forward run ([`Need`]) and where it is kept ([`Keep`]): used directly,
//! recomputed, in a stack slot, or on the tape; then the loop-level
//! refinements that keep loops from taping per iteration what they can
//! recover otherwise (values invariant in a loop, induction variables, the
//! first iteration, branch conditions).

use super::*;

/// An induction variable's value after its loop: the exit test's bound, a
/// constant to add, and (this IV's start, the tested IV's start) when the
/// test compares another IV.
pub(super) type ExitValue = (Value, i64, Option<(Value, Value)>);

/// Which predecessor of a merge block ran last, from branch conditions.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum PredRule {
    /// The predecessor with this index.
    Pred(usize),
    /// A condition (recomputed in the reverse sweep) and the rules when it
    /// is true and false.
    Branch(Value, Box<PredRule>, Box<PredRule>),
}

impl PredRule {
    /// The conditions the rule reads.
    pub(super) fn conditions(&self, out: &mut Vec<Value>) {
        if let PredRule::Branch(c, t, f) = self {
            out.push(*c);
            t.conditions(out);
            f.conditions(out);
        }
    }
}

impl AdjointBuilder<'_> {
    /// Whether `inst` takes part in the adjoint sweep.
    pub(super) fn is_reversed(&self, inst: Value) -> bool {
        use LLVMOpcode::*;
        match inst.opcode() {
            Some(LLVMStore) => {
                let (val, ptr) = (inst.operand(0), inst.operand(1));
                self.activity.is_varied(ptr)
                    && (val.ty().contains_float()
                        || (val.ty().holds_pointers_only()
                            && self.activity.is_varied(val)
                            && crate::analysis::activity::local_objects(ptr).is_none()))
            }
            Some(LLVMAtomicRMW) => {
                crate::ir::atomics::FloatRmw::of(inst).is_some()
                    && self.activity.is_varied(inst.operand(0))
            }
            Some(LLVMPHI) | Some(LLVMRet) => false,
            // A region's barriers and critical sections, mirrored.
            Some(LLVMCall) if crate::ir::openmp::mirror(inst).is_some() => self.parallel,
            // A stack object with a heap shadow: its reverse frees it.
            Some(LLVMAlloca) => self.heap_shadowed(inst),
            // A gradient's tape blocks (see tape_blocks.rs).
            Some(LLVMCall) if self.is_shadowed_tape_grow(inst) => true,
            Some(LLVMCall) if inst.called_function().is_some_and(tape::is_block_fn) => false,
            // A heap allocation with a shadow: its reverse frees the shadow.
            Some(LLVMCall) if HeapFn::of(inst).is_some_and(HeapFn::allocates) => {
                self.activity.is_varied(inst)
            }
            Some(LLVMCall) if HeapFn::of(inst).is_some() => false,
            Some(LLVMCall) if crate::analysis::activity::is_inert_call(inst) => false,
            // A callee adc cannot see (a function pointer, inline assembly)
            // given anything with a derivative: needs_of refuses it.
            Some(LLVMCall)
                if inst.called_function().is_none()
                    && inst.call_args().iter().any(|a| self.activity.is_varied(*a)) =>
            {
                true
            }
            Some(LLVMCall)
                if inst
                    .called_function()
                    .is_some_and(|f| f.name().starts_with("llvm.mem"))
                    && inst.call_args().iter().any(|a| self.activity.is_varied(*a)) =>
            {
                true
            }
            // A function adc cannot see, given memory with a shadow: it may
            // write there (needs_of says it cannot be differentiated).
            Some(LLVMCall)
                if inst.called_function().is_some_and(|f| {
                    f.is_declaration() && !f.is_intrinsic() && lookup_callee(f).is_none()
                }) && !is_runtime_call(inst)
                    && !is_custom_call(inst)
                    && inst
                        .call_args()
                        .iter()
                        .any(|a| a.ty().is_pointer() && self.activity.is_varied(*a)) =>
            {
                true
            }
            Some(LLVMCall) => {
                self.activity.is_active(inst)
                    || (self.is_module_call(inst) && self.activity.touches_varied_globals(inst))
                    || ((self.is_module_call(inst)
                        || is_runtime_call(inst)
                        || is_custom_call(inst))
                        && inst
                            .call_args()
                            .iter()
                            .any(|a| a.ty().is_pointer() && self.activity.is_varied(*a)))
            }
            _ => inst.ty().contains_float() && self.activity.is_active(inst),
        }
    }

    pub(super) fn is_module_call(&self, inst: Value) -> bool {
        inst.called_function().is_some_and(|f| {
            !f.is_declaration()
                && !tape::is_block_fn(f)
                && lookup_callee(f).is_none()
                && crate::rules::custom::reverse_rule(f).is_none()
                && !crate::checkpoint::driver::is_loop(f)
                && HeapFn::of(inst).is_none()
        })
    }

    pub(super) fn rule_of(inst: Value) -> Option<&'static Rule> {
        match inst.opcode() {
            Some(LLVMOpcode::LLVMCall) => inst.called_function().and_then(lookup_callee),
            Some(op) => lookup_opcode(op),
            None => None,
        }
    }

    /// The operands a rule reads (for calls, the call arguments).
    pub(super) fn rule_operands(inst: Value) -> Vec<Value> {
        if inst.opcode() == Some(LLVMOpcode::LLVMCall) {
            inst.call_args()
        } else {
            inst.operands().collect()
        }
    }

    fn needs_of(&self, inst: Value) -> Result<Vec<Need>> {
        use LLVMOpcode::*;
        let mut out = Vec::new();
        match inst.opcode().expect("instruction") {
            LLVMLoad | LLVMAtomicRMW => out.push(Need::Shadow(inst.operand(0))),
            LLVMAlloca => out.push(Need::Shadow(inst)),
            LLVMCall if is_extremum(inst) => {
                out.push(Need::Primal(inst.operand(0)));
                out.push(Need::Primal(inst));
            }
            LLVMCall if is_mem_intrinsic(inst) => {
                let (dst, len) = (inst.operand(0), inst.operand(2));
                out.push(Need::Shadow(dst));
                out.push(Need::Primal(len));
                let name = inst.called_function().map(|f| f.name()).unwrap_or_default();
                if tape_blocks::is_tape_move(inst) {
                    out.push(Need::Shadow(inst.operand(1)));
                } else if !name.starts_with("llvm.memset") && self.activity.is_varied(inst.operand(1))
                {
                    let src = inst.operand(1);
                    if let Some(h) = &self.synth.type_hint {
                        let found = self.copy_type_found(inst, dst, src);
                        if let Some(e) = h.contradiction(inst, &found, "this copy") {
                            return Err(AdcError::unsupported(inst, e));
                        }
                    }
                    if let MemoryType::Unknown(why) = self.copy_type(inst, dst, src) {
                        return Err(AdcError::unsupported(
                            inst,
                            format!(
                                "cannot tell what this copy moves: {why}; if it moves floats, say which with \
                                 --type-hint double@FILE:LINE (or float; the place this message names)"
                            ),
                        ));
                    }
                    out.push(Need::Shadow(src));
                }
            }
            LLVMCall if self.is_shadowed_tape_grow(inst) => {
                out.extend([
                    Need::Shadow(inst),
                    Need::Shadow(inst.operand(0)),
                    Need::Primal(inst.operand(1)),
                ]);
            }
            LLVMCall if HeapFn::of(inst).is_some() => {
                // The reverse frees the shadow (Rust's deallocator wants the
                // layout); a realloc's also moves the kept adjoints back.
                let kind = HeapFn::of(inst).expect("heap call");
                out.push(Need::Shadow(inst));
                if matches!(kind, HeapFn::RustAlloc | HeapFn::RustRealloc | HeapFn::Realloc) {
                    out.extend(inst.call_args().into_iter().map(Need::Primal));
                }
                if kind.reallocates() && self.activity.is_varied(inst.operand(0)) {
                    out.push(Need::Shadow(inst.operand(0)));
                }
            }
            LLVMStore => {
                out.push(Need::Shadow(inst.operand(1)));
                if inst.operand(0).ty().holds_pointers_only() {
                    out.push(Need::OldShadow(inst));
                }
            }
            LLVMCall if is_custom_call(inst) => {
                if custom_tape_type(inst).is_some() {
                    out.push(Need::CallTape(inst));
                }
                for a in inst.call_args() {
                    out.push(Need::Primal(a));
                    if a.ty().is_pointer() && self.activity.is_varied(a) {
                        out.push(Need::Shadow(a));
                    }
                }
            }
            LLVMCall if is_runtime_call(inst) => {
                out.push(Need::CallTape(inst));
                for a in inst.call_args() {
                    out.push(Need::Primal(a));
                    if a.ty().is_pointer() && self.activity.is_varied(a) {
                        out.push(Need::Shadow(a));
                    }
                }
            }
            LLVMCall if crate::ir::openmp::mirror(inst).is_some() => {}
            LLVMCall if self.is_module_call(inst) => {
                if crate::ir::openmp::fork_loc(inst).is_some() {
                    out.push(Need::CallTape(inst)); // the team's tapes
                }
                for a in inst.call_args() {
                    out.push(Need::Primal(a));
                    if a.ty().is_pointer() && self.activity.is_varied(a) {
                        out.push(Need::Shadow(a));
                    }
                }
            }
            op => match Self::rule_of(inst) {
                Some(Rule::Partials { partials, .. }) => {
                    let ops = Self::rule_operands(inst);
                    for (i, p) in partials.iter().enumerate() {
                        let Some(p) = p else { continue };
                        if p.is_zero() || !ops.get(i).is_some_and(|o| self.has_adjoint(*o)) {
                            continue;
                        }
                        if let Some((s, _)) = crate::rules::siblings::sibling(inst, p, false) {
                            out.push(Need::Primal(s));
                            continue;
                        }
                        let mut used = Vec::new();
                        p.args_used(&mut used);
                        out.extend(used.into_iter().map(|j| Need::Primal(ops[j])));
                        if p.uses_result() {
                            out.push(Need::Primal(inst));
                        }
                    }
                }
                Some(Rule::Linear { .. }) => match op {
                    LLVMSelect => out.push(Need::Primal(inst.operand(0))),
                    LLVMExtractElement => out.push(Need::Primal(inst.operand(1))),
                    LLVMInsertElement => out.push(Need::Primal(inst.operand(2))),
                    _ => {}
                },
                None => {
                    return Err(AdcError::unsupported(
                        inst,
                        match inst.called_function() {
                            Some(f) if f.is_declaration() => crate::rules::custom::missing_rule(f, false),
                            Some(f) if f.name().starts_with("llvm.mem") => {
                                "reverse mode through memcpy/memmove/memset of active memory is not supported yet"
                                    .to_string()
                            }
                            Some(f) => format!("no derivative rule for `{}`", f.name()),
                            None if op == LLVMCall && crate::ir::inline_asm::is_asm_call(inst) => {
                                "inline assembly with active arguments: adc cannot see what it computes"
                                    .into()
                            }
                            None if op == LLVMCall => {
                                "indirect call with active arguments: adc needs to see the callee".into()
                            }
                            None => format!("no derivative rule for the `{}` instruction", crate::ir::opcode_name(op)),
                        },
                    ))
                }
            },
        }
        // Arguments, constants and entry-block values are used directly.
        Ok(out
            .into_iter()
            .filter(|n| match n {
                Need::Primal(v) | Need::Shadow(v) => !self.is_direct(*v),
                Need::PredIndex(_)
                | Need::LoopEntry(_)
                | Need::CallTape(_)
                | Need::OldShadow(_) => true,
            })
            .collect())
    }

    pub(super) fn plan(&mut self) -> Result<()> {
        self.check_float_bits()?;
        self.trivial = !self
            .cfg
            .reverse_post_order()
            .iter()
            .any(|bb| bb.instructions().into_iter().any(|i| self.is_reversed(i)));
        if self.trivial {
            for &bb in self.cfg.reverse_post_order() {
                self.needs.insert(bb, Vec::new());
            }
            return Ok(());
        }
        let memory = MemoryWrites::compute(self.src, &self.cfg);
        if self.aug.is_none() {
            self.finals = memory.finals.clone();
            self.plan_snapshots(&memory)?;
        }
        for bb in self.cfg.reverse_post_order().to_vec() {
            let mut list: Vec<Need> = Vec::new();
            let mut seen = IndexSet::new();
            for inst in bb.instructions() {
                if matches!(
                    inst.opcode(),
                    Some(LLVMOpcode::LLVMInvoke) | Some(LLVMOpcode::LLVMCallBr)
                ) && inst.operands().any(|o| self.activity.is_varied(o))
                {
                    return Err(AdcError::unsupported(
                        inst,
                        "exception handling (invoke) with active values is not supported",
                    ));
                }
                if self.is_reversed(inst) {
                    if self.parallel {
                        self.refuse_in_region(inst)?;
                    }
                    for n in self.needs_of(inst)? {
                        if seen.insert(n) {
                            list.push(n);
                        }
                    }
                }
            }
            if distinct_preds(&self.cfg, bb).len() > 1 {
                match self.pred_by_condition(bb) {
                    Some(rule) => {
                        let mut conds = Vec::new();
                        rule.conditions(&mut conds);
                        self.pred_by_cond.insert(bb, rule);
                        for c in conds {
                            let n = Need::Primal(c);
                            if !self.is_direct(c) && seen.insert(n) {
                                list.push(n);
                            }
                        }
                    }
                    None => {
                        list.push(Need::PredIndex(bb));
                        seen.insert(Need::PredIndex(bb));
                    }
                }
            }
            // Classify; recomputed values bring their operands along.
            let mut i = 0;
            while i < list.len() {
                let n = list[i];
                i += 1;
                if self.keep.contains_key(&n) && self.keep[&n] != Keep::Recompute {
                    continue;
                }
                if let Some(ops) = self.recompute_operands(n, &memory) {
                    self.keep.insert(n, Keep::Recompute);
                    for o in ops {
                        if seen.insert(o) {
                            list.push(o);
                        }
                    }
                    continue;
                }
                let def_block = match n {
                    Need::Primal(v) | Need::Shadow(v) => v.parent_block(),
                    Need::PredIndex(b) | Need::LoopEntry(b) => b,
                    Need::CallTape(c) | Need::OldShadow(c) => c.parent_block(),
                };
                // Split mode has no frame shared by the sweeps: all on the tape.
                let k = if self.loops.in_loop(def_block) || self.aug.is_some() {
                    Keep::Tape
                } else {
                    Keep::Slot
                };
                self.keep.insert(n, k);
            }
            self.needs.insert(bb, list);
        }
        self.plan_hoisting();
        self.plan_loop_entries();
        self.plan_induction_variables();
        self.plan_counted_loops();
        self.plan_shared_pushes();
        Ok(())
    }

    /// The work arrays worth a snapshot per loop iteration: among the loads
    /// whose values the reverse sweep needs and cannot repeat from memory
    /// as it is at the end of the forward run.
    fn plan_snapshots(&mut self, memory: &MemoryWrites) -> Result<()> {
        let mut needed: Vec<Value> = Vec::new();
        for &bb in self.cfg.reverse_post_order() {
            for inst in bb.instructions() {
                if !self.is_reversed(inst) {
                    continue;
                }
                for n in self.needs_of(inst)? {
                    if let Need::Primal(v) = n {
                        if v.opcode() == Some(LLVMOpcode::LLVMLoad)
                            && !memory.unchanged_after(v)
                            && !needed.contains(&v)
                        {
                            needed.push(v);
                        }
                    }
                }
            }
        }
        self.snapshots =
            crate::analysis::snapshots::IterationSnapshots::compute(&self.loops, memory, &needed);
        // Every reverse block of the loop needs the array's address (to
        // find a load's offset) and the latch its size: both used as the
        // forward sweep computed them, which needs their blocks to
        // dominate every return (the reverse sweep starts at one).
        let rets = Self::return_blocks(self.cfg.reverse_post_order());
        let doms = &self.doms;
        let direct = |v: Value| {
            !v.is_instruction() || rets.iter().all(|r| doms.dominates(v.parent_block(), *r))
        };
        let keep: Vec<bool> = self
            .snapshots
            .iter()
            .map(|s| direct(s.object) && direct(s.count))
            .collect();
        let mut k = keep.into_iter();
        self.snapshots.retain(|_| k.next().unwrap_or(false));
        Ok(())
    }

    /// A value an iteration of loop P defines and several loops inside P
    /// use is pushed at each of their exits by [`Self::plan_hoisting`]
    /// (a vector loop and its remainder loop both use `x[i]`). Push it
    /// once per iteration instead, at a block X of P that its definition
    /// dominates and that every one of those exits passes before the
    /// iteration ends: X's reverse block pops it into the slot before the
    /// inner loops' reverse blocks read it.
    fn plan_shared_pushes(&mut self) {
        if self.aug.is_some() {
            return;
        }
        // Blocks of a loop P (not in a loop inside it, not its header or
        // latch, which tell its iterations apart) that push a value an
        // earlier block of the same iteration defines.
        let mut at: IndexMap<Need, Vec<Block>> = IndexMap::new();
        for (b, list) in &self.needs {
            let Some(p) = self.loops.innermost_simple(*b) else {
                continue;
            };
            if *b == p.header || *b == p.latch {
                continue;
            }
            for n in list {
                let (Need::Primal(v) | Need::Shadow(v)) = *n else {
                    continue;
                };
                let d = v.parent_block();
                if self.keep.get(n) == Some(&Keep::Tape) && d != *b && p.body.contains(&d) {
                    at.entry(*n).or_default().push(*b);
                }
            }
        }
        let mut moves: Vec<(Need, Vec<Block>, Block)> = Vec::new();
        for (n, exits) in at {
            let (Need::Primal(v) | Need::Shadow(v)) = n else {
                continue;
            };
            if exits.len() < 2 {
                continue;
            }
            let Some(p) = self.loops.innermost_simple(exits[0]).cloned() else {
                continue;
            };
            let d = v.parent_block();
            let same_level = |b: Block| {
                self.loops
                    .innermost_simple(b)
                    .is_some_and(|q| q.header == p.header)
            };
            if !p.body.contains(&d) || !exits.iter().all(|e| same_level(*e)) {
                continue;
            }
            let x = self.cfg.reverse_post_order().iter().copied().find(|x| {
                same_level(*x)
                    && *x != p.header
                    && self.doms.dominates(d, *x)
                    && exits
                        .iter()
                        .all(|e| self.passes_before_iteration_ends(*e, *x, &p))
            });
            if let Some(x) = x {
                moves.push((n, exits, x));
            }
        }
        for (n, exits, x) in moves {
            for e in exits {
                self.needs.get_mut(&e).expect("planned").retain(|m| *m != n);
                if let Some(store) = self.hoist_store.get_mut(&e) {
                    store.retain(|m| *m != n);
                }
                let h = self.hoisted.entry(e).or_default();
                if !h.contains(&n) {
                    h.push(n);
                }
            }
            let list = self.needs.get_mut(&x).expect("planned");
            if !list.contains(&n) {
                list.push(n);
            }
            let store = self.hoist_store.entry(x).or_default();
            if !store.contains(&n) {
                store.push(n);
            }
        }
    }

    /// Whether every way from `e` to the end of the current iteration of
    /// `p` (its header again, or out of it) passes `x` (or starts there).
    fn passes_before_iteration_ends(
        &self,
        e: Block,
        x: Block,
        p: &crate::analysis::loops::SimpleLoop,
    ) -> bool {
        let mut stack = vec![e];
        let mut seen: IndexSet<Block> = IndexSet::new();
        while let Some(b) = stack.pop() {
            if b == x {
                continue;
            }
            if b == p.header || !p.body.contains(&b) {
                return false;
            }
            if seen.insert(b) {
                stack.extend(b.successors());
            }
        }
        true
    }

    /// Floats that travel as integers through memory with a shadow lose
    /// their derivatives (even where nothing else is reversed): refuse.
    fn check_float_bits(&self) -> Result<()> {
        for inst in self
            .cfg
            .reverse_post_order()
            .iter()
            .flat_map(|b| b.instructions())
        {
            if crate::ir::float_webs::float_from_integer_load(inst, |p| self.activity.is_varied(p))
            {
                return Err(AdcError::unsupported(
                    inst,
                    crate::ir::float_webs::FLOAT_BITS,
                ));
            }
            if inst.opcode() == Some(LLVMOpcode::LLVMLoad)
                && self.activity.is_varied(inst.operand(0))
            {
                let types = self.types.get_or_init(|| TypeAnalysis::compute(self.src));
                if let Some(why) = crate::ir::float_webs::untyped_move(inst, types) {
                    return Err(AdcError::unsupported(inst, why));
                }
            }
        }
        Ok(())
    }

    /// For a merge block with two predecessors, how to tell in the reverse
    /// sweep which one ran last from branch conditions instead of a record.
    /// A branch block A dominates bb (walking up its dominators); each of
    /// its successors s either reaches only one predecessor of bb without
    /// passing A again (then reaching that predecessor means the last run of
    /// A went to s, and conversely), or every way from s to bb passes one
    /// more branch block D, whose successors are split the same way (with
    /// A and D removed). Each condition must be computable from values that
    /// dominate bb, so the reverse sweep can evaluate it even when its block
    /// did not run (the answer then does not depend on it). This covers
    /// if/else triangles and diamonds, guards that skip a loop, the
    /// vectorizer's middle blocks, and a vector loop followed by its
    /// remainder loop. Not for loop headers.
    fn pred_by_condition(&self, bb: Block) -> Option<PredRule> {
        if self.loops.simple_loop(bb).is_some() {
            return None;
        }
        let preds = distinct_preds(&self.cfg, bb);
        if preds.len() < 2 {
            return None;
        }
        // A header of a loop not in loop-simplify form: which way the
        // branches above went says nothing about the back edge.
        if preds.iter().any(|p| self.doms.dominates(bb, *p)) {
            return None;
        }
        let mut a = self.doms.idom(bb);
        while let Some(branch) = a {
            a = self.doms.idom(branch);
            if let Some(rule) = self.split_at(bb, &preds, branch, &mut vec![branch], 0) {
                return Some(rule);
            }
        }
        None
    }

    /// The rule below conditional branch block `d`: each successor decided
    /// by [`Self::rule_from`], with the blocks in `removed` (d among them)
    /// never passed again.
    fn split_at(
        &self,
        bb: Block,
        preds: &[Block],
        d: Block,
        removed: &mut Vec<Block>,
        depth: u32,
    ) -> Option<PredRule> {
        let term = d.terminator()?;
        if term.opcode() != Some(LLVMOpcode::LLVMCondBr) {
            return None;
        }
        let succ = d.successors(); // [if true, if false]
        if succ[0] == succ[1] {
            return None;
        }
        let cond = Value(unsafe { llvm_sys::core::LLVMGetCondition(term.0) });
        // A successor from which bb is only reached by passing d (or an
        // earlier branch block) again is not where d's last run went.
        let dead = |s: Block| s != bb && self.preds_reached(bb, d, s, removed).is_empty();
        match (dead(succ[0]), dead(succ[1])) {
            (true, true) => None,
            (true, false) => self.rule_from(bb, preds, d, succ[1], removed, depth),
            (false, true) => self.rule_from(bb, preds, d, succ[0], removed, depth),
            (false, false) => {
                if depth > 0 && !self.leaves_dominate(cond, bb, 0) {
                    return None;
                }
                let t = self.rule_from(bb, preds, d, succ[0], removed, depth)?;
                let f = self.rule_from(bb, preds, d, succ[1], removed, depth)?;
                // Both ways lead to the same answer: no need to ask.
                Some(if t == f {
                    t
                } else {
                    PredRule::Branch(cond, Box::new(t), Box::new(f))
                })
            }
        }
    }

    /// Entering `s` from `d`: the one predecessor of bb it can reach, or a
    /// further split at a block every such way passes.
    fn rule_from(
        &self,
        bb: Block,
        preds: &[Block],
        d: Block,
        s: Block,
        removed: &mut Vec<Block>,
        depth: u32,
    ) -> Option<PredRule> {
        let reached = self.preds_reached(bb, d, s, removed);
        match reached.as_slice() {
            [p] => return Some(PredRule::Pred(preds.iter().position(|x| x == p)?)),
            [] => return None,
            _ if depth >= 4 || s == bb => return None,
            _ => {}
        }
        // The nearest block every way from s to bb passes.
        let mut order = vec![s];
        let mut seen: IndexSet<Block> = [s].into_iter().collect();
        let mut i = 0;
        while i < order.len() {
            let x = order[i];
            i += 1;
            let branches = x
                .terminator()
                .is_some_and(|t| t.opcode() == Some(LLVMOpcode::LLVMCondBr));
            if branches {
                removed.push(x);
                let cut = x == s || self.preds_reached(bb, d, s, removed).is_empty();
                // A branch whose successors each reach all of them or none
                // tells nothing: look further.
                let tells = cut
                    && x.successors().into_iter().any(|n| {
                        let r = self.preds_reached(bb, x, n, removed);
                        !r.is_empty() && r.len() < reached.len()
                    });
                removed.pop();
                if tells {
                    removed.push(x);
                    let rule = self.split_at(bb, preds, x, removed, depth + 1);
                    removed.pop();
                    return rule;
                }
            }
            for n in x.successors() {
                if n != bb && !removed.contains(&n) && seen.insert(n) {
                    order.push(n);
                }
            }
        }
        None
    }

    /// The predecessors of bb reachable from `s` (entered from `d`, which
    /// counts when s is bb itself) without passing a block in `removed`.
    fn preds_reached(&self, bb: Block, d: Block, s: Block, removed: &[Block]) -> Vec<Block> {
        if s == bb {
            return vec![d];
        }
        if removed.contains(&s) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut stack = vec![s];
        let mut seen: IndexSet<Block> = [s].into_iter().collect();
        while let Some(x) = stack.pop() {
            for n in x.successors() {
                if n == bb {
                    if !out.contains(&x) {
                        out.push(x);
                    }
                } else if !removed.contains(&n) && seen.insert(n) {
                    stack.push(n);
                }
            }
        }
        out
    }

    /// Whether `v` is computed by cheap pure operations from values whose
    /// blocks dominate `bb` (or constants and arguments).
    fn leaves_dominate(&self, v: Value, bb: Block, depth: u32) -> bool {
        if !v.is_instruction() || self.doms.dominates(v.parent_block(), bb) {
            return true;
        }
        depth < 12
            && v.opcode().is_some_and(is_cheap_pure)
            && v.operands().all(|o| self.leaves_dominate(o, bb, depth + 1))
    }

    /// `phi [start, preheader], [phi + C, latch]` in the header of `l`: C.
    fn affine_step(phi: Value, l: &crate::analysis::loops::SimpleLoop) -> Option<i64> {
        if phi.opcode() != Some(LLVMOpcode::LLVMPHI)
            || phi.parent_block() != l.header
            || !phi.ty().is_integer()
            || phi.count_incoming() != 2
        {
            return None;
        }
        let next = phi.incoming_from(l.latch)?;
        if next.opcode() != Some(LLVMOpcode::LLVMAdd) {
            return None;
        }
        let (a, b) = (next.operand(0), next.operand(1));
        let c = if a == phi {
            b
        } else if b == phi {
            a
        } else {
            return None;
        };
        unsafe {
            if llvm_sys::core::LLVMIsAConstantInt(c.0).is_null() {
                return None;
            }
            Some(llvm_sys::core::LLVMConstIntGetSExtValue(c.0))
        }
    }

    /// An affine induction variable of a loop whose reverse finds its first
    /// iteration by tape length need not be taped every iteration: its last
    /// value is pushed once at the loop's exits, and the reverse loop steps
    /// it back by the step on each back edge. Kept only while the loop still
    /// pushes every iteration (the tape-length test needs that).
    fn plan_induction_variables(&mut self) {
        if self.aug.is_some() {
            return;
        }
        for (h, l) in self.loop_entry.clone() {
            let ivs = self.taped_ivs(&l);
            if ivs.is_empty() {
                continue;
            }
            let is_iv = |n: &Need| ivs.iter().any(|(m, _)| m == n);
            let still_pushes = |b: &Block| {
                self.needs[b].iter().any(|n| {
                    !is_iv(n) && *n != Need::PredIndex(h) && self.keep.get(n) == Some(&Keep::Tape)
                })
            };
            if !(still_pushes(&l.header) || still_pushes(&l.latch)) {
                continue;
            }
            for b in &l.body {
                let had: Vec<Need> = self.needs[b].iter().copied().filter(|n| is_iv(n)).collect();
                for n in had {
                    let step = ivs.iter().find(|(m, _)| *m == n).map(|(_, s)| *s);
                    self.iv_to_exits(n, step.expect("an IV"), *b, &l);
                }
            }
            self.ivs.insert(h, ivs);
        }
    }

    /// A loop that pushes nothing in its header or latch still needs to know,
    /// in reverse, when it is back at its first iteration; without the tape
    /// length it would record the header's predecessor every iteration. An
    /// affine induction variable (constant step, no wrap) says it as well:
    /// its last value is kept once at the exits, stepped back on each
    /// reverse back edge, and the first iteration is where it equals its
    /// start. Its other taped induction variables are stepped back too.
    fn plan_counted_loops(&mut self) {
        if self.aug.is_some() {
            return;
        }
        for h in self.cfg.reverse_post_order().to_vec() {
            let Some(l) = self.loops.simple_loop(h).cloned() else {
                continue;
            };
            let record = Need::PredIndex(h);
            // Candidates: loops that record the header's predecessor, and
            // loops that measure the tape only because their header or
            // latch pushes induction variables (which this plan moves out).
            let only_ivs = |b: &Block| {
                self.needs[b].iter().all(|n| {
                    self.keep.get(n) != Some(&Keep::Tape)
                        || matches!(n, Need::Primal(v) if Self::affine_step(*v, &l).is_some())
                })
            };
            let by_tape_length = self.loop_entry.contains_key(&h)
                && !self.ivs.contains_key(&h)
                && only_ivs(&h)
                && only_ivs(&l.latch);
            if !(by_tape_length || self.needs[&h].contains(&record)) || self.ivs.contains_key(&h) {
                continue;
            }
            // The counter: an IV whose start the reverse sweep can read.
            let counter = self.loop_counter(&l).filter(|(_, _, start)| {
                self.is_direct(*start)
                    || matches!(
                        self.keep.get(&Need::Primal(*start)),
                        None | Some(Keep::Slot | Keep::Tape)
                    )
            });
            let Some((phi, step, start)) = counter else {
                continue;
            };
            self.make_counted(&l, phi, step, start);
        }
        // Loops whose first iteration is found by tape length, but whose
        // counter's last value follows from the exit test: counting needs
        // no tape length per loop execution.
        for (h, l) in self.loop_entry.clone() {
            let Some((phi, step, start)) = self.loop_counter(&l) else {
                continue;
            };
            let n = Need::Primal(phi);
            let tested = self.exit_test(&l).is_some_and(|(m, _)| m == phi);
            let stepped = self
                .ivs
                .get(&h)
                .is_some_and(|v| v.iter().any(|(m, _)| *m == n));
            if tested && !stepped && self.free_at(h, start) {
                // A counter nothing else needs, stepped back for the test.
                self.ivs.entry(h).or_default().push((n, step));
            }
            let derived = tested
                || self
                    .derived_last
                    .get(&l.exits[0])
                    .is_some_and(|d| d.iter().any(|(m, _)| *m == n));
            let start_ok = self.free_at(h, start);
            if derived
                && start_ok
                && self
                    .ivs
                    .get(&h)
                    .is_some_and(|v| v.iter().any(|(m, _)| *m == n))
            {
                self.add_need(h, Need::Primal(start));
                self.loop_entry.shift_remove(&h);
                let entry = Need::LoopEntry(h);
                self.keep.shift_remove(&entry);
                for e in &l.exits {
                    self.needs
                        .get_mut(e)
                        .expect("planned")
                        .retain(|m| *m != entry);
                }
                self.iv_to_exits(n, step, h, &l);
                self.counted.insert(h, (phi, start));
            }
        }
    }

    /// Turn `l` into a counted loop: `phi` (with this step, starting at
    /// `start`) finds its first reverse iteration.
    fn make_counted(
        &mut self,
        l: &crate::analysis::loops::SimpleLoop,
        phi: Value,
        step: i64,
        start: Value,
    ) {
        let h = l.header;
        let record = Need::PredIndex(h);
        self.needs
            .get_mut(&h)
            .expect("planned")
            .retain(|n| *n != record);
        self.keep.shift_remove(&record);
        if self.loop_entry.shift_remove(&h).is_some() {
            let n = Need::LoopEntry(h);
            self.keep.shift_remove(&n);
            for e in &l.exits {
                self.needs.get_mut(e).expect("planned").retain(|m| *m != n);
            }
        }
        let outer = l.exits.iter().any(|e| self.loops.in_loop(*e));
        let kind = if outer { Keep::Tape } else { Keep::Slot };
        let mut ivs = vec![(Need::Primal(phi), step)];
        ivs.extend(
            self.taped_ivs(l)
                .into_iter()
                .filter(|(n, _)| *n != Need::Primal(phi)),
        );
        for &(n, step) in &ivs {
            self.keep.entry(n).or_insert(kind);
            for b in l.body.iter().copied().collect::<Vec<_>>() {
                if self.needs[&b].contains(&n) {
                    self.iv_to_exits(n, step, b, l);
                }
            }
            self.iv_to_exits(n, step, h, l);
        }
        self.add_need(h, Need::Primal(start));
        self.ivs.insert(h, ivs);
        self.counted.insert(h, (phi, start));
    }

    /// The affine induction variables of `l` that its blocks keep on the
    /// tape, with their steps.
    fn taped_ivs(&self, l: &crate::analysis::loops::SimpleLoop) -> Vec<(Need, i64)> {
        let mut ivs: Vec<(Need, i64)> = Vec::new();
        for b in &l.body {
            for n in &self.needs[b] {
                if let Need::Primal(v) = n {
                    if self.keep.get(n) == Some(&Keep::Tape) && !ivs.iter().any(|(m, _)| m == n) {
                        if let Some(step) = Self::affine_step(*v, l) {
                            ivs.push((*n, step));
                        }
                    }
                }
            }
        }
        ivs
    }

    /// The induction variable a counted loop steps back: affine with a
    /// nonzero constant step that does not wrap; with its start value.
    /// The one the exit test compares comes first: its last value follows
    /// from the test.
    fn loop_counter(&self, l: &crate::analysis::loops::SimpleLoop) -> Option<(Value, i64, Value)> {
        let tested = self.exit_test(l).map(|(m, _)| m);
        let mut phis = l.header.instructions();
        phis.sort_by_key(|p| Some(*p) != tested);
        phis.into_iter().find_map(|phi| {
            let step = Self::affine_step(phi, l)?;
            let next = phi.incoming_from(l.latch)?;
            // The IV the exit compares for equality takes no value twice
            // before it exits, whether or not its additions may wrap.
            let no_wrap = Some(phi) == tested
                || unsafe {
                    llvm_sys::core::LLVMGetNUW(next.0) != 0
                        || llvm_sys::core::LLVMGetNSW(next.0) != 0
                };
            (step != 0 && no_wrap).then_some((phi, step, phi.incoming_from(l.preheader)?))
        })
    }

    /// [`Self::move_to_exits`] for an induction variable of `l` with this
    /// step, except when `l` leaves only through its latch, on `next ==
    /// bound` with a bound the reverse sweep has as is: then its last value
    /// is bound - step, which the exit's reverse block computes; the forward
    /// run keeps nothing.
    fn iv_to_exits(
        &mut self,
        n: Need,
        step: i64,
        bb: Block,
        l: &crate::analysis::loops::SimpleLoop,
    ) {
        let Need::Primal(phi) = n else {
            return self.move_to_exits(n, bb, l);
        };
        let exit = l.exits[0];
        // When the test compares another IV, both starts must come for free.
        let last = self.iv_last(phi, l).filter(|(_, _, starts)| {
            starts.is_none_or(|(a, b)| self.free_at(exit, a) && self.free_at(exit, b))
        });
        let Some(last @ (bound, _, starts)) = last else {
            return self.move_to_exits(n, bb, l);
        };
        debug_assert_eq!(Self::affine_step(phi, l), Some(step));
        self.add_need(exit, Need::Primal(bound));
        if let Some((a, b)) = starts {
            self.add_need(exit, Need::Primal(a));
            self.add_need(exit, Need::Primal(b));
        }
        self.needs
            .get_mut(&bb)
            .expect("planned")
            .retain(|m| *m != n);
        let hoisted = self.hoisted.entry(bb).or_default();
        if !hoisted.contains(&n) {
            hoisted.push(n);
        }
        let derived = self.derived_last.entry(exit).or_default();
        if !derived.iter().any(|(m, _)| *m == n) {
            derived.push((n, last));
        }
    }

    /// Make `n` available to `bb`'s reverse block after the main planning:
    /// direct values need nothing, induction variables the reverse steps
    /// back in a loop around `bb` are read from their slot, cheap pure
    /// operations are recomputed from their operands, and so is a phi
    /// whose predecessor follows from a branch condition (as a select, when
    /// [`Self::can_add`] says its parts are all available); anything else
    /// is kept as planned elsewhere or, new, in a slot (defined outside
    /// every loop) or on the tape, pushed once per execution of the
    /// outermost loop around `bb` that does not define it.
    pub(super) fn add_need(&mut self, bb: Block, n: Need) {
        let Need::Primal(v) = n else {
            return;
        };
        if self.is_direct(v)
            || self.needs[&bb].contains(&n)
            || self.hoisted.get(&bb).is_some_and(|h| h.contains(&n))
        {
            return;
        }
        if self.stepped_at(bb, n) {
            self.hoisted.entry(bb).or_default().push(n);
            return;
        }
        let cheap = v.opcode().is_some_and(is_cheap_pure);
        let keep = self.keep.get(&n).copied();
        if keep == Some(Keep::Recompute) || (keep.is_none() && cheap) {
            if let Some(parts) = self.phi_parts(v) {
                // Only a phi recomputed elsewhere comes here.
                for o in parts {
                    self.add_need(bb, Need::Primal(o));
                }
                return;
            }
            self.keep.insert(n, Keep::Recompute);
            for o in v.operands().collect::<Vec<_>>() {
                self.add_need(bb, Need::Primal(o));
            }
            return;
        }
        if let (None, Some(parts)) = (keep, self.phi_parts(v)) {
            if parts.iter().all(|o| self.can_add(bb, *o, 0)) {
                self.keep.insert(n, Keep::Recompute);
                for o in parts {
                    self.add_need(bb, Need::Primal(o));
                }
                return;
            }
        }
        self.keep_in(bb, n)
    }

    /// Keep `n` (not recomputed) for `bb`: a slot when it is defined
    /// outside every loop, else the tape, hoisted out of the loops around
    /// `bb` that do not define it.
    fn keep_in(&mut self, bb: Block, n: Need) {
        let Need::Primal(v) = n else { return };
        let kind = if self.loops.in_loop(v.parent_block()) {
            Keep::Tape
        } else {
            Keep::Slot
        };
        let k = *self.keep.entry(n).or_insert(kind);
        if k == Keep::Tape {
            if let Some(l) = self.loops.innermost_simple(bb).cloned() {
                if !l.body.contains(&v.parent_block()) {
                    if !self.hoisted.get(&bb).is_some_and(|h| h.contains(&n)) {
                        self.hoisted.entry(bb).or_default().push(n);
                    }
                    for e in &l.exits {
                        let store = self.hoist_store.entry(*e).or_default();
                        if !store.contains(&n) {
                            store.push(n);
                        }
                        self.keep_in(*e, n);
                    }
                    return;
                }
            }
        }
        let list = self.needs.get_mut(&bb).expect("planned");
        if !list.contains(&n) {
            list.push(n);
        }
    }

    /// Whether `bb`'s reverse block has `v` without anything new: direct,
    /// kept for it, read from a slot, or an induction variable stepped back
    /// in a loop around it.
    fn already_at(&self, bb: Block, v: Value) -> bool {
        let n = Need::Primal(v);
        self.is_direct(v)
            || self.needs[&bb].contains(&n)
            || self.hoisted.get(&bb).is_some_and(|h| h.contains(&n))
            || self.stepped_at(bb, n)
    }

    /// Whether `n` is an induction variable the reverse sweep steps back in
    /// a loop whose body holds `bb`.
    fn stepped_at(&self, bb: Block, n: Need) -> bool {
        self.ivs.iter().any(|(h, ivs)| {
            ivs.iter().any(|(m, _)| *m == n)
                && self
                    .loops
                    .simple_loop(*h)
                    .is_some_and(|l| l.body.contains(&bb))
        })
    }

    /// A two-way phi whose predecessor follows from a branch condition:
    /// (the condition, the value when it is true, when it is false).
    pub(super) fn phi_select(&self, phi: Value) -> Option<(Value, Value, Value)> {
        if phi.opcode() != Some(LLVMOpcode::LLVMPHI) || phi.count_incoming() != 2 {
            return None;
        }
        let b = phi.parent_block();
        let rule = match self.pred_by_cond.get(&b) {
            Some(x) => x.clone(),
            None => self.pred_by_condition(b)?,
        };
        let PredRule::Branch(c, t, f) = rule else {
            return None;
        };
        let (PredRule::Pred(t), PredRule::Pred(f)) = (*t, *f) else {
            return None;
        };
        let preds = distinct_preds(&self.cfg, b);
        Some((
            c,
            phi.incoming_from(preds[t])?,
            phi.incoming_from(preds[f])?,
        ))
    }

    /// The values a phi recomputed in the reverse sweep is made of: a
    /// condition and two incoming values ([`Self::phi_select`]), or an
    /// induction variable's value after its loop ([`Self::exit_value`]).
    fn phi_parts(&self, phi: Value) -> Option<Vec<Value>> {
        if let Some((c, t, f)) = self.phi_select(phi) {
            return Some(vec![c, t, f]);
        }
        let (bound, _, starts) = self.exit_value(phi)?;
        let mut parts = vec![bound];
        if let Some((a, b)) = starts {
            parts.extend([a, b]);
        }
        Some(parts)
    }

    /// An exit block's phi of an affine induction variable of the loop it
    /// leaves (or of its next value), when the exit test gives it: (the
    /// test's bound, a constant to add, and when the test compares another
    /// IV of the same step: (this IV's start, that IV's start), whose
    /// difference is added too).
    pub(super) fn exit_value(&self, phi: Value) -> Option<ExitValue> {
        if phi.opcode() != Some(LLVMOpcode::LLVMPHI) || phi.count_incoming() != 1 {
            return None;
        }
        let (x, from) = phi.incoming(0);
        let e = phi.parent_block();
        let l = self
            .loops
            .simple_loops()
            .find(|l| l.latch == from && l.exits == [e])?;
        if x.opcode() == Some(LLVMOpcode::LLVMPHI) && x.parent_block() == l.header {
            return self.iv_last(x, l);
        }
        // The IV's next value: its last one plus its step.
        let p =
            l.header.instructions().into_iter().find(|p| {
                Self::affine_step(*p, l).is_some() && p.incoming_from(l.latch) == Some(x)
            })?;
        let (bound, add, starts) = self.iv_last(p, l)?;
        Some((bound, add + Self::affine_step(p, l)?, starts))
    }

    /// The last value of affine induction variable `phi` of `l`, from the
    /// exit test: bound - step when the test compares `phi`, plus the
    /// difference of the starts when it compares another IV of the same
    /// step.
    fn iv_last(&self, phi: Value, l: &crate::analysis::loops::SimpleLoop) -> Option<ExitValue> {
        let (tested, bound) = self.exit_test(l)?;
        let step = Self::affine_step(tested, l)?;
        if phi == tested {
            return Some((bound, -step, None));
        }
        // (Another IV of the same step and width: clang keeps an i32 copy
        // of an i64 counter, whose last value the i64 bound does not give.)
        if Self::affine_step(phi, l)? != step || phi.ty() != tested.ty() {
            return None;
        }
        let starts = (Self::start_of(phi, l)?, Self::start_of(tested, l)?);
        Some((bound, -step, Some(starts)))
    }

    /// Whether [`Self::add_need`] can make `v` available to `bb` without
    /// keeping a value whose definition does not dominate `bb` (the tape
    /// push for `bb` happens in `bb`).
    fn can_add(&self, bb: Block, v: Value, depth: u32) -> bool {
        let n = Need::Primal(v);
        if self.already_at(bb, v) {
            return true;
        }
        if depth > 12 {
            return false;
        }
        let keep = self.keep.get(&n).copied();
        let recompute = keep == Some(Keep::Recompute)
            || (keep.is_none() && v.opcode().is_some_and(is_cheap_pure));
        if recompute && v.opcode() != Some(LLVMOpcode::LLVMPHI) {
            return v.operands().all(|o| self.can_add(bb, o, depth + 1));
        }
        let dominates = self.doms.dominates(v.parent_block(), bb);
        if keep.is_none() || keep == Some(Keep::Recompute) {
            if let Some(parts) = self.phi_parts(v) {
                let parts = parts.iter().all(|o| self.can_add(bb, *o, depth + 1));
                return parts || dominates;
            }
        }
        dominates
    }

    /// The value an affine induction variable of `l` starts with.
    fn start_of(phi: Value, l: &crate::analysis::loops::SimpleLoop) -> Option<Value> {
        phi.incoming_from(l.preheader)
    }

    /// Whether `v` is available to `bb`'s reverse block without keeping
    /// anything new for it in `bb` (recomputed, stepped back, or already
    /// there).
    fn free_at(&self, bb: Block, v: Value) -> bool {
        let n = Need::Primal(v);
        if self.already_at(bb, v) {
            return true;
        }
        let keep = self.keep.get(&n).copied();
        if !matches!(keep, None | Some(Keep::Recompute)) {
            return false;
        }
        if let Some(parts) = self.phi_parts(v) {
            return parts.iter().all(|o| self.can_add(bb, *o, 0));
        }
        v.opcode().is_some_and(is_cheap_pure) && v.operands().all(|o| self.free_at(bb, o))
    }

    /// The induction variable the exit test of `l` compares and its bound
    /// `b`, when `l` exits only from its latch, exactly when that phi's
    /// next value equals `b`, and `b` is defined outside `l` (so the exit's
    /// reverse block can have it).
    fn exit_test(&self, l: &crate::analysis::loops::SimpleLoop) -> Option<(Value, Value)> {
        let [exit] = l.exits.as_slice() else {
            return None;
        };
        if distinct_preds(&self.cfg, *exit) != [l.latch] {
            return None;
        }
        let term = l.latch.terminator()?;
        if term.opcode() != Some(LLVMOpcode::LLVMCondBr) {
            return None;
        }
        let cond = Value(unsafe { llvm_sys::core::LLVMGetCondition(term.0) });
        if cond.opcode() != Some(LLVMOpcode::LLVMICmp) {
            return None;
        }
        let (a, b) = (cond.operand(0), cond.operand(1));
        let next_of = |v: Value| {
            l.header.instructions().into_iter().find(|phi| {
                Self::affine_step(*phi, l).is_some()
                    && (0..phi.count_incoming())
                        .map(|i| phi.incoming(i))
                        .any(|(x, blk)| blk == l.latch && x == v)
            })
        };
        let (phi, bound) = match (next_of(a), next_of(b)) {
            (Some(p), _) => (p, b),
            (None, Some(p)) => (p, a),
            _ => return None,
        };
        let succ = l.latch.successors();
        let pred = unsafe { llvm_sys::core::LLVMGetICmpPredicate(cond.0) };
        let exits_when_equal = match pred {
            llvm_sys::LLVMIntPredicate::LLVMIntEQ => succ == [*exit, l.header],
            llvm_sys::LLVMIntPredicate::LLVMIntNE => succ == [l.header, *exit],
            _ => false,
        };
        // Defined before the loop: its exit's reverse block can have it.
        let available = !bound.is_instruction() || !l.body.contains(&bound.parent_block());
        (exits_when_equal && available).then_some((phi, bound))
    }

    /// Keep `n` at the exits of `l` instead of in `bb` (in `l`): each exit's
    /// reverse block stores it in a slot, which `bb`'s reverse block reads.
    fn move_to_exits(&mut self, n: Need, bb: Block, l: &crate::analysis::loops::SimpleLoop) {
        fn push_new(v: &mut Vec<Need>, n: Need) {
            if !v.contains(&n) {
                v.push(n);
            }
        }
        self.needs
            .get_mut(&bb)
            .expect("planned")
            .retain(|m| *m != n);
        push_new(self.hoisted.entry(bb).or_default(), n);
        for e in &l.exits {
            push_new(self.needs.get_mut(e).expect("planned"), n);
            push_new(self.hoist_store.entry(*e).or_default(), n);
        }
    }

    /// A taped value a loop uses but defines outside itself is the same in
    /// every iteration: push it once per loop execution, at the loop's exits,
    /// instead of once per iteration. The exit's reverse block pops it into a
    /// slot that the loop's reverse blocks read. Repeated until no need
    /// moves, so a value invariant in a loop nest leaves every level.
    /// (Split mode too: the slots are the reverse function's own.)
    fn plan_hoisting(&mut self) {
        let def_block = |n: &Need| match n {
            Need::Primal(v) | Need::Shadow(v) => Some(v.parent_block()),
            _ => None,
        };
        let mut changed = true;
        while changed {
            changed = false;
            for bb in self.cfg.reverse_post_order().to_vec() {
                let Some(l) = self.loops.innermost_simple(bb).cloned() else {
                    continue;
                };
                let movable: Vec<Need> = self.needs[&bb]
                    .iter()
                    .copied()
                    .filter(|n| {
                        self.keep.get(n) == Some(&Keep::Tape)
                            && def_block(n).is_some_and(|d| !l.body.contains(&d))
                    })
                    .collect();
                for n in movable {
                    self.move_to_exits(n, bb, &l);
                    changed = true;
                }
            }
        }
    }

    /// Replace the per-iteration predecessor record of simple loop headers
    /// by one tape length per loop execution, where the header pushes a
    /// bundle every iteration anyway (so the length identifies iterations).
    fn plan_loop_entries(&mut self) {
        for bb in self.cfg.reverse_post_order().to_vec() {
            let Some(l) = self.loops.simple_loop(bb).cloned() else {
                continue;
            };
            // Every complete iteration runs the header and the latch; one of
            // them pushing makes the tape length count iterations.
            let pushes = |b: &Block| {
                self.needs[b]
                    .iter()
                    .any(|n| *n != Need::PredIndex(bb) && self.keep[n] == Keep::Tape)
            };
            if !(pushes(&bb) || pushes(&l.latch)) {
                continue;
            }
            self.needs
                .get_mut(&bb)
                .expect("planned")
                .retain(|n| *n != Need::PredIndex(bb));
            self.keep.shift_remove(&Need::PredIndex(bb));
            let n = Need::LoopEntry(bb);
            let in_loop = l.exits.iter().any(|e| self.loops.in_loop(*e)) || self.aug.is_some();
            self.keep
                .insert(n, if in_loop { Keep::Tape } else { Keep::Slot });
            for e in &l.exits {
                self.needs.get_mut(e).expect("planned").push(n);
            }
            self.loop_entry.insert(bb, l);
        }
    }

    /// Whether the reverse sweep can use `v` as is: constants and arguments;
    /// in combined mode also the entry block's values (the forward entry
    /// block dominates the whole reverse sweep).
    pub(super) fn is_direct(&self, v: Value) -> bool {
        !v.is_instruction() || (self.aug.is_none() && v.parent_block() == self.entry_bb)
    }

    /// If `n` can be recomputed in the reverse sweep, the needs it brings.
    fn recompute_operands(&self, n: Need, memory: &MemoryWrites) -> Option<Vec<Need>> {
        let not_direct = |v: &Value| !self.is_direct(*v);
        match n {
            Need::Primal(v) => {
                let op = v.opcode()?;
                let ok = is_cheap_pure(op)
                    || (op == LLVMOpcode::LLVMLoad
                        && self.aug.is_none()
                        && (memory.unchanged_after(v) || self.snapshots.covers(v)));
                ok.then(|| v.operands().filter(not_direct).map(Need::Primal).collect())
            }
            // Split mode: a stack object's shadow died with the augmented
            // primal; the reverse function has its own zero-filled twin.
            // (One whose address is kept in memory has a heap shadow, kept.)
            Need::Shadow(v)
                if self.aug.is_some()
                    && v.opcode() == Some(LLVMOpcode::LLVMAlloca)
                    && !self.heap_shadowed(v) =>
            {
                Some(Vec::new())
            }
            // Reverse vector mode: the shadow of a pointer phi differs per
            // lane, but its offset from its root argument does not (see
            // `offset_root`): recompute it from the primal pointer instead
            // of taping a shadow that the lanes cannot share.
            Need::Shadow(v) if self.synth.lanes && offset_root(v).is_some() => Some(
                not_direct(&v)
                    .then_some(Need::Primal(v))
                    .into_iter()
                    .collect(),
            ),
            Need::Shadow(v) => {
                let op = v.opcode()?;
                let ok = matches!(
                    op,
                    LLVMOpcode::LLVMGetElementPtr
                        | LLVMOpcode::LLVMBitCast
                        | LLVMOpcode::LLVMAddrSpaceCast
                );
                ok.then(|| {
                    let base = v.operand(0);
                    let mut out: Vec<Need> = Vec::new();
                    if not_direct(&base) {
                        out.push(Need::Shadow(base));
                    }
                    out.extend(v.operands().skip(1).filter(not_direct).map(Need::Primal));
                    out
                })
            }
            Need::PredIndex(_) | Need::LoopEntry(_) | Need::CallTape(_) | Need::OldShadow(_) => {
                None
            }
        }
    }
}

/// The one argument that pointer phi (or select) `v` points into, reached
/// through phis, selects, GEPs and casts: then `v`'s shadow is the
/// argument's shadow plus `v - argument`, whatever path made `v`.
pub(super) fn offset_root(v: Value) -> Option<Value> {
    if !matches!(
        v.opcode(),
        Some(LLVMOpcode::LLVMPHI) | Some(LLVMOpcode::LLVMSelect)
    ) || !v.ty().is_pointer()
    {
        return None;
    }
    let mut seen = indexmap::IndexSet::new();
    let mut work = vec![v];
    let mut root = None;
    while let Some(p) = work.pop() {
        if !seen.insert(p) {
            continue;
        }
        if p.is_argument() {
            if root.is_some_and(|r| r != p) {
                return None;
            }
            root = Some(p);
            continue;
        }
        match p.opcode() {
            Some(LLVMOpcode::LLVMPHI) => {
                work.extend((0..p.count_incoming()).map(|i| p.incoming(i).0))
            }
            Some(LLVMOpcode::LLVMSelect) => work.extend([p.operand(1), p.operand(2)]),
            Some(LLVMOpcode::LLVMGetElementPtr) | Some(LLVMOpcode::LLVMBitCast) => {
                work.push(p.operand(0))
            }
            _ => return None,
        }
        if seen.len() > 64 {
            return None;
        }
    }
    root
}
