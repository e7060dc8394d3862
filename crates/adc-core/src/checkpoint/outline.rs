//! A loop taken out of its function, one iteration per call, so that its
//! reverse can follow a checkpointing schedule (`--checkpoint`).
//!
//! The loop of function `f` becomes a call `f.ckpt.N(state, pointers...,
//! integers..., T)`. `state` is a stack object of `f` with the loop's
//! header values (its phis), the other numbers it reads from outside (a
//! coefficient, a splat of one), the values it hands to the code after it,
//! and the number of the exit it took. `f.ckpt.N` runs the loop by calling
//! `f.ckpt.N.step` (one iteration: 0 to go on, the exit's number to stop)
//! until it stops, so the primal means what it meant. Reverse mode does not
//! call it: the call has a forward and a reverse form like an adc-runtime
//! routine's (`aug`: the schedule's forward sweep, which returns its
//! context; `vjp`: its reverse sweep, made per activity by [`super::driver`]).
//!
//! The forward sweep runs `f.ckpt.N.probe`, the iteration with a check
//! before each store that the bytes it writes are in the hull of what the
//! loop wrote through the same base pointer (snapshots.c). A store whose
//! base is not one pointer from outside the loop, or a call that may write
//! memory adc does not see, is refused: a snapshot must hold everything an
//! iteration changes.

use super::hazards::{
    is_mem_write_intrinsic, read_index, read_memory_written_later, read_pointer, root,
};
use super::names::{find, loops_of};
use super::trip_count::{trip_count, TripCount};
use super::Request;
use crate::analysis::{loops::SimpleLoop, ControlFlowGraph, DominatorTree, LoopAnalysis};
use crate::error::{AdcError, Result};
use crate::ir::clone::PrimalMap;
use crate::ir::{add_function, get_or_declare, Block, Builder, Function, Type, Value};
use indexmap::{IndexMap, IndexSet};
use llvm_sys::core::*;
use llvm_sys::LLVMIntPredicate::*;
use llvm_sys::LLVMOpcode::{self, *};

/// On `f.ckpt.N`: the number of snapshots (0: chosen at run time).
pub const LOOP_ATTR: &str = "adc.checkpoint";
/// On `f.ckpt.N`: its step, probe and forward-sweep functions, where the
/// loop is, and how many base pointers the probe checks.
pub const STEP_ATTR: &str = "adc.checkpoint.step";
pub const AUG_ATTR: &str = "adc.checkpoint.aug";
pub const WHERE_ATTR: &str = "adc.checkpoint.where";

/// Take each requested loop out of its function (see the module
/// documentation). Returns a line per loop for `--stats`.
pub fn apply(
    m: llvm_sys::prelude::LLVMModuleRef,
    targets: &[Function],
    reqs: &[Request],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    // Named before any is taken out (which renumbers the rest).
    let mut found = Vec::new();
    for req in reqs {
        let hit = find(targets, req)?;
        if let Some((_, _, _, id)) = found
            .iter()
            .find(|x: &&(Function, Block, String, String)| x.1 == hit.1)
        {
            return Err(AdcError::Usage(format!(
                "--checkpoint {}: names loop {id} again",
                req.name
            )));
        }
        found.push(hit);
    }
    for (n, (req, (f, header, shown, id))) in reqs.iter().zip(found).enumerate() {
        let cfg = ControlFlowGraph::compute(f);
        let loops = LoopAnalysis::compute(&cfg);
        let doms = DominatorTree::compute(&cfg);
        let l = loops.simple_loop(header).expect("a named loop").clone();
        let plan = Plan::of(f, &l, &cfg, &doms)?;
        let name = format!("{}.ckpt.{n}", f.name());
        plan.build(
            m,
            &name,
            req.snapshots.unwrap_or(0),
            req.budget.unwrap_or(0),
            &shown,
        )?;
        out.push(format!(
            "checkpointed loop {shown} ({id}): {}; state: {} header value(s) and the memory written through {} base pointer(s); {}",
            match (req.snapshots, req.budget) {
                (_, Some(b)) => format!(
                    "as many snapshots as fit in {b} bytes (--tape-limit's share; chosen after the first iteration)"
                ),
                (Some(s), None) => format!("{s} snapshots"),
                (None, None) if plan.trip.is_some() => {
                    "snapshots chosen at run time (at most 3 forward runs of an iteration)".into()
                }
                (None, None) => "16 snapshots".into(),
            },
            plan.phis.len(),
            plan.bases.len(),
            match (req.snapshots.filter(|_| req.budget.is_none()), plan.trip.is_some()) {
                (_, false) => "online (doubling): its trip count is not known at its entry; \
                     ADC_CHECKPOINT_STATS=1 prints the schedule's figures when it runs"
                    .into(),
                (Some(s), true) => super::schedule::factor_table(s),
                (None, true) => "ADC_CHECKPOINT_STATS=1 prints the schedule's figures when it runs".into(),
            }
        ));
    }
    Ok(out)
}

/// `--tape-limit`: the loops adc checkpoints by itself, as `FUNCTION:INDEX`
/// (those not inside another loop that step a state: through an inner
/// loop, or a float header value without reading memory, and are not
/// named by `reqs`), and
/// a line for each such loop it cannot checkpoint, with the reason.
pub fn choose(targets: &[Function], reqs: &[Request]) -> (Vec<String>, Vec<String>) {
    let named: Vec<Block> = reqs
        .iter()
        .filter_map(|r| find(targets, r).ok().map(|x| x.1))
        .collect();
    let (mut chosen, mut left) = (Vec::new(), Vec::new());
    for f in targets {
        let cfg = ControlFlowGraph::compute(*f);
        let loops = LoopAnalysis::compute(&cfg);
        let doms = DominatorTree::compute(&cfg);
        for nl in loops_of(*f) {
            let l = loops.simple_loop(nl.header).expect("a named loop");
            if loops.in_loop(l.preheader) || named.contains(&nl.header) {
                continue;
            }
            let inner = l
                .body
                .iter()
                .any(|b| *b != l.header && loops.simple_loop(*b).is_some());
            let float_state = l
                .header
                .instructions()
                .iter()
                .any(|i| i.opcode() == Some(LLVMPHI) && i.ty().contains_float());
            // A state in registers that reads no memory (a reduction's
            // accumulator reads the array it sums); an elementwise loop's
            // state would grow with its trip count.
            let reads = l
                .body
                .iter()
                .flat_map(|b| b.instructions())
                .any(|i| i.opcode() == Some(LLVMLoad));
            if !(inner || (float_state && !reads)) {
                continue;
            }
            let id = format!("{}:{}", f.name(), nl.index);
            match Plan::of(*f, l, &cfg, &doms) {
                Ok(_) => chosen.push(id),
                Err(e) => {
                    let why = match &e {
                        AdcError::Unsupported { reason, .. } => reason.clone(),
                        e => e.to_string(),
                    };
                    let at = nl
                        .location
                        .map(|l| format!(" (at {l})"))
                        .unwrap_or_default();
                    left.push(format!("loop {id}{at}: {why}"));
                }
            }
        }
    }
    (chosen, left)
}

/// The two state objects' types (see [`Plan::fields`]).
#[derive(Clone, Copy)]
struct StateTypes {
    numbers: Type,
    counts: Type,
}

/// A field of one of the state objects.
#[derive(Clone, Copy)]
struct Slot {
    count: bool,
    index: u32,
}

/// The exit code's field.
const CODE: Slot = Slot {
    count: true,
    index: 0,
};

/// The address of `slot` in the state objects `states` (numbers, counts).
fn slot_ptr(b: &Builder, st: StateTypes, states: (Value, Value), slot: Slot) -> Value {
    let (ty, base) = if slot.count {
        (st.counts, states.1)
    } else {
        (st.numbers, states.0)
    };
    Value(unsafe { LLVMBuildStructGEP2(b.raw(), ty.0, base.0, slot.index, c"".as_ptr()) })
}

struct Plan {
    f: Function,
    header: Block,
    preheader: Block,
    latch: Block,
    /// The loop's blocks, then exits that end in `unreachable` (a panic).
    region: IndexSet<Block>,
    /// Where the loop goes on (its exit blocks; code k + 1 is exits[k]).
    exits: Vec<Block>,
    phis: Vec<Value>,
    live_ptrs: Vec<Value>,
    live_ints: Vec<Value>,
    live_slots: Vec<Value>,
    escapes: Vec<Value>,
    exit_phis: Vec<Value>,
    /// Base pointers of the stores (live-in pointers or globals).
    bases: IndexSet<Value>,
    /// What the probe checks before an instruction: (operand of the
    /// pointer, its base); a store's or copy's destination, and reads of
    /// memory written after the loop.
    checks: IndexMap<Value, Vec<(u32, Value)>>,
    /// `None`: unknown at the entry, checkpointed online.
    trip: Option<TripCount>,
    escapes_at: IndexMap<Block, Vec<Value>>,
}

fn is_value_operand(o: Value) -> bool {
    (unsafe { LLVMValueIsBasicBlock(o.0) == 0 })
        && !matches!(
            o.kind(),
            llvm_sys::LLVMValueKind::LLVMMetadataAsValueValueKind
        )
}

impl Plan {
    fn of(
        f: Function,
        l: &SimpleLoop,
        cfg: &ControlFlowGraph,
        doms: &DominatorTree,
    ) -> Result<Plan> {
        let first = l
            .header
            .first_non_phi()
            .unwrap_or_else(|| l.header.terminator().expect("terminator"));
        let refuse = |inst: Value, why: &str| {
            AdcError::unsupported(inst, format!("cannot checkpoint this loop: {why}"))
        };
        let mut region: IndexSet<Block> = l.body.clone();
        let mut normal = Vec::new();
        for e in &l.exits {
            let dead = e
                .terminator()
                .is_some_and(|t| t.opcode() == Some(LLVMUnreachable))
                && e.instructions().iter().all(|i| i.opcode() != Some(LLVMPHI));
            if dead {
                region.insert(*e);
            } else {
                normal.push(*e);
            }
        }
        if LoopAnalysis::compute(cfg).in_loop(l.preheader) {
            return Err(refuse(
                first,
                "it is inside another loop (checkpoint the outer loop, or a loop that runs once \
                 per call)",
            ));
        }
        if normal.is_empty() {
            return Err(refuse(first, "it never ends (no exit but a panic)"));
        }
        let exits = normal;
        // Offline only when the latch is the one way out.
        let only_latch = exits.len() == 1
            && cfg.predecessors(exits[0]).iter().all(|p| *p == l.latch)
            && l.latch.successors().contains(&exits[0]);
        let phis: Vec<Value> = l
            .header
            .instructions()
            .into_iter()
            .filter(|i| i.opcode() == Some(LLVMPHI))
            .collect();
        for p in &phis {
            if p.ty().contains_pointer() {
                return Err(refuse(
                    *p,
                    "a pointer changes from one iteration to the next (a swap of two \
                     buffers?); checkpointing needs the loop's state to be numbers and memory: \
                     copy the new values into the old buffer instead",
                ));
            }
        }
        let mut live: IndexSet<Value> = IndexSet::new();
        let mut escapes: IndexSet<Value> = IndexSet::new();
        let mut exit_phis = Vec::new();
        let mut bases = IndexSet::new();
        let mut checks: IndexMap<Value, Vec<(u32, Value)>> = IndexMap::new();
        for b in &region {
            for i in b.instructions() {
                let op = i.opcode().expect("instruction");
                match op {
                    LLVMAlloca => {
                        return Err(refuse(i, "it allocates a stack object in each iteration"))
                    }
                    LLVMInvoke | LLVMCallBr => {
                        return Err(refuse(i, "it has a call that may unwind (an invoke)"))
                    }
                    LLVMAtomicRMW | LLVMAtomicCmpXchg => {
                        return Err(refuse(i, "it has an atomic operation"))
                    }
                    LLVMStore => {
                        if unsafe { LLVMGetOrdering(i.0) }
                            != llvm_sys::LLVMAtomicOrdering::LLVMAtomicOrderingNotAtomic
                        {
                            return Err(refuse(i, "it has an atomic store"));
                        }
                        let r = root(i.operand(1), &region).ok_or_else(|| {
                            refuse(
                                i,
                                "adc cannot tell which object this store writes (its address is not \
                                 one pointer from outside the loop plus an offset)",
                            )
                        })?;
                        bases.insert(r);
                        checks.entry(i).or_default().push((1, r));
                    }
                    LLVMCall => {
                        let Some(c) = i.called_function() else {
                            return Err(refuse(i, "it calls through a function pointer"));
                        };
                        if is_mem_write_intrinsic(c) {
                            let r = root(i.operand(0), &region).ok_or_else(|| {
                                refuse(i, "adc cannot tell which object this copy or fill writes")
                            })?;
                            bases.insert(r);
                            checks.entry(i).or_default().push((0, r));
                        } else if crate::ir::heap::HeapFn::of(i).is_some() {
                            return Err(refuse(
                                i,
                                "it allocates or frees memory in each iteration",
                            ));
                        } else if !c.is_intrinsic()
                            && crate::analysis::memory::may_write_user_memory(i, c)
                            && !crate::rules::custom::is_inactive(c)
                        {
                            return Err(refuse(
                                i,
                                &format!(
                                    "the call of `{}` may write memory adc does not see, and a \
                                     snapshot must hold everything an iteration changes (let the \
                                     compiler inline it)",
                                    c.name()
                                ),
                            ));
                        } else if c.is_intrinsic()
                            && !c.name().starts_with("llvm.dbg")
                            && !c.name().starts_with("llvm.lifetime")
                            && crate::analysis::memory::may_write_user_memory(i, c)
                            && !matches!(
                                c.name().as_str(),
                                "llvm.assume" | "llvm.experimental.noalias.scope.decl"
                            )
                        {
                            return Err(refuse(
                                i,
                                &format!("the intrinsic `{}` may write memory", c.name()),
                            ));
                        }
                    }
                    _ => {}
                }
                for k in 0..i.num_operands() {
                    let o = i.operand(k);
                    if !is_value_operand(o) {
                        continue;
                    }
                    let outside = (o.is_instruction() && !region.contains(&o.parent_block()))
                        || o.is_argument();
                    if !outside {
                        continue;
                    }
                    // A header phi's start is stored into its slot.
                    if op == LLVMPHI && b == &l.header {
                        continue;
                    }
                    live.insert(o);
                }
                for u in i.users() {
                    if !u.is_instruction() || region.contains(&u.parent_block()) {
                        continue;
                    }
                    if u.opcode() == Some(LLVMPHI) && exits.contains(&u.parent_block()) {
                        continue;
                    }
                    escapes.insert(i);
                }
            }
        }
        for e in &exits {
            for p in e
                .instructions()
                .into_iter()
                .filter(|i| i.opcode() == Some(LLVMPHI))
            {
                exit_phis.push(p);
            }
        }
        for v in escapes.iter().chain(&exit_phis) {
            if v.ty().contains_pointer() {
                return Err(refuse(
                    *v,
                    "a pointer computed in the loop is used after it",
                ));
            }
        }
        let mut live_ptrs = Vec::new();
        let mut live_ints = Vec::new();
        let mut live_slots = Vec::new();
        for v in live {
            let t = v.ty();
            if t.is_pointer() {
                live_ptrs.push(v);
            } else if t.is_integer() {
                live_ints.push(v);
            } else if t.contains_pointer() {
                return Err(refuse(
                    first,
                    &format!("the loop reads {} from outside it", v.print()),
                ));
            } else {
                live_slots.push(v);
            }
        }
        let hazards = read_memory_written_later(l, &region, &exits).map_err(|w| {
            refuse(
                w,
                "this free after the loop may release memory the loop reads or writes, which \
                 the reverse sweep recomputes iterations from and restores; free it at the end \
                 of the function",
            )
        })?;
        for b in &region {
            for i in b.instructions() {
                let Some(p) = read_pointer(i) else { continue };
                let sources = crate::analysis::types::pointer_sources(p);
                if !sources.iter().any(|s| hazards.contains(s)) {
                    continue;
                }
                let r = root(p, &region).ok_or_else(|| {
                    refuse(
                        i,
                        "code after the loop may write the memory this load reads, and adc cannot \
                         tell which object it reads (to keep it in the snapshots)",
                    )
                })?;
                bases.insert(r);
                checks.entry(i).or_default().push((read_index(i), r));
            }
        }
        // Without a trip count (a while loop, a break): online.
        let trip = if only_latch {
            trip_count(l, &phis, exits[0], &region)
        } else {
            None
        };
        let mut escapes_at = IndexMap::new();
        for b in &region {
            if b.successors().iter().any(|s| exits.contains(s)) {
                let here: Vec<Value> = escapes
                    .iter()
                    .copied()
                    .filter(|v| doms.dominates(v.parent_block(), *b))
                    .collect();
                escapes_at.insert(*b, here);
            }
        }
        Ok(Plan {
            f,
            header: l.header,
            preheader: l.preheader,
            latch: l.latch,
            region,
            exits,
            phis,
            live_ptrs,
            live_ints,
            live_slots,
            escapes: escapes.into_iter().collect(),
            exit_phis,
            bases,
            checks,
            trip,
            escapes_at,
        })
    }

    /// The state's fields: phis, read-only numbers, escaping values, exit
    /// phis, each in the numbers object or (integers) in the counts one,
    /// whose first field is the exit code. Apart, each object holds one
    /// kind of data for the type analysis.
    fn fields(&self) -> impl Iterator<Item = &Value> {
        self.phis
            .iter()
            .chain(&self.live_slots)
            .chain(&self.escapes)
            .chain(&self.exit_phis)
    }

    fn state_types(&self, ctx: llvm_sys::prelude::LLVMContextRef) -> StateTypes {
        let mut numbers = Vec::new();
        let mut counts = vec![Type::i32(ctx)];
        for v in self.fields() {
            if v.ty().scalar().is_integer() {
                counts.push(v.ty());
            } else {
                numbers.push(v.ty());
            }
        }
        StateTypes {
            numbers: Type::struct_of(ctx, &numbers),
            counts: Type::struct_of(ctx, &counts),
        }
    }

    fn slot_of(&self, v: Value) -> Slot {
        let count = v.ty().scalar().is_integer();
        let before = self
            .fields()
            .take_while(|x| **x != v)
            .filter(|x| x.ty().scalar().is_integer() == count)
            .count() as u32;
        Slot {
            count,
            index: before + u32::from(count),
        }
    }

    fn build(
        &self,
        m: llvm_sys::prelude::LLVMModuleRef,
        name: &str,
        snapshots: u32,
        budget: u64,
        shown: &str,
    ) -> Result<()> {
        let ctx = unsafe { LLVMGetModuleContext(m) };
        let (ptr, i32t, i64t, void) = (
            Type::ptr(ctx),
            Type::i32(ctx),
            Type::i64(ctx),
            Type::void(ctx),
        );
        let st = self.state_types(ctx);
        let mut params = vec![ptr, ptr];
        params.extend(self.live_ptrs.iter().map(|v| v.ty()));
        params.extend(self.live_ints.iter().map(|v| v.ty()));
        let step = add_function(m, &format!("{name}.step"), Type::function(i32t, &params));
        step.set_internal();
        self.body(m, step, st, None);
        let mut probe_params = vec![ptr];
        probe_params.extend(params.iter().copied());
        let probe = add_function(
            m,
            &format!("{name}.probe"),
            Type::function(i32t, &probe_params),
        );
        probe.set_internal();
        let grow = get_or_declare(
            m,
            "adc_ckpt_grow",
            Type::function(void, &[ptr, i64t, ptr, i64t]),
        );
        self.body(m, probe, st, Some(grow));

        // The loop as a function: the primal calls it.
        let mut lparams = params.clone();
        lparams.push(i64t);
        let lf = add_function(m, name, Type::function(void, &lparams));
        lf.set_internal();
        lf.add_fn_attr("noinline");
        step.add_fn_attr("noinline");
        let b = Builder::new(ctx);
        let entry = lf.append_block(ctx, "entry");
        let body = lf.append_block(ctx, "iteration");
        let done = lf.append_block(ctx, "done");
        b.position_at_end(entry);
        b.br(body);
        b.position_at_end(body);
        let ps = lf.params();
        let code = b.call(step, &ps[..params.len()]);
        let go_on = b.icmp(LLVMIntEQ, code, i32t.const_int(0));
        b.cond_br(go_on, body, done);
        b.position_at_end(done);
        b.ret_void();
        let aug = super::driver::forward_sweep(
            m,
            name,
            &params,
            probe,
            self.bases.len() + 2,
            super::driver::Snapshots { snapshots, budget },
            shown,
        );
        lf.set_string_attr(LOOP_ATTR, &snapshots.to_string());
        lf.set_string_attr(STEP_ATTR, &step.name());
        lf.set_string_attr(AUG_ATTR, &aug.name());
        lf.set_string_attr(WHERE_ATTR, shown);
        self.rewrite(lf, st);
        Ok(())
    }

    /// One iteration into `g` (the step, or with `grow` the probe).
    fn body(
        &self,
        m: llvm_sys::prelude::LLVMModuleRef,
        g: Function,
        st: StateTypes,
        grow: Option<Function>,
    ) {
        let ctx = unsafe { LLVMGetModuleContext(m) };
        let (i32t, i64t, ptr) = (Type::i32(ctx), Type::i64(ctx), Type::ptr(ctx));
        let b = Builder::new(ctx);
        let entry = g.append_block(ctx, "entry");
        b.position_at_end(entry);
        let gp = g.params();
        let (probe_ctx, rest) = match grow {
            Some(_) => (Some(gp[0]), &gp[1..]),
            None => (None, &gp[..]),
        };
        let states = (rest[0], rest[1]);
        let field = |b: &Builder, slot: Slot| slot_ptr(b, st, states, slot);
        let mut pm = PrimalMap::default();
        let bounds = probe_ctx.map(|c| b.load(ptr, c));
        let td = unsafe { llvm_sys::target::LLVMGetModuleDataLayout(m) };
        let store_size = |t: Type| unsafe { llvm_sys::target::LLVMStoreSizeOfType(td, t.0) } as i64;
        // (the probe) Check [p, p + size) against base k's hull.
        let check = |b: &Builder, k: usize, p: Value, size: Value| -> Block {
            let (c, bounds) = (probe_ctx.expect("probe"), bounds.expect("probe"));
            let a = Value(unsafe { LLVMBuildPtrToInt(b.raw(), p.0, i64t.0, c"".as_ptr()) });
            let size = if size.ty().int_width() < 64 {
                b.cast(LLVMOpcode::LLVMZExt, size, i64t)
            } else {
                size
            };
            let e = b.add(a, size);
            let lo = b.load(i64t, b.gep(i64t, bounds, i64t.const_int(2 * k as i64)));
            let hi = b.load(i64t, b.gep(i64t, bounds, i64t.const_int(2 * k as i64 + 1)));
            let below = b.icmp(LLVMIntULT, a, lo);
            let above = b.icmp(LLVMIntUGT, e, hi);
            let bad = Value(unsafe { LLVMBuildOr(b.raw(), below.0, above.0, c"".as_ptr()) });
            let grow_bb = g.append_block(ctx, "grow");
            let cont = g.append_block(ctx, "stored");
            b.cond_br(bad, grow_bb, cont);
            b.position_at_end(grow_bb);
            b.call(
                grow.expect("probe"),
                &[c, i64t.const_int(k as i64), p, size],
            );
            b.br(cont);
            b.position_at_end(cont);
            cont
        };
        if grow.is_some() {
            for (k, (ty, p)) in [(st.numbers, states.0), (st.counts, states.1)]
                .into_iter()
                .enumerate()
            {
                if store_size(ty) > 0 {
                    check(&b, k, p, i64t.const_int(store_size(ty)));
                }
            }
        }
        for p in &self.phis {
            let v = b.load(p.ty(), field(&b, self.slot_of(*p)));
            pm.values.insert(*p, v);
        }
        for v in &self.live_slots {
            let x = b.load(v.ty(), field(&b, self.slot_of(*v)));
            pm.values.insert(*v, x);
        }
        for (v, p) in self.live_ptrs.iter().chain(&self.live_ints).zip(&rest[2..]) {
            pm.values.insert(*v, *p);
        }
        let pre_end = b.insert_block();
        let blocks: Vec<Block> = self.region.iter().copied().collect();
        for bb in &blocks {
            pm.blocks.insert(*bb, g.append_block(ctx, &bb.name()));
        }
        b.position_at_end(pre_end);
        b.br(pm.blocks[&self.header]);
        // Back edge: the next header values, then "go on".
        let next = g.append_block(ctx, "next");
        b.position_at_end(next);
        let nexts: Vec<(Value, Value)> = self
            .phis
            .iter()
            .map(|p| (*p, p.incoming_from(self.latch).expect("latch value")))
            .collect();
        let mut next_fill = Vec::new();
        for (p, _) in &nexts {
            next_fill.push((*p, field(&b, self.slot_of(*p))));
        }
        let next_pos = b.store(i32t.const_int(0), field(&b, CODE));
        b.ret(i32t.const_int(0));
        // Clone in the function's order (definitions before uses but phis').
        let cfg = ControlFlowGraph::compute(self.f);
        let order: Vec<Block> = cfg
            .reverse_post_order()
            .iter()
            .copied()
            .filter(|x| self.region.contains(x))
            .collect();
        let mut phis = Vec::new();
        let mut ends: IndexMap<Block, Block> = IndexMap::new();
        for bb in &order {
            b.position_at_end(pm.blocks[bb]);
            for i in bb.instructions() {
                if self.phis.contains(&i) {
                    continue;
                }
                match i.opcode() {
                    Some(LLVMPHI) => {
                        let p = b.phi(i.ty(), &i.name());
                        pm.values.insert(i, p);
                        phis.push((i, p));
                        continue;
                    }
                    _ if grow.is_some() && self.checks.contains_key(&i) => {
                        for (idx, r) in &self.checks[&i] {
                            let k = 2 + self.bases.get_index_of(r).expect("base");
                            let p = pm.get(i.operand(*idx));
                            let size = match i.opcode() {
                                Some(LLVMStore) => i64t.const_int(store_size(i.operand(0).ty())),
                                Some(LLVMLoad) => i64t.const_int(store_size(i.ty())),
                                _ => pm.get(i.operand(2)),
                            };
                            check(&b, k, p, size);
                        }
                    }
                    _ => {}
                }
                if i.opcode()
                    .is_some_and(|o| matches!(o, LLVMCondBr | LLVMUncondBr | LLVMSwitch))
                {
                    // Leaving the iteration: back to the header, or out.
                    let succs = bb.successors();
                    let leaving: Vec<(Block, Block)> = self
                        .exits
                        .iter()
                        .filter(|e| succs.contains(e))
                        .map(|e| (*e, self.exit_block(&b, g, *bb, *e, st, states, &pm)))
                        .collect();
                    let mut saved: Vec<(Block, Option<Block>)> =
                        vec![(self.header, pm.blocks.get(&self.header).copied())];
                    saved.extend(self.exits.iter().map(|x| (*x, pm.blocks.get(x).copied())));
                    pm.blocks.insert(self.header, next);
                    for (e, to) in leaving {
                        pm.blocks.insert(e, to);
                    }
                    pm.clone_at(&b, i);
                    for (x, old) in saved {
                        match old {
                            Some(o) => pm.blocks.insert(x, o),
                            None => pm.blocks.shift_remove(&x),
                        };
                    }
                    continue;
                }
                pm.clone_at(&b, i);
            }
            ends.insert(*bb, b.insert_block());
        }
        for (src, p) in phis {
            for k in 0..src.count_incoming() {
                let (v, pred) = src.incoming(k);
                p.add_incoming(pm.get(v), ends[&pred]);
            }
        }
        b.position_before(next_pos);
        for ((_, v), (_, slot)) in nexts.iter().zip(next_fill) {
            b.store(pm.get(*v), slot);
        }
    }

    /// The block that leaves the iteration from `from` by the loop's exit:
    /// the values the code after the loop uses, the exit's phis, the code.
    /// (Cloning goes in reverse post-order, so what dominates `from` has
    /// its copy already.)
    #[allow(clippy::too_many_arguments)]
    fn exit_block(
        &self,
        b: &Builder,
        g: Function,
        from: Block,
        to: Block,
        st: StateTypes,
        states: (Value, Value),
        pm: &PrimalMap,
    ) -> Block {
        let ctx = b.context();
        let here = b.insert_block();
        let e = g.append_block(ctx, "leave");
        b.position_at_end(e);
        let field = |slot: Slot| slot_ptr(b, st, states, slot);
        for v in &self.escapes_at[&from] {
            b.store(pm.get(*v), field(self.slot_of(*v)));
        }
        for p in self.exit_phis.iter().filter(|p| p.parent_block() == to) {
            let v = p.incoming_from(from).expect("exit phi value");
            b.store(pm.get(v), field(self.slot_of(*p)));
        }
        let k = 1 + self.exits.iter().position(|e| *e == to).expect("an exit") as i64;
        b.store(Type::i32(ctx).const_int(k), field(CODE));
        b.ret(Type::i32(ctx).const_int(k));
        b.position_at_end(here);
        e
    }

    /// Replace the loop in `f` by a call of `lf`.
    fn rewrite(&self, lf: Function, st: StateTypes) {
        let ctx = lf.fn_type().context();
        let b = Builder::new(ctx);
        let entry = self.f.entry();
        match entry.first_non_phi() {
            Some(i) => b.position_before(i),
            None => b.position_at_end(entry),
        }
        let states = (b.alloca(st.numbers), b.alloca(st.counts));
        states.0.set_name("ckpt.numbers");
        states.1.set_name("ckpt.counts");
        // The edge into the loop now goes to the call.
        let term = self.preheader.terminator().expect("terminator");
        let call_bb = self.f.append_block(ctx, "ckpt.loop");
        unsafe {
            for k in 0..LLVMGetNumSuccessors(term.0) {
                if LLVMGetSuccessor(term.0, k) == self.header.0 {
                    LLVMSetSuccessor(term.0, k, call_bb.0);
                }
            }
        }
        b.position_at_end(call_bb);
        unsafe {
            let first = self.header.first_non_phi().unwrap_or(term);
            LLVMSetCurrentDebugLocation2(
                b.raw(),
                llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(first.0),
            );
        }
        let field = |b: &Builder, slot: Slot| slot_ptr(b, st, states, slot);
        for p in &self.phis {
            let v = p.incoming_from(self.preheader).expect("preheader value");
            b.store(v, field(&b, self.slot_of(*p)));
        }
        for v in &self.live_slots {
            b.store(*v, field(&b, self.slot_of(*v)));
        }
        // (-1: not known, online)
        let trips = match &self.trip {
            Some(t) => t.emit(&b),
            None => Type::i64(ctx).const_int(-1),
        };
        let mut args = vec![states.0, states.1];
        args.extend(self.live_ptrs.iter().copied());
        args.extend(self.live_ints.iter().copied());
        args.push(trips);
        b.call(lf, &args);
        for v in self.escapes.iter().chain(&self.exit_phis) {
            let x = b.load(v.ty(), field(&b, self.slot_of(*v)));
            if self.exit_phis.contains(v) {
                v.replace_all_uses_with(x);
            } else {
                for u in v.users() {
                    if u.is_instruction() && !self.region.contains(&u.parent_block()) {
                        for k in 0..u.num_operands() {
                            if u.operand(k) == *v {
                                u.set_operand(k, x);
                            }
                        }
                    }
                }
            }
        }
        if let [only] = self.exits.as_slice() {
            b.br(*only);
        } else {
            let code = b.load(Type::i32(ctx), field(&b, CODE));
            let cases: Vec<(Value, Block)> = self
                .exits
                .iter()
                .enumerate()
                .skip(1)
                .map(|(k, e)| (Type::i32(ctx).const_int(k as i64 + 1), *e))
                .collect();
            b.switch(code, self.exits[0], &cases);
        }
        for p in &self.exit_phis {
            p.erase();
        }
        unsafe { LLVMSetCurrentDebugLocation2(b.raw(), std::ptr::null_mut()) };
        // The loop's blocks are unreachable now.
        for bb in &self.region {
            for i in bb.instructions() {
                if !i.ty().is_void() {
                    i.replace_all_uses_with(i.ty().poison());
                }
            }
        }
        for bb in &self.region {
            unsafe { LLVMDeleteBasicBlock(bb.0) };
        }
    }
}
