//! Reverse mode: adjoint synthesis with a tape.
//!
//! `FN_grad` runs an augmented copy of the primal (the forward sweep) and then
//! an adjoint sweep over the reversed CFG. Each active value has an adjoint
//! slot (an alloca; O2's SROA turns slots back into SSA). Each source block B
//! has a reverse block rB that undoes B's active instructions in reverse
//! order, using the table's partial derivatives, then moves the adjoints of
//! B's phis to the incoming values of the edge the forward run took, and
//! branches to the reverse block of that predecessor.
//!
//! What rB needs from the forward run (operands of partials, shadow pointers,
//! which predecessor was taken) is planned per block ([`Need`]):
//! - values of the entry block, arguments and constants are used directly;
//! - values defined in blocks that run at most once go to a stack slot;
//! - values defined in loops are pushed on the tape at the end of each
//!   execution of B and popped at the start of rB. The tape is a LIFO of
//!   per-block bundles, so loops with unknown trip counts, nested loops and
//!   any branching need no index arithmetic.
//!
//! Calls to functions of the module run in split mode: the forward sweep
//! calls the callee's augmented primal, which pushes its bundles on the
//! caller's tape; the reverse sweep calls the callee's adjoint, which pops
//! them (the tape is LIFO, so callee bundles nest between the caller's).
//! Callees with stack objects fall back to a gradient that recomputes their
//! forward run, since their shadow stack would die with the augmented primal.
//!
//! The planning (what each reverse block needs and where it is kept) is in
//! `plan.rs`; the tape's runtime helpers in `tape.rs` / `tape.ll`.

mod atomics;
mod custom_call;
mod parallel;
mod plan;
mod snapshot;
pub mod tape;
mod tape_blocks;

use crate::analysis::activity::{underlying_alloca, HeapFn};
use crate::analysis::memory::MemoryWrites;
use crate::analysis::types::{MemoryType, TypeAnalysis};
use crate::analysis::{ActivityAnalysis, ControlFlowGraph, DominatorTree, LoopAnalysis};
use crate::checkpoint::driver as checkpoint;
use crate::error::{AdcError, Result};
use crate::ir::clone::{zeroed_shadow_alloca, PrimalMap};
use crate::ir::constant_tables::{
    edge_taken, fallback_shadow, select_taken, TableShadow, NO_SHADOW,
};
use crate::ir::heap::{free_shadow, kept_bytes, realloc_shadow, zeroed_shadow, Side};
use crate::ir::{add_function, Block, Builder, Function, Type, Value};
use crate::rules::emit::{emit, needs_strong_zero, partial_term, ExprEnv};
use crate::rules::runtime::{is_runtime_routine, runtime_form, RuntimeForm};
use crate::rules::{lookup_callee, lookup_opcode, Expr, Rule};
use crate::signature::{add_derived, params_with_twins, Activity};
use custom_call::{custom_tape_type, is_custom_call};

fn is_dup(a: Activity) -> bool {
    matches!(a, Activity::Dup | Activity::DupNoNeed)
}
use indexmap::{IndexMap, IndexSet};
use llvm_sys::prelude::{LLVMContextRef, LLVMModuleRef};
use llvm_sys::target::{LLVMABISizeOfType, LLVMGetModuleDataLayout};
use llvm_sys::LLVMOpcode;
use tape::TapeFns;
use tape_blocks::is_tape_move;

/// The signature of a gradient function.
#[derive(Clone, Debug)]
pub struct GradSignature {
    pub params: Vec<Activity>,
    /// A seed `d_ret` follows the parameters (the result is floating point).
    pub seeded_return: bool,
    /// Indices of the parameters whose adjoints are returned, in order.
    pub adjoints: Vec<usize>,
}

/// Builds gradient functions for a module, caching them per (function, activity).
pub struct ReverseSynth {
    module: LLVMModuleRef,
    ctx: LLVMContextRef,
    done: IndexMap<(Function, Vec<Activity>), (Function, GradSignature)>,
    split_done: IndexMap<(Function, Vec<Activity>), SplitPair>,
    /// (source, activity, function to build, its augmented primal in split mode)
    pending: Vec<(Function, Vec<Activity>, Function, Option<Function>)>,
    tape: Option<TapeFns>,
    /// `--type-hint`: the float type of memory the type analysis cannot decide.
    pub type_hint: Option<TypeHint>,
    /// Reverse vector mode (vector.rs batches the gradients): adjoint slots
    /// and shadows are marked as lane objects, one per lane.
    pub lanes: bool,
    /// Functions called inside OpenMP regions (reverse/parallel.rs): their
    /// split pairs run on every thread, so their adjoints of shared memory
    /// add up atomically too. With the pairs already built when they were
    /// asked for from a region (then too late: refused).
    parallel_callees: IndexSet<Function>,
    built: IndexSet<Function>,
}

pub use crate::analysis::types::{MemoryHint, TypeHint};

/// Split mode for calls: the callee's augmented primal runs its forward sweep
/// and pushes what its adjoint needs on the caller's tape; the callee's
/// adjoint pops it. The tape is LIFO, so the callee's bundles nest between
/// the caller's and nothing is recomputed.
#[derive(Clone, Copy, Debug)]
pub struct SplitPair {
    /// `aug(params, shadows, tape) -> result`
    pub aug: Function,
    /// `rev(params, shadows, [d_ret], tape) -> adjoints`
    pub rev: Function,
}

/// Callees whose stack objects have a fixed size run in split mode. A
/// callee's stack dies with its augmented primal, and with it the shadows
/// of its stack objects: its reverse function gives each a zero-filled twin
/// (the object is dead after the call, so the adjoints of its contents
/// start at zero; split mode tapes loads, so nothing reads the old shadow).
fn split_eligible(f: Function) -> bool {
    !f.is_declaration()
        && f.blocks()
            .into_iter()
            .flat_map(|b| b.instructions())
            .filter(|i| i.opcode() == Some(LLVMOpcode::LLVMAlloca))
            .all(|a| a.operand(0).is_constant())
}

/// Per-call tape statistics of one gradient function, for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct TapeStats {
    pub function: String,
    /// Bytes pushed per execution of each block that pushes (in loops).
    pub pushed_per_block: Vec<(String, u64)>,
    /// What each of those blocks pushes, one line per value (`--stats`).
    pub pushed_values: Vec<(String, Vec<String>)>,
    /// Values kept in stack slots (blocks that run once).
    pub slots: usize,
    /// Values (and branch records) pushed on the tape.
    pub taped: usize,
    /// Values recomputed in the reverse sweep instead of stored.
    pub recomputed: usize,
    /// Work arrays copied to the tape once per loop iteration, one line each.
    pub snapshots: Vec<String>,
}

impl ReverseSynth {
    pub fn new(module: LLVMModuleRef, ctx: LLVMContextRef) -> Self {
        ReverseSynth {
            module,
            ctx,
            done: IndexMap::new(),
            split_done: IndexMap::new(),
            pending: Vec::new(),
            tape: None,
            type_hint: None,
            lanes: false,
            parallel_callees: IndexSet::new(),
            built: IndexSet::new(),
        }
    }

    /// Every split pair made so far: (source, activity, pair).
    pub fn split_pairs(&self) -> Vec<(Function, Vec<Activity>, SplitPair)> {
        self.split_done
            .iter()
            .map(|((f, acts), p)| (*f, acts.clone(), *p))
            .collect()
    }

    /// The split pair of `f` under `acts`, if `f` can run in split mode.
    pub fn split_of(&mut self, f: Function, acts: &[Activity]) -> Option<SplitPair> {
        if !split_eligible(f) {
            return None;
        }
        let key = (f, acts.to_vec());
        if let Some(p) = self.split_done.get(&key) {
            return Some(*p);
        }
        let ptr = Type::ptr(self.ctx);
        let params = f.params();
        let ret = f.return_type();
        let ptys = params_with_twins(f, acts, is_dup);
        let mut aug_tys = ptys.clone();
        aug_tys.push(ptr);
        let mut rev_tys = ptys;
        if ret.contains_float() {
            rev_tys.push(ret);
        }
        rev_tys.push(ptr);
        let adjoints: Vec<usize> = (0..acts.len())
            .filter(|i| acts[*i] == Activity::Active)
            .collect();
        // A pointer result (or a struct holding one) comes back with its
        // shadow.
        let aug_ret = if ret.contains_pointer() {
            Type::struct_of(self.ctx, &[ret, ret])
        } else {
            ret
        };
        let aug = add_derived(f, "aug", acts, Type::function(aug_ret, &aug_tys));
        let rev_ty = Type::function(adjoint_return_type(self.ctx, &params, &adjoints), &rev_tys);
        let rev = add_derived(f, "split_rev", acts, rev_ty);
        let pair = SplitPair { aug, rev };
        self.split_done.insert(key, pair);
        self.pending.push((f, acts.to_vec(), rev, Some(aug)));
        Some(pair)
    }

    /// The gradient function of `f` under `acts` (built by [`ReverseSynth::finish`]).
    pub fn gradient_of(&mut self, f: Function, acts: &[Activity]) -> (Function, GradSignature) {
        let key = (f, acts.to_vec());
        if let Some(d) = self.done.get(&key) {
            return d.clone();
        }
        let ret = f.return_type();
        let seeded = ret.contains_float();
        let params = f.params();
        let mut ptys = params_with_twins(f, acts, is_dup);
        if seeded {
            ptys.push(ret);
        }
        let adjoints: Vec<usize> = acts
            .iter()
            .enumerate()
            .filter(|(_, a)| **a == Activity::Active)
            .map(|(i, _)| i)
            .collect();
        let rty = adjoint_return_type(self.ctx, &params, &adjoints);
        let g = add_derived(f, "rev", acts, Type::function(rty, &ptys));
        let sig = GradSignature {
            params: acts.to_vec(),
            seeded_return: seeded,
            adjoints,
        };
        self.done.insert(key, (g, sig.clone()));
        self.pending.push((f, acts.to_vec(), g, None));
        (g, sig)
    }

    /// Build all declared gradient functions; returns tape statistics.
    pub fn finish(&mut self) -> Result<Vec<TapeStats>> {
        let mut stats = Vec::new();
        while let Some((f, acts, g, aug)) = self.pending.pop() {
            let sig = grad_signature(f, &acts);
            crate::analysis::unsupported::refuse_threads(f)?;
            crate::analysis::unsupported::refuse_caught_exceptions(f)?;
            let src = crate::ir::source_copy::source_of(f, self.type_hint.as_ref())?;
            self.built.insert(f);
            stats.push(AdjointBuilder::new(self, src, g, sig, aug).build()?);
        }
        Ok(stats)
    }

    /// The public `NAME_grad` with DESIGN.md's signature. Three or more
    /// adjoints are returned through a leading `sret` pointer, as the C ABI
    /// returns a struct of three or more doubles.
    pub fn public_wrapper(
        &mut self,
        f: Function,
        acts: &[Activity],
        name: &str,
    ) -> Result<Function> {
        let (g, sig) = self.gradient_of(f, acts);
        let inner = g.fn_type();
        let ret = Type(unsafe { llvm_sys::core::LLVMGetReturnType(inner.0) });
        let b = Builder::new(self.ctx);
        if sig.adjoints.len() >= 3 {
            let mut ptys = vec![Type::ptr(self.ctx)];
            ptys.extend(inner.params());
            let w = add_function(
                self.module,
                name,
                Type::function(Type::void(self.ctx), &ptys),
            );
            unsafe {
                let kind = llvm_sys::core::LLVMGetEnumAttributeKindForName(c"sret".as_ptr(), 4);
                let attr = llvm_sys::core::LLVMCreateTypeAttribute(self.ctx, kind, ret.0);
                llvm_sys::core::LLVMAddAttributeAtIndex(w.raw(), 1, attr);
            }
            b.position_at_end(w.append_block(self.ctx, "entry"));
            crate::ir::globals::clear_shadows_for(&b, f);
            let ps = w.params();
            let r = b.call(g, &ps[1..]);
            b.store(r, ps[0]);
            b.ret_void();
            Ok(w)
        } else {
            let w = add_function(self.module, name, Type::function(ret, &inner.params()));
            b.position_at_end(w.append_block(self.ctx, "entry"));
            crate::ir::globals::clear_shadows_for(&b, f);
            let r = b.call(g, &w.params());
            if ret.is_void() {
                b.ret_void();
            } else {
                b.ret(r);
            }
            Ok(w)
        }
    }

    /// The tape helpers, linked into the module on first use.
    pub fn tape_fns(&mut self) -> Result<TapeFns> {
        if self.tape.is_none() {
            self.tape = Some(tape::link(self.module, self.ctx)?);
        }
        Ok(self.tape.expect("tape linked"))
    }
}

fn grad_signature(f: Function, acts: &[Activity]) -> GradSignature {
    GradSignature {
        params: acts.to_vec(),
        seeded_return: f.return_type().contains_float(),
        adjoints: (0..acts.len())
            .filter(|i| acts[*i] == Activity::Active)
            .collect(),
    }
}

fn adjoint_return_type(ctx: LLVMContextRef, params: &[Value], adjoints: &[usize]) -> Type {
    match adjoints {
        [] => Type::void(ctx),
        [i] => params[*i].ty(),
        many => {
            let tys: Vec<Type> = many.iter().map(|i| params[*i].ty()).collect();
            Type::struct_of(ctx, &tys)
        }
    }
}

/// A value the reverse block of a source block needs from the forward run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Need {
    Primal(Value),
    Shadow(Value),
    /// Which predecessor the forward run entered the block from.
    PredIndex(Block),
    /// The tape length when the loop with this header was entered, kept at
    /// its exits: the reverse header is in the loop's first iteration when
    /// the tape is back to that length (no per-iteration branch record).
    LoopEntry(Block),
    /// The tape an adc-runtime routine's `_aug` returned at this call.
    CallTape(Value),
    /// The shadow pointer this store of a pointer overwrote in memory the
    /// function does not own: its reverse puts it back (the caller's
    /// shadow of a Vec grown inside must point to its own buffer again).
    OldShadow(Value),
}

impl Need {
    /// One line for `--stats`: what is kept and why it is needed.
    fn describe(&self) -> String {
        match self {
            Need::Primal(v) => format!("value     {}", v.print()),
            Need::Shadow(v) => format!("shadow of {}", v.print()),
            Need::PredIndex(b) => format!("which predecessor entered block {}", b.label()),
            Need::LoopEntry(b) => format!("tape length at entry of the loop at {}", b.label()),
            Need::CallTape(c) => format!("rule's or runtime's tape of {}", c.print()),
            Need::OldShadow(s) => format!("shadow pointer overwritten by {}", s.print()),
        }
    }
}

/// Where a needed value is kept between the sweeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    Slot,
    Tape,
    /// Recomputed in the reverse block from its own (kept) operands:
    /// address arithmetic, integer ops, casts, and loads of memory that
    /// nothing after them writes (see [`MemoryWrites`]).
    Recompute,
}

fn is_extremum(inst: Value) -> bool {
    inst.called_function()
        .is_some_and(|f| crate::forward::is_vector_reduce_extremum(&f.name()))
}

fn is_mem_intrinsic(inst: Value) -> bool {
    inst.called_function().is_some_and(|f| {
        let n = f.name();
        n.starts_with("llvm.memcpy")
            || n.starts_with("llvm.memmove")
            || n.starts_with("llvm.memset")
    })
}

/// Cheap pure operations worth recomputing instead of taping.
fn is_cheap_pure(op: LLVMOpcode) -> bool {
    use LLVMOpcode::*;
    matches!(
        op,
        LLVMGetElementPtr
            | LLVMBitCast
            | LLVMAddrSpaceCast
            | LLVMTrunc
            | LLVMZExt
            | LLVMSExt
            | LLVMSIToFP
            | LLVMUIToFP
            | LLVMFPToSI
            | LLVMFPToUI
            | LLVMFPExt
            | LLVMFPTrunc
            | LLVMPtrToInt
            | LLVMIntToPtr
            | LLVMAdd
            | LLVMSub
            | LLVMMul
            | LLVMShl
            | LLVMLShr
            | LLVMAShr
            | LLVMAnd
            | LLVMOr
            | LLVMXor
            | LLVMICmp
            | LLVMInsertElement
            | LLVMExtractElement
            | LLVMShuffleVector
    )
}

fn is_lifetime_marker(inst: Value) -> bool {
    inst.called_function()
        .is_some_and(|f| f.is_intrinsic() && f.name().starts_with("llvm.lifetime"))
}

/// A call of an adc-runtime routine (see [`crate::rules::runtime`]).
/// A checkpointed loop's call (checkpoint/) is called like one: its
/// forward sweep returns a context the reverse sweep takes.
fn is_runtime_call(inst: Value) -> bool {
    inst.called_function()
        .is_some_and(|f| is_runtime_routine(&f.name()) || checkpoint::is_loop(f))
}

struct AdjointBuilder<'s> {
    synth: &'s mut ReverseSynth,
    src: Function,
    dst: Function,
    sig: GradSignature,
    b: Builder,
    /// Builder for allocas and initialization (the `adc.entry` block).
    ab: Builder,
    entry_bb: Block,
    activity: ActivityAnalysis,
    /// Computed on first use: only copies of active memory need it.
    types: std::cell::OnceCell<TypeAnalysis>,
    /// Struct layouts from the module's TBAA (for copies the type analysis
    /// cannot read).
    layouts: std::cell::OnceCell<crate::analysis::tbaa::Layouts>,
    cfg: ControlFlowGraph,
    doms: DominatorTree,
    loops: LoopAnalysis,
    pm: PrimalMap,
    /// shadow pointers in the forward sweep
    smap: IndexMap<Value, Value>,
    block_end: IndexMap<Block, Block>,
    rmap: IndexMap<Block, Block>,
    adjoint: IndexMap<Value, Value>,
    /// per block: what its reverse needs, in a fixed order
    needs: IndexMap<Block, Vec<Need>>,
    keep: IndexMap<Need, Keep>,
    slot: IndexMap<Need, Value>,
    pred_index: IndexMap<Block, Value>,
    /// simple loops (by header) whose first iteration is found by tape length
    loop_entry: IndexMap<Block, crate::analysis::loops::SimpleLoop>,
    /// forward: tape length at loop entry; reverse: its stack slot
    entry_len: IndexMap<Block, Value>,
    /// Tape pointers of adc-runtime calls, from their `_aug` in the forward sweep.
    call_tapes: IndexMap<Value, Value>,
    entry_len_slot: IndexMap<Block, Value>,
    /// Loop-invariant needs moved out of loops (see `plan_hoisting`): the
    /// blocks that read them from a slot, the exit blocks whose reverse
    /// stores them there, and the slots.
    hoisted: IndexMap<Block, Vec<Need>>,
    hoist_store: IndexMap<Block, Vec<Need>>,
    /// Per loop exit: induction variables whose last value (bound - step)
    /// the exit's reverse block puts in their hoist slots.
    /// With another IV's and its own start when the exit tests another IV.
    derived_last: IndexMap<Block, Vec<DerivedLast>>,
    hoist_slot: IndexMap<Need, Value>,
    /// Combined mode: the writes that end the function
    /// ([`crate::analysis::memory::FinalWrites`]): the reverse sweep undoes
    /// the stores first and the gradient redoes them last; the frees wait
    /// until the gradient returns. With, once the forward sweep made them,
    /// each store's (address, value overwritten, value stored, alignment).
    finals: crate::analysis::memory::FinalWrites,
    /// Combined mode: work arrays copied to the tape at the end of each
    /// iteration of a loop and back before its reverse (see
    /// [`crate::analysis::snapshots`]).
    snapshots: crate::analysis::snapshots::IterationSnapshots,
    /// Per snapshot: the stack slot with its copy's address on the tape.
    snapshot_at: Vec<Value>,
    /// Per guarded final free (see [`crate::analysis::memory::FinalWrites`]):
    /// a flag the forward sweep sets where it would have freed, and slots
    /// for the call's arguments.
    guarded_frees: IndexMap<Value, (Value, Vec<Value>)>,
    undone: Vec<(Value, Value, Value, u32)>,
    /// Split mode: the reverse function's zero-filled twins of the shadows
    /// of the source's stack objects.
    rev_allocas: IndexMap<Need, Value>,
    /// Split mode: stack objects whose address is kept in memory; their
    /// shadows live on the heap until the reverse is done with them.
    escapes: Option<crate::analysis::captures::StackEscapes>,
    /// Induction variables of loops with a LoopEntry, recomputed in the
    /// reverse sweep (see `plan_induction_variables`): per header, the phi
    /// need and its step, subtracted from its slot on the reverse back edge.
    ivs: IndexMap<Block, Vec<(Need, i64)>>,
    /// Loops (by header) whose reverse finds the first iteration by an
    /// induction variable that has stepped back to its start: (the IV, its
    /// start value).
    counted: IndexMap<Block, (Value, Value)>,
    /// Merge blocks whose predecessor follows from a branch condition
    /// (triangles and diamonds): the condition, and the predecessor index
    /// when it is true and when it is false.
    pred_by_cond: IndexMap<Block, plan::PredRule>,
    phis: Vec<Value>,
    shadow_phis: Vec<(Value, Value)>,
    d_ret: Option<Value>,
    /// The tape as the forward sweep sees it (and its helpers).
    tape: Option<(Value, TapeFns)>,
    /// The tape as the reverse sweep sees it (a parameter in split mode).
    tape_rev: Option<Value>,
    /// Split mode: the augmented primal that holds the forward sweep.
    aug: Option<Function>,
    /// Split mode: source arguments -> the adjoint function's parameters.
    rev_args: IndexMap<Value, Value>,
    rev_shadow: IndexMap<Value, Value>,
    /// Calls of the module run in split mode.
    split_calls: bool,
    /// Nothing is active: the adjoint sweep only returns zeros.
    trivial: bool,
    /// The function runs as an OpenMP parallel region (reverse/parallel.rs):
    /// its threads share memory, so adjoints of shared memory add up
    /// atomically.
    parallel: bool,
    stats: TapeStats,
}

/// An induction variable whose last value the exit's reverse block
/// computes from the exit test.
type DerivedLast = (Need, plan::ExitValue);

fn distinct_preds(cfg: &ControlFlowGraph, b: Block) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for p in cfg.predecessors(b) {
        if !out.contains(p) {
            out.push(*p);
        }
    }
    out
}

impl<'s> AdjointBuilder<'s> {
    fn new(
        synth: &'s mut ReverseSynth,
        src: Function,
        dst: Function,
        sig: GradSignature,
        aug: Option<Function>,
    ) -> Self {
        let ctx = synth.ctx;
        let cfg = ControlFlowGraph::compute(src);
        let loops = LoopAnalysis::compute(&cfg);
        let doms = DominatorTree::compute(&cfg);
        // An augmented primal returns the shadow of a pointer result.
        let shadowed_return = aug.is_some() && src.return_type().contains_pointer();
        let activity = ActivityAnalysis::compute_with(src, &sig.params, shadowed_return);
        let parallel = crate::ir::get_function(
            synth.module,
            crate::ir::source_copy::source_name(&src.name()),
        )
        .is_some_and(|f| crate::ir::openmp::is_region(f) || synth.parallel_callees.contains(&f));
        AdjointBuilder {
            b: Builder::new(ctx),
            ab: Builder::new(ctx),
            entry_bb: src.entry(),
            synth,
            src,
            dst,
            sig,
            activity,
            types: std::cell::OnceCell::new(),
            layouts: std::cell::OnceCell::new(),
            cfg,
            doms,
            loops,
            pm: PrimalMap::default(),
            smap: IndexMap::new(),
            block_end: IndexMap::new(),
            rmap: IndexMap::new(),
            adjoint: IndexMap::new(),
            needs: IndexMap::new(),
            keep: IndexMap::new(),
            slot: IndexMap::new(),
            pred_index: IndexMap::new(),
            loop_entry: IndexMap::new(),
            entry_len: IndexMap::new(),
            call_tapes: IndexMap::new(),
            entry_len_slot: IndexMap::new(),
            hoisted: IndexMap::new(),
            hoist_store: IndexMap::new(),
            derived_last: IndexMap::new(),
            hoist_slot: IndexMap::new(),
            finals: Default::default(),
            snapshots: Default::default(),
            snapshot_at: Vec::new(),
            guarded_frees: IndexMap::new(),
            undone: Vec::new(),
            rev_allocas: IndexMap::new(),
            escapes: aug.map(|_| crate::analysis::captures::StackEscapes::compute(src)),
            ivs: IndexMap::new(),
            counted: IndexMap::new(),
            pred_by_cond: IndexMap::new(),
            phis: Vec::new(),
            shadow_phis: Vec::new(),
            d_ret: None,
            tape: None,
            tape_rev: None,
            aug,
            rev_args: IndexMap::new(),
            rev_shadow: IndexMap::new(),
            split_calls: false,
            trivial: false,
            parallel,
            stats: TapeStats {
                function: crate::ir::source_copy::source_name(&src.name()).to_string(),
                ..Default::default()
            },
        }
    }

    /// Whether stack object `alloca` gets its shadow on the heap: in split
    /// mode, when its address is kept in memory (analysis::captures).
    pub(super) fn heap_shadowed(&self, alloca: Value) -> bool {
        self.activity.is_varied(alloca) && self.escapes.as_ref().is_some_and(|e| e.escapes(alloca))
    }

    // ----- value access

    fn has_adjoint(&self, v: Value) -> bool {
        (v.is_instruction() || v.is_argument())
            && v.ty().contains_float()
            && self.activity.is_active(v)
    }

    fn primal(&self, v: Value) -> Value {
        self.pm.get(v)
    }

    fn clone_primal(&mut self, inst: Value) -> Value {
        self.pm.clone_at(&self.b, inst)
    }

    /// The forward-sweep shadow of pointer `v` where a varied pointer (a
    /// phi, a select, a duplicated call argument) takes it: its own shadow,
    /// the sink of the constant table it points into, or itself when it
    /// points nowhere (null, a dangling address). Anything else is refused:
    /// the reverse sweep would write through null.
    /// (`taken`: when the user takes `v`, for the check of a loaded
    /// pointer's fallback; `None`: always.)
    fn pointer_shadow(&self, v: Value, user: Value, taken: Option<Value>) -> Result<Value> {
        if let Some(s) = self.smap.get(&v) {
            return Ok(*s);
        }
        fallback_shadow(&self.b, v, self.primal(v), TableShadow::Sink, taken)
            .ok_or_else(|| AdcError::unsupported(user, NO_SHADOW))
    }

    /// The forward-sweep value behind a need.
    fn forward_value(&self, n: Need) -> Result<Value> {
        let found = match n {
            Need::Primal(v) => Some(self.primal(v)),
            Need::Shadow(v) => {
                return self
                    .smap
                    .get(&v)
                    .copied()
                    .ok_or_else(|| AdcError::unsupported(v, "this pointer has no shadow"))
            }
            Need::PredIndex(b) => self.pred_index.get(&b).copied(),
            Need::LoopEntry(h) => self.entry_len.get(&h).copied(),
            Need::CallTape(c) | Need::OldShadow(c) => self.call_tapes.get(&c).copied(),
        };
        found.ok_or_else(|| self.internal(&format!("nothing kept for {}", n.describe())))
    }

    /// A value in the reverse sweep; `local` holds what this block popped.
    fn rev_value(&self, n: Need, local: &mut IndexMap<Need, Value>) -> Result<Value> {
        if let Some(v) = local.get(&n) {
            return Ok(*v);
        }
        if self.keep.get(&n) == Some(&Keep::Recompute) {
            if let Some(twin) = self.rev_allocas.get(&n) {
                return Ok(*twin);
            }
            let (v, shadow) = match n {
                Need::Primal(v) => (v, false),
                Need::Shadow(v) => (v, true),
                Need::PredIndex(_)
                | Need::LoopEntry(_)
                | Need::CallTape(_)
                | Need::OldShadow(_) => {
                    unreachable!("branch records and call tapes are kept")
                }
            };
            if let (false, Some(ev)) = (shadow, self.exit_value(v)) {
                // An induction variable's value after its loop.
                let r = self.exit_value_here(v.ty(), ev, local)?;
                local.insert(n, r);
                return Ok(r);
            }
            if let (true, Some(root)) = (shadow, plan::offset_root(v)) {
                // Reverse vector mode: the root's shadow plus the offset.
                let i64t = Type::i64(self.b.context());
                let p = self.rev_value(Need::Primal(v), local)?;
                let r = self.rev_value(Need::Primal(root), local)?;
                let sr = self.rev_value(Need::Shadow(root), local)?;
                let off = self.b.sub(
                    self.b.cast(LLVMOpcode::LLVMPtrToInt, p, i64t),
                    self.b.cast(LLVMOpcode::LLVMPtrToInt, r, i64t),
                );
                let s = self.b.gep(Type::i8(self.b.context()), sr, off);
                local.insert(n, s);
                return Ok(s);
            }
            if let (false, Some((c, t, f))) = (shadow, self.phi_select(v)) {
                // A phi whose predecessor follows from a condition.
                let c = self.rev_value(Need::Primal(c), local)?;
                let t = self.rev_value(Need::Primal(t), local)?;
                let f = self.rev_value(Need::Primal(f), local)?;
                let c = self.b.freeze(c);
                let s = self.b.select(c, t, f);
                local.insert(n, s);
                return Ok(s);
            }
            let c = v.clone_detached();
            for i in 0..v.num_operands() {
                let o = v.operand(i);
                let m = if shadow && i == 0 {
                    self.rev_value(Need::Shadow(o), local)?
                } else {
                    self.rev_value(Need::Primal(o), local)?
                };
                c.set_operand(i, m);
            }
            if let (false, Some(i)) = (shadow, self.snapshots.covering(v)) {
                let a = self.in_snapshot(i, c.operand(0), c);
                c.set_operand(0, a);
            }
            self.b.insert(c);
            local.insert(n, c);
            return Ok(c);
        }
        let v = match n {
            Need::Primal(v) | Need::Shadow(v) => v,
            Need::PredIndex(_) | Need::LoopEntry(_) | Need::CallTape(_) | Need::OldShadow(_) => {
                return local
                    .get(&n)
                    .copied()
                    .ok_or_else(|| self.internal("branch record or call tape"))
            }
        };
        if self.aug.is_some() && v.is_argument() {
            let m = if matches!(n, Need::Shadow(_)) {
                &self.rev_shadow
            } else {
                &self.rev_args
            };
            return m
                .get(&v)
                .copied()
                .ok_or_else(|| AdcError::unsupported(v, "this pointer has no shadow"));
        }
        if self.is_direct(v) {
            return match n {
                Need::Shadow(v) => self
                    .smap
                    .get(&v)
                    .copied()
                    .ok_or_else(|| AdcError::unsupported(v, "this pointer has no shadow")),
                _ => Ok(self.primal(v)),
            };
        }
        local.get(&n).copied().ok_or_else(|| {
            self.internal(&format!(
                "value not planned for the reverse sweep: {}",
                v.print()
            ))
        })
    }

    /// An [`plan::ExitValue`] computed in the reverse block at hand:
    /// bound + constant (+ this IV's start - the tested IV's start).
    fn exit_value_here(
        &self,
        ty: Type,
        (bound, add, starts): plan::ExitValue,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<Value> {
        let mut r = self.rev_value(Need::Primal(bound), local)?;
        if add != 0 {
            r = self.b.add(r, ty.const_int(add));
        }
        if let Some((mine, tested)) = starts {
            let mine = self.rev_value(Need::Primal(mine), local)?;
            let tested = self.rev_value(Need::Primal(tested), local)?;
            r = self.b.add(r, self.b.sub(mine, tested));
        }
        Ok(r)
    }

    fn internal(&self, what: &str) -> AdcError {
        AdcError::Llvm(format!(
            "internal error in the reverse sweep of `{}`: {what}",
            self.src.name()
        ))
    }

    /// For `--stats`: why a value is on the tape (what its reverse needs
    /// it for, and why the reverse sweep cannot recompute it).
    fn why_taped(&self, n: Need) -> String {
        let Need::Primal(v) = n else {
            return String::new();
        };
        let why = match v.opcode() {
            Some(LLVMOpcode::LLVMLoad) if self.aug.is_some() => {
                "a load, and split mode reverses in another function"
            }
            Some(LLVMOpcode::LLVMLoad) => "a load of memory that may change before the reverse",
            Some(LLVMOpcode::LLVMCall) => "a call's result (calls are not run twice)",
            Some(LLVMOpcode::LLVMPHI) => "a phi (which value it took is not recomputed)",
            _ => "recomputing it would need operands that are not kept",
        };
        // Whose partial reads it: its own (exp's is its result), or a user's.
        let reads = |u: Value, own: bool| match Self::rule_of(u) {
            Some(Rule::Partials { partials, .. }) => {
                let ops = Self::rule_operands(u);
                partials.iter().flatten().any(|p| {
                    let mut used = Vec::new();
                    p.args_used(&mut used);
                    (own && p.uses_result()) || used.iter().any(|j| ops.get(*j) == Some(&v))
                })
            }
            _ => false,
        };
        let user = if self.is_reversed(v) && reads(v, true) {
            "needed by its own partial; ".to_string()
        } else {
            v.users()
                .into_iter()
                .find(|u| u.is_instruction() && self.is_reversed(*u) && reads(*u, false))
                .map(|u| {
                    let text = u.print();
                    let short: String = text.trim().chars().take(40).collect();
                    format!("needed by the partials of `{short}...`; ")
                })
                .unwrap_or_default()
        };
        format!("  [{user}{why}]")
    }

    fn adjoint_slot(&mut self, v: Value) -> Value {
        if let Some(s) = self.adjoint.get(&v) {
            return *s;
        }
        let s = self.ab.alloca(v.ty());
        s.set_name(&format!("adj.{}", v.name()));
        self.lane_object(s);
        self.ab.store(v.ty().neg_zero(), s);
        self.adjoint.insert(v, s);
        s
    }

    /// Derivative memory (an adjoint slot, a shadow): in reverse vector
    /// mode each lane gets its own (vector.rs).
    fn lane_object(&self, v: Value) {
        if self.synth.lanes {
            crate::ir::metadata::mark_lane_object(v);
        }
    }

    /// Add `d` to the adjoint of `v` (if it has one).
    /// The adjoint of `v` (zero when it has none), leaving its slot zero:
    /// the seed of a call's result for the callee's reverse.
    fn take_adjoint(&mut self, v: Value) -> Value {
        if !self.has_adjoint(v) {
            return v.ty().null();
        }
        let slot = self.adjoint_slot(v);
        let r = self.b.load(v.ty(), slot);
        self.b.store(v.ty().neg_zero(), slot);
        r
    }

    fn accumulate(&mut self, v: Value, d: Value) {
        if !self.has_adjoint(v) {
            return;
        }
        let s = self.adjoint_slot(v);
        let cur = self.b.load(v.ty(), s);
        let sum = self.add(cur, d);
        self.b.store(sum, s);
    }

    /// `a + b` for floats, float vectors and aggregates of them.
    fn add(&self, a: Value, b: Value) -> Value {
        let t = a.ty();
        if t.is_aggregate() {
            let mut acc = a;
            for i in 0..t.aggregate_len() {
                let x = self.b.extract_value(a, i);
                if !x.ty().contains_float() {
                    continue;
                }
                let y = self.b.extract_value(b, i);
                acc = self.b.insert_value(acc, self.add(x, y), i);
            }
            acc
        } else {
            self.b.fadd(a, b)
        }
    }

    // ----- build

    fn build(mut self) -> Result<TapeStats> {
        crate::analysis::unsupported::refuse(self.src, &self.activity)?;
        self.plan()?;
        self.stats.taped = self.keep.values().filter(|k| **k == Keep::Tape).count();
        self.stats.recomputed = self
            .keep
            .values()
            .filter(|k| **k == Keep::Recompute)
            .count();
        self.stats.snapshots = self.snapshots.iter().map(|s| s.describe()).collect();
        let ctx = self.synth.ctx;
        let split = self.aug.is_some();
        self.split_calls = self.cfg.reverse_post_order().iter().any(|bb| {
            bb.instructions().into_iter().any(|i| {
                self.is_reversed(i)
                    && self.is_module_call(i)
                    && i.called_function().is_some_and(split_eligible)
            })
        });
        let fwd_fn = self.aug.unwrap_or(self.dst);
        let rpo = self.cfg.reverse_post_order().to_vec();
        if split {
            for bb in &rpo {
                let f = fwd_fn.append_block(ctx, &bb.name());
                self.pm.blocks.insert(*bb, f);
            }
        }
        let entry = self.dst.append_block(ctx, "adc.entry");
        self.ab.position_at_end(entry);
        if !split {
            for bb in &rpo {
                let f = self.dst.append_block(ctx, &bb.name());
                self.pm.blocks.insert(*bb, f);
            }
        }
        for bb in &rpo {
            let r = self.dst.append_block(ctx, &format!("rev.{}", bb.name()));
            self.rmap.insert(*bb, r);
        }
        // Parameters (in split mode the forward sweep has the augmented
        // primal's, the reverse sweep the adjoint function's).
        let mut fparams = fwd_fn.params().into_iter();
        let mut rparams = self.dst.params().into_iter();
        for (p, a) in self.src.params().into_iter().zip(self.sig.params.clone()) {
            let dup = is_dup(a);
            let np = fparams.next().expect("gradient signature");
            np.set_name(&p.name());
            self.pm.values.insert(p, np);
            if dup {
                let s = fparams.next().expect("gradient signature");
                s.set_name(&format!("d_{}", p.name()));
                self.smap.insert(p, s);
            }
            if split {
                let rp = rparams.next().expect("gradient signature");
                self.rev_args.insert(p, rp);
                if dup {
                    let rs = rparams.next().expect("gradient signature");
                    self.rev_shadow.insert(p, rs);
                }
            }
            if a == Activity::Active {
                self.adjoint_slot(p);
            }
        }
        let mut rest = if split { rparams } else { fparams };
        if self.sig.seeded_return {
            let d = rest.next().expect("gradient signature");
            d.set_name("d_ret");
            self.d_ret = Some(d);
        }
        if split {
            let fns = self.synth.tape_fns()?;
            let tf = fwd_fn.params().last().copied().expect("tape parameter");
            let tr = rest.next().expect("tape parameter");
            self.tape = Some((tf, fns));
            self.tape_rev = Some(tr);
        } else if self.keep.values().any(|k| *k == Keep::Tape)
            || self.split_calls
            || !self.snapshots.is_empty()
        {
            // The tape, if any block keeps values on it or a callee will.
            let fns = self.synth.tape_fns()?;
            let chunk_ty =
                Type(unsafe { llvm_sys::core::LLVMArrayType2(Type::i8(ctx).0, tape::FIRST_CHUNK) });
            let t = self.ab.alloca(fns.ty);
            t.set_name("tape");
            let chunk = self.ab.alloca(chunk_ty);
            chunk.set_alignment(16);
            let size = Type::i64(ctx).const_int(tape::FIRST_CHUNK as i64);
            self.ab.call(fns.init, &[t, chunk, size]);
            self.tape = Some((t, fns));
            self.tape_rev = Some(t);
        }
        // Stack slots for values kept across the sweeps.
        let slot_needs: Vec<Need> = self
            .keep
            .iter()
            .filter(|(_, k)| **k == Keep::Slot)
            .map(|(n, _)| *n)
            .collect();
        for n in slot_needs {
            let ty = self.need_type(n);
            let s = self.ab.alloca(ty);
            self.slot.insert(n, s);
            self.stats.slots += 1;
        }

        if split {
            let twins: Vec<Need> = self
                .keep
                .iter()
                .filter(|(n, k)| {
                    **k == Keep::Recompute
                        && matches!(n, Need::Shadow(v) if v.opcode() == Some(LLVMOpcode::LLVMAlloca))
                })
                .map(|(n, _)| *n)
                .collect();
            for n in twins {
                let Need::Shadow(a) = n else { continue };
                let twin = crate::ir::clone::zeroed_shadow_alloca(&self.ab, a, a);
                self.lane_object(twin);
                self.rev_allocas.insert(n, twin);
            }
        }
        self.snapshot_slots();
        for free in self.finals.guarded_frees.clone() {
            let flag = self.ab.alloca(Type::i1(ctx));
            flag.set_name("freed");
            self.ab.store(Type::i1(ctx).const_int(0), flag);
            let slots = free
                .call_args()
                .iter()
                .map(|a| self.ab.alloca(a.ty()))
                .collect();
            self.guarded_frees.insert(free, (flag, slots));
        }
        let mut hoisted: Vec<Need> = self.hoisted.values().flatten().copied().collect();
        hoisted.dedup();
        for n in hoisted {
            if !self.hoist_slot.contains_key(&n) {
                let s = self.ab.alloca(self.need_type(n));
                s.set_name("hoisted");
                self.hoist_slot.insert(n, s);
            }
        }
        for h in self.loop_entry.keys().copied().collect::<Vec<_>>() {
            let s = self.ab.alloca(Type::i64(ctx));
            s.set_name("loop.entry.len");
            self.entry_len_slot.insert(h, s);
        }
        // Globals that carry derivatives: their shadow globals (cleared by
        // whoever enters the derivative from outside).
        for g in self.activity.varied_globals() {
            self.smap.extend(crate::ir::globals::shadow_addresses(g));
        }
        for bb in &rpo {
            self.forward_block(*bb)?;
        }
        self.complete_forward_phis()?;
        for bb in &rpo {
            self.reverse_block(*bb)?;
        }
        if split {
            self.enter_split_reverse(&rpo)?;
        } else {
            self.ab.br(self.pm.blocks[&self.entry_bb]);
        }
        self.mark_reverse_writes();
        Ok(self.stats)
    }

    fn return_blocks(rpo: &[Block]) -> Vec<Block> {
        rpo.iter()
            .copied()
            .filter(|b| {
                b.terminator()
                    .is_some_and(|t| t.opcode() == Some(LLVMOpcode::LLVMRet))
            })
            .collect()
    }

    /// Split mode: the adjoint function starts where the augmented primal
    /// returned: pop which return it took, seed its value, reverse from there.
    fn enter_split_reverse(&mut self, rpo: &[Block]) -> Result<()> {
        let ctx = self.synth.ctx;
        let rets = Self::return_blocks(rpo);
        let seeds: Vec<Block> = rets
            .iter()
            .map(|r| self.dst.append_block(ctx, &format!("seed.{}", r.name())))
            .collect();
        for (r, seed) in rets.iter().zip(&seeds) {
            self.b.position_at_end(*seed);
            let t = r.terminator().expect("return");
            if let (Some(d), 1) = (self.d_ret, t.num_operands()) {
                self.accumulate(t.operand(0), d);
            }
            self.b.br(self.rmap[r]);
        }
        match seeds.as_slice() {
            [] => {
                self.ab.unreachable();
            }
            [one] => {
                self.ab.br(*one);
            }
            many => {
                let (t, fns) = self.tape_rev_fns();
                let p = self.ab.call(fns.pop, &[t, Type::i64(ctx).const_int(8)]);
                let idx = self.ab.load(Type::i32(ctx), p);
                let cases: Vec<(Value, Block)> = many
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(i, b)| (Type::i32(ctx).const_int(i as i64), *b))
                    .collect();
                self.ab.switch(idx, many[0], &cases);
            }
        }
        Ok(())
    }

    fn tape_rev_fns(&self) -> (Value, TapeFns) {
        let (_, fns) = self.tape.expect("tape");
        (self.tape_rev.expect("tape"), fns)
    }

    fn need_type(&self, n: Need) -> Type {
        match n {
            Need::Primal(v) | Need::Shadow(v) => v.ty(),
            Need::PredIndex(_) => Type::i32(self.synth.ctx),
            Need::LoopEntry(_) => Type::i64(self.synth.ctx),
            Need::CallTape(c) => custom_tape_type(c).unwrap_or(Type::ptr(self.synth.ctx)),
            Need::OldShadow(store) => store.operand(0).ty(),
        }
    }

    /// Tape needs of `bb` with their byte offsets and the bundle size.
    /// Values of 8 bytes or more come first, in slots of a multiple of 8;
    /// then 4-, 2- and 1-byte values in slots of their own size (an `i32`
    /// loop counter takes 4 bytes, not 8). Bundles are padded to 4 bytes,
    /// so every field sits at a multiple of 4 or of its own size
    /// ([`tape_alignment`]); x86 loads a double at any address at full speed
    /// unless it straddles a cache line.
    fn tape_layout(&self, bb: Block) -> (Vec<(Need, u64)>, u64) {
        let td = unsafe { LLVMGetModuleDataLayout(self.synth.module) };
        let mut items: Vec<(Need, u64)> = self.needs[&bb]
            .iter()
            .filter(|n| self.keep[*n] == Keep::Tape)
            .map(|n| {
                let bytes = unsafe { LLVMABISizeOfType(td, self.need_type(*n).0) };
                let slot = if bytes >= 8 {
                    bytes.div_ceil(8) * 8
                } else {
                    bytes.next_power_of_two()
                };
                (*n, slot)
            })
            .collect();
        items.sort_by_key(|(_, slot)| std::cmp::Reverse((*slot).min(8)));
        let mut off = 0;
        let mut out = Vec::with_capacity(items.len());
        for (n, slot) in items {
            out.push((n, off));
            off += slot;
        }
        (out, off.div_ceil(4) * 4)
    }

    fn forward_block(&mut self, bb: Block) -> Result<()> {
        use LLVMOpcode::*;
        let ctx = self.synth.ctx;
        self.b.position_at_end(self.pm.blocks[&bb]);
        if distinct_preds(&self.cfg, bb).len() > 1 {
            let p = self.b.phi(Type::i32(ctx), "adc.pred");
            self.pred_index.insert(bb, p);
        }
        let insts = bb.instructions();
        let (term, body) = insts.split_last().expect("block has a terminator");
        for &inst in body {
            if inst.opcode() == Some(LLVMCall) && self.forward_split_call(inst)?.is_some() {
                continue;
            }
            match inst.opcode().expect("instruction") {
                LLVMPHI => {
                    let p = self.b.phi(inst.ty(), &inst.name());
                    self.pm.values.insert(inst, p);
                    self.phis.push(inst);
                    if inst.ty().is_pointer() && self.activity.is_varied(inst) {
                        let s = self.b.phi(inst.ty(), &format!("d_{}", inst.name()));
                        self.smap.insert(inst, s);
                        self.shadow_phis.push((inst, s));
                    }
                }
                // The reverse sweep may load a stack slot again after the
                // forward run ended its lifetime; it lives to the return.
                LLVMCall if self.aug.is_none() && is_lifetime_marker(inst) => {}
                LLVMCall if is_custom_call(inst) && self.is_reversed(inst) => {
                    self.forward_custom_call(inst)?
                }
                LLVMCall if is_runtime_call(inst) && self.is_reversed(inst) => {
                    self.forward_runtime_call(inst)?
                }
                // (the gradient frees them before it returns)
                LLVMCall if self.finals.frees.contains(&inst) => {}
                LLVMCall if self.guarded_frees.contains_key(&inst) => {
                    let (flag, slots) = self.guarded_frees[&inst].clone();
                    for (a, s) in inst.call_args().into_iter().zip(slots) {
                        self.b.store(self.primal(a), s);
                    }
                    self.b.store(Type::i1(ctx).const_int(1), flag);
                }
                LLVMStore if self.finals.stores.contains(&inst) => {
                    let (v, p) = (self.primal(inst.operand(0)), self.primal(inst.operand(1)));
                    let old = self.b.load(v.ty(), p);
                    old.set_alignment(inst.alignment());
                    let c = self.clone_primal(inst);
                    self.forward_shadow(inst, c)?;
                    self.undone.push((p, old, v, inst.alignment()));
                }
                _ => {
                    let c = self.clone_primal(inst);
                    self.forward_shadow(inst, c)?;
                }
            }
        }
        // Keep what the reverse sweep needs: slots for blocks that run once,
        // one tape bundle per execution otherwise.
        let mine: Vec<Need> = self
            .keep
            .iter()
            .filter(|(n, k)| {
                **k == Keep::Slot
                    && match n {
                        Need::Primal(v) | Need::Shadow(v) => v.parent_block() == bb,
                        Need::PredIndex(b) => *b == bb,
                        Need::LoopEntry(_) => self.needs[&bb].contains(n),
                        Need::CallTape(c) | Need::OldShadow(c) => c.parent_block() == bb,
                    }
            })
            .map(|(n, _)| *n)
            .collect();
        for n in mine {
            let v = self.forward_value(n)?;
            self.b.store(v, self.slot[&n]);
        }
        self.push_snapshots(bb);
        let (layout, size) = self.tape_layout(bb);
        if size > 0 {
            let (t, fns) = self.tape.as_ref().expect("tape");
            let len = Type::i64(ctx).const_int(size as i64);
            let p = self.b.call(fns.push, &[*t, len]);
            let what: Vec<String> = layout
                .iter()
                .map(|(n, _)| format!("{}{}", n.describe(), self.why_taped(*n)))
                .collect();
            self.stats.pushed_values.push((bb.label(), what));
            for (n, off) in layout {
                let v = self.forward_value(n)?;
                let s = self.b.store(v, self.b.byte_gep(p, off));
                s.set_alignment(tape_alignment(off));
            }
            self.stats.pushed_per_block.push((bb.label(), size));
        }
        let entered: Vec<Block> = self
            .loop_entry
            .values()
            .filter(|l| l.preheader == bb)
            .map(|l| l.header)
            .collect();
        for h in entered {
            let (t, fns) = self.tape.as_ref().expect("tape");
            let len = self.b.call(fns.len, &[*t]);
            self.entry_len.insert(h, len);
        }
        // The terminator: returns seed the adjoint sweep and turn around.
        if term.opcode() == Some(LLVMRet) && self.aug.is_some() {
            // Split mode: record which return this was, then return.
            let rets = Self::return_blocks(self.cfg.reverse_post_order());
            if rets.len() > 1 {
                let (t, fns) = self.tape.expect("tape");
                let i = rets.iter().position(|r| *r == bb).expect("return block");
                let p = self.b.call(fns.push, &[t, Type::i64(ctx).const_int(8)]);
                self.b.store(Type::i32(ctx).const_int(i as i64), p);
            }
            if term.num_operands() == 1 && term.operand(0).ty().contains_pointer() {
                let v = term.operand(0);
                let t = v.ty();
                let shadow = match self.smap.get(&v) {
                    Some(s) => *s,
                    // A result that carries no derivative has none.
                    None if !self.activity.is_varied(v) => t.null(),
                    None => {
                        return Err(AdcError::unsupported(
                            v,
                            "this function returns a pointer that has no shadow (it comes \
                             from code adc cannot see, e.g. an allocator called through a \
                             function pointer)",
                        ))
                    }
                };
                let pair = Type::struct_of(ctx, &[t, t]).null();
                let pair = self.b.insert_value(pair, self.primal(v), 0);
                self.b.ret(self.b.insert_value(pair, shadow, 1));
            } else if term.num_operands() == 1 {
                self.b.ret(self.primal(term.operand(0)));
            } else {
                self.b.ret_void();
            }
        } else if term.opcode() == Some(LLVMRet) {
            if term.num_operands() == 1 {
                let v = term.operand(0);
                if let Some(d) = self.d_ret {
                    self.accumulate(v, d);
                }
            }
            // Memory as it was before the final stores, for the loads the
            // reverse sweep repeats.
            for &(p, old, _, align) in self.undone.iter().rev() {
                self.b.store(old, p).set_alignment(align);
            }
            self.b.br(self.rmap[&bb]);
        } else {
            self.clone_primal(*term);
        }
        self.block_end.insert(bb, self.b.insert_block());
        Ok(())
    }

    /// Shadow pointers in the forward sweep (shadow stack objects, GEPs, casts,
    /// pointers loaded from shadowed memory, selects of pointers).
    fn forward_shadow(&mut self, inst: Value, c: Value) -> Result<()> {
        use LLVMOpcode::*;
        match inst.opcode().expect("instruction") {
            LLVMCall if self.is_shadowed_tape_grow(inst) => self.forward_tape_grow(inst, c)?,
            LLVMAlloca if self.activity.is_varied(inst) => {
                let s = if self.heap_shadowed(inst) {
                    crate::ir::clone::zeroed_heap_shadow(&self.b, self.synth.module, inst, c)
                } else {
                    zeroed_shadow_alloca(&self.b, inst, c)
                };
                self.lane_object(s);
                self.smap.insert(inst, s);
            }
            LLVMCall
                if HeapFn::of(inst).is_some_and(HeapFn::allocates)
                    && self.activity.is_varied(inst) =>
            {
                let args: Vec<Value> = inst.call_args().iter().map(|a| self.primal(*a)).collect();
                let m = self.synth.module;
                let s = if HeapFn::of(inst).is_some_and(HeapFn::reallocates) {
                    // The old shadow stays until its own allocation is
                    // undone: the reverse sweep adds the kept adjoints to it.
                    let p = inst.operand(0);
                    let old = self.smap.get(&p).copied().unwrap_or(p.ty().null());
                    realloc_shadow(&self.b, m, inst, old, &args)
                } else {
                    zeroed_shadow(&self.b, m, inst, &args)
                };
                self.lane_object(s);
                self.smap.insert(inst, s);
            }
            // Code adc never saw: the derivative stopped before this.
            LLVMCall
                if crate::ir::devirtualize::is_fallback(inst) && inst.ty().contains_pointer() =>
            {
                self.smap.insert(inst, inst.ty().poison());
            }
            LLVMGetElementPtr | LLVMBitCast | LLVMAddrSpaceCast
                if inst.ty().is_pointer() && self.smap.contains_key(&inst.operand(0)) =>
            {
                let s = c.clone_detached();
                s.set_operand(0, self.smap[&inst.operand(0)]);
                self.b.insert(s);
                self.smap.insert(inst, s);
            }
            LLVMLoad if inst.ty().contains_pointer() && self.activity.is_varied(inst) => {
                if let Some(&sp) = self.smap.get(&inst.operand(0)) {
                    let s = self.b.load(inst.ty(), sp);
                    self.smap.insert(inst, s);
                }
            }
            LLVMStore if inst.operand(0).ty().holds_pointers_only() => {
                let sp = self.smap.get(&inst.operand(1)).copied();
                if self.is_reversed(inst) {
                    // The shadow pointer this store overwrites, for its reverse.
                    let sp = sp.ok_or_else(|| {
                        AdcError::unsupported(inst.operand(1), "this pointer has no shadow")
                    })?;
                    let old = self.b.load(inst.operand(0).ty(), sp);
                    self.call_tapes.insert(inst, old);
                }
                if let (Some(&sv), Some(sp)) = (self.smap.get(&inst.operand(0)), sp) {
                    self.b.store(sv, sp);
                }
            }
            LLVMCall if is_mem_intrinsic(inst) => self.forward_copy_shadow_pointers(inst, c),
            // Pointers inside aggregates (a C++ iterator `{ptr, i8}`): the
            // shadow aggregate holds their shadows (other fields as they are).
            LLVMExtractValue
                if inst.ty().contains_pointer() && self.smap.contains_key(&inst.operand(0)) =>
            {
                let s = c.clone_detached();
                s.set_operand(0, self.smap[&inst.operand(0)]);
                self.b.insert(s);
                self.smap.insert(inst, s);
            }
            LLVMInsertValue if inst.ty().contains_pointer() && self.activity.is_varied(inst) => {
                let s = c.clone_detached();
                for i in [0, 1] {
                    let o = inst.operand(i);
                    let v = match self.smap.get(&o) {
                        Some(sv) => *sv,
                        None if o.ty().contains_pointer() => o.ty().null(),
                        None => self.primal(o),
                    };
                    s.set_operand(i, v);
                }
                self.b.insert(s);
                self.smap.insert(inst, s);
            }
            LLVMSelect if inst.ty().is_pointer() && self.activity.is_varied(inst) => {
                let s = c.clone_detached();
                for i in [1, 2] {
                    let o = inst.operand(i);
                    let taken = select_taken(&self.b, c, i);
                    s.set_operand(i, self.pointer_shadow(o, inst, Some(taken))?);
                }
                self.b.insert(s);
                self.smap.insert(inst, s);
            }
            LLVMStore => {
                let (val, ptr) = (inst.operand(0), inst.operand(1));
                if self.activity.is_varied(val)
                    && val.ty().contains_float()
                    && !self.activity.is_varied(ptr)
                    && underlying_alloca(ptr).is_none()
                    && !crate::rules::custom::into_inactive_global(ptr)
                {
                    return Err(AdcError::lost_store(inst));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The forward sweep of a copy: the adjoints it moves go back in the
    /// reverse sweep, but the shadow pointers in the copied memory (a
    /// struct holding `double *data`) must be in the destination's shadow
    /// now, for whatever reads them: the pointer fields its `!tbaa.struct`
    /// names, or the whole shadow when the copy moves no floats.
    fn forward_copy_shadow_pointers(&mut self, inst: Value, c: Value) {
        let name = inst.called_function().map(|f| f.name()).unwrap_or_default();
        if name.starts_with("llvm.memset") {
            return;
        }
        let (dst, src) = (inst.operand(0), inst.operand(1));
        let (Some(&sd), Some(&ss)) = (self.smap.get(&dst), self.smap.get(&src)) else {
            return;
        };
        if is_tape_move(inst) {
            let t = c.clone_detached();
            t.set_operand(0, sd);
            t.set_operand(1, ss);
            self.b.insert(t);
            return;
        }
        let ptr = Type::ptr(self.synth.ctx);
        match crate::analysis::types::tbaa_struct_pointer_offsets(inst) {
            Some(offsets) => {
                for off in offsets {
                    let from = self.b.byte_gep(ss, off);
                    let v = self.b.load(ptr, from);
                    self.b.store(v, self.b.byte_gep(sd, off));
                }
            }
            None => match self.copy_type(inst, dst, src) {
                MemoryType::NoFloats => {
                    let t = c.clone_detached();
                    t.set_operand(0, sd);
                    t.set_operand(1, ss);
                    self.b.insert(t);
                }
                MemoryType::Strided {
                    stride, pointers, ..
                } if !pointers.is_empty() => {
                    let len = self.primal(inst.operand(2));
                    self.for_each_element(len, stride, |this, _, at| {
                        let i8t = Type::i8(this.synth.ctx);
                        for off in &pointers {
                            let o = this.b.add(at, at.ty().const_int(*off as i64));
                            let v = this.b.load(ptr, this.b.gep(i8t, ss, o));
                            this.b.store(v, this.b.gep(i8t, sd, o));
                        }
                    });
                }
                _ => {}
            },
        }
    }

    fn complete_forward_phis(&mut self) -> Result<()> {
        for phi in std::mem::take(&mut self.phis) {
            let np = self.pm.values[&phi];
            for i in 0..phi.count_incoming() {
                let (v, bb) = phi.incoming(i);
                if let Some(&end) = self.block_end.get(&bb) {
                    np.add_incoming(self.primal(v), end);
                }
            }
        }
        for (phi, s) in std::mem::take(&mut self.shadow_phis) {
            for i in 0..phi.count_incoming() {
                let (v, bb) = phi.incoming(i);
                if let Some(&end) = self.block_end.get(&bb) {
                    match end.terminator() {
                        Some(t) => self.b.position_before(t),
                        None => self.b.position_at_end(end),
                    }
                    let taken = edge_taken(&self.b, end, s.parent_block());
                    let sv = self.pointer_shadow(v, phi, taken)?;
                    s.add_incoming(sv, end);
                }
            }
        }
        let ctx = self.synth.ctx;
        for (bb, p) in self.pred_index.clone() {
            let preds = distinct_preds(&self.cfg, bb);
            for pred in self.cfg.predecessors(bb).to_vec() {
                let i = preds.iter().position(|x| *x == pred).expect("pred");
                p.add_incoming(Type::i32(ctx).const_int(i as i64), self.block_end[&pred]);
            }
        }
        Ok(())
    }

    fn reverse_block(&mut self, bb: Block) -> Result<()> {
        let ctx = self.synth.ctx;
        self.b.position_at_end(self.rmap[&bb]);
        let mut local: IndexMap<Need, Value> = IndexMap::new();
        let (layout, size) = self.tape_layout(bb);
        if size > 0 {
            let (t, fns) = self.tape_rev_fns();
            let len = Type::i64(ctx).const_int(size as i64);
            let p = self.b.call(fns.pop, &[t, len]);
            for (n, off) in layout {
                let v = self.b.load(self.need_type(n), self.b.byte_gep(p, off));
                v.set_alignment(tape_alignment(off));
                local.insert(n, v);
            }
        }
        for n in self.needs[&bb].clone() {
            if self.keep[&n] == Keep::Slot {
                let v = self.b.load(self.need_type(n), self.slot[&n]);
                local.insert(n, v);
            }
        }
        self.pop_snapshots(bb, &mut local)?;
        // Loop-invariant values: an exit stores what it popped for the loop
        // it leaves; the loop's blocks read them back.
        for n in self.hoist_store.get(&bb).cloned().unwrap_or_default() {
            if let Some(v) = local.get(&n) {
                self.b.store(*v, self.hoist_slot[&n]);
            }
        }
        for n in self.hoisted.get(&bb).cloned().unwrap_or_default() {
            if let indexmap::map::Entry::Vacant(e) = local.entry(n) {
                e.insert(self.b.load(self.need_type(n), self.hoist_slot[&n]));
            }
        }
        // Induction variables whose last value follows from the exit test.
        for (n, last) in self.derived_last.get(&bb).cloned().unwrap_or_default() {
            let last = self.exit_value_here(self.need_type(n), last, &mut local)?;
            self.b.store(last, self.hoist_slot[&n]);
        }
        // Leaving a loop backwards: remember where its first iteration ends.
        for n in self.needs[&bb].clone() {
            if let Need::LoopEntry(h) = n {
                let v = self.rev_value(n, &mut local)?;
                self.b.store(v, self.entry_len_slot[&h]);
            }
        }
        let insts = bb.instructions();
        for &inst in insts.iter().rev() {
            if self.is_reversed(inst) {
                self.reverse_instruction(inst, &mut local)?;
            }
        }
        self.turn_to_predecessor(bb, &mut local)
    }

    fn reverse_instruction(
        &mut self,
        inst: Value,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<()> {
        use LLVMOpcode::*;
        let op = inst.opcode().expect("instruction");
        if op == LLVMStore && inst.operand(0).ty().holds_pointers_only() {
            // Put back the shadow pointer the forward sweep overwrote.
            let sp = self.rev_value(Need::Shadow(inst.operand(1)), local)?;
            let old = self.rev_value(Need::OldShadow(inst), local)?;
            self.b.store(old, sp);
            return Ok(());
        }
        if op == LLVMStore {
            let (val, ptr) = (inst.operand(0), inst.operand(1));
            let sp = self.rev_value(Need::Shadow(ptr), local)?;
            let d = self.b.load(val.ty(), sp);
            d.set_alignment(inst.alignment());
            // The function's own objects are cleared with -0.0, which the
            // next addition folds away; memory the caller sees gets +0.0.
            let zero = if underlying_alloca(ptr).is_some() {
                val.ty().neg_zero()
            } else {
                val.ty().null()
            };
            let z = self.b.store(zero, sp);
            z.set_alignment(inst.alignment());
            self.accumulate(val, d);
            return Ok(());
        }
        if op == LLVMAtomicRMW {
            return self.reverse_atomic_rmw(inst, local);
        }
        if op == LLVMCall && crate::ir::openmp::mirror(inst).is_some() {
            self.reverse_sync(inst);
            return Ok(());
        }
        if op == LLVMCall && is_custom_call(inst) {
            return self.reverse_custom_call(inst, local);
        }
        if op == LLVMCall && self.is_module_call(inst) {
            return self.reverse_call(inst, local);
        }
        if op == LLVMCall && is_runtime_call(inst) {
            return self.reverse_runtime_call(inst, local);
        }
        if is_mem_intrinsic(inst) {
            return self.reverse_mem_intrinsic(inst, local);
        }
        if is_extremum(inst) {
            // The adjoint goes to the lane(s) that won.
            let slot = self.adjoint_slot(inst);
            let r_bar = self.b.load(inst.ty(), slot);
            self.b.store(inst.ty().neg_zero(), slot);
            let v = self.rev_value(Need::Primal(inst.operand(0)), local)?;
            let r = self.rev_value(Need::Primal(inst), local)?;
            let won = self.b.fcmp(
                llvm_sys::LLVMRealPredicate::LLVMRealOEQ,
                v,
                self.b.splat(r, v.ty()),
            );
            let d = self
                .b
                .select(won, self.b.splat(r_bar, v.ty()), v.ty().null());
            self.accumulate(inst.operand(0), d);
            return Ok(());
        }
        if self.is_shadowed_tape_grow(inst) {
            return self.reverse_tape_grow(inst, local);
        }
        if op == LLVMAlloca {
            // A heap shadow of a stack object (split mode): its last use.
            let shadow = self.rev_value(Need::Shadow(inst), local)?;
            let ptr = Type::ptr(self.synth.ctx);
            let free = crate::ir::get_or_declare(
                self.synth.module,
                "free",
                Type::function(Type::void(self.synth.ctx), &[ptr]),
            );
            self.b.call(free, &[shadow]);
            return Ok(());
        }
        if let Some(kind) = HeapFn::of(inst) {
            // Undoing the allocation: the shadow has served its last use.
            let shadow = self.rev_value(Need::Shadow(inst), local)?;
            let args = match kind {
                HeapFn::RustAlloc | HeapFn::RustRealloc | HeapFn::Realloc => inst
                    .call_args()
                    .iter()
                    .map(|a| self.rev_value(Need::Primal(*a), local))
                    .collect::<Result<Vec<_>>>()?,
                _ => vec![],
            };
            let p = inst.operand(0);
            if kind.reallocates() && self.activity.is_varied(p) {
                // The kept prefix came from the old block: so do its
                // adjoints. Nothing after the reallocation uses the old
                // block, so its shadow holds what the forward sweep moved
                // out of it (zeros, or a caller's seeds, now counted in the
                // new shadow): copying the prefix back replaces that, and
                // needs no element type (a Vec grown inside std has none).
                let old = self.rev_value(Need::Shadow(p), local)?;
                let kept = kept_bytes(&self.b, self.synth.module, inst, old, &args);
                self.b.memcpy(old, shadow, kept, 1);
            }
            free_shadow(
                &self.b,
                self.synth.module,
                inst,
                Side::Allocated,
                shadow,
                &args,
            );
            return Ok(());
        }
        // A value: read and clear its adjoint.
        let slot = self.adjoint_slot(inst);
        let r_bar = self.b.load(inst.ty(), slot);
        self.b.store(inst.ty().neg_zero(), slot);
        if op == LLVMLoad && self.parallel && underlying_alloca(inst.operand(0)).is_none() {
            let sp = self.rev_value(Need::Shadow(inst.operand(0)), local)?;
            return self.accumulate_shared(inst, sp, r_bar);
        }
        if op == LLVMLoad {
            let sp = self.rev_value(Need::Shadow(inst.operand(0)), local)?;
            let cur = self.b.load(inst.ty(), sp);
            cur.set_alignment(inst.alignment());
            let sum = self.add(cur, r_bar);
            let s = self.b.store(sum, sp);
            s.set_alignment(inst.alignment());
            return Ok(());
        }
        let ops = Self::rule_operands(inst);
        match Self::rule_of(inst).expect("planned instructions have rules") {
            Rule::Partials { partials, .. } => {
                let mut args = Vec::with_capacity(ops.len());
                let mut used = Vec::new();
                // (A partial another call computed: that call's value.)
                let siblings: Vec<_> = partials
                    .iter()
                    .map(|p| {
                        p.as_ref()
                            .and_then(|p| crate::rules::siblings::sibling(inst, p, false))
                    })
                    .collect();
                for (i, p) in partials.iter().enumerate() {
                    if let Some(p) = p {
                        if self.has_adjoint(ops[i]) && siblings[i].is_none() {
                            p.args_used(&mut used);
                        }
                    }
                }
                for (j, o) in ops.iter().enumerate() {
                    args.push(if used.contains(&j) {
                        self.rev_value(Need::Primal(*o), local)?
                            .without_poison_lanes()
                    } else {
                        o.ty().null()
                    });
                }
                let uses_r = partials.iter().enumerate().any(|(i, p)| {
                    p.as_ref().is_some_and(|p| {
                        p.uses_result() && self.has_adjoint(ops[i]) && siblings[i].is_none()
                    })
                });
                let result = if uses_r {
                    Some(self.rev_value(Need::Primal(inst), local)?)
                } else {
                    None
                };
                for (i, p) in partials.iter().enumerate() {
                    let Some(p) = p else { continue };
                    if !self.has_adjoint(ops[i]) {
                        continue;
                    }
                    let term = match p {
                        Expr::Num(x) if *x == 0.0 => continue,
                        Expr::Num(x) if *x == 1.0 => r_bar,
                        Expr::Num(x) if *x == -1.0 => self.b.fneg(r_bar),
                        p if siblings[i].is_some() => {
                            let (s, negate) = siblings[i].expect("a sibling");
                            let mut d = self.rev_value(Need::Primal(s), local)?;
                            if negate {
                                d = self.b.fneg(d);
                            }
                            partial_term(&self.b, needs_strong_zero(p, &ops), d, r_bar)
                        }
                        p => {
                            let env = ExprEnv {
                                builder: &self.b,
                                module: self.synth.module,
                                args: &args,
                                result,
                                ty: inst.ty(),
                                branches: true,
                            };
                            let d = emit(p, &env).map_err(|e| AdcError::unsupported(inst, e))?;
                            partial_term(&self.b, needs_strong_zero(p, &ops), d, r_bar)
                        }
                    };
                    self.accumulate(ops[i], term);
                }
            }
            Rule::Linear { .. } => self.reverse_linear(inst, r_bar, local)?,
        }
        Ok(())
    }

    /// memset kills the adjoints of what it overwrites; memcpy/memmove move
    /// the destination's adjoints back to the source, element by element of
    /// the float type the type analysis found, and clear them.
    fn reverse_mem_intrinsic(
        &mut self,
        inst: Value,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<()> {
        let ctx = self.synth.ctx;
        let name = inst.called_function().map(|f| f.name()).unwrap_or_default();
        let (dst, src) = (inst.operand(0), inst.operand(1));
        let sd = self.rev_value(Need::Shadow(dst), local)?;
        let len = self.rev_value(Need::Primal(inst.operand(2)), local)?;
        if is_tape_move(inst) {
            // A move between shadow tape blocks (tape_blocks.rs): back.
            let ss = self.rev_value(Need::Shadow(src), local)?;
            let m = self.b.memcpy(ss, sd, len, 1);
            crate::ir::metadata::mark(m, crate::ir::metadata::TAPE_MOVE);
            return Ok(());
        }
        let zero_dst = |this: &Self| {
            this.b.memset(sd, Type::i8(ctx).null(), len, 1);
        };
        if name.starts_with("llvm.memset") || !self.activity.is_varied(src) {
            zero_dst(self);
            return Ok(());
        }
        let (stride, fields) = match self.copy_type(inst, dst, src) {
            MemoryType::Float(t) => (self.type_size_exact(t), vec![(0, t)]),
            MemoryType::NoFloats => return Ok(()),
            MemoryType::Fields(fields) => {
                // One struct: each float field's adjoint moves back.
                let ss = self.rev_value(Need::Shadow(src), local)?;
                for (off, t) in fields {
                    let pd = self.b.byte_gep(sd, off);
                    let ps = self.b.byte_gep(ss, off);
                    self.move_adjoint(pd, ps, t);
                }
                return Ok(());
            }
            MemoryType::Strided { stride, fields, .. } => (stride, fields),
            MemoryType::Unknown(why) => return Err(AdcError::unsupported(inst, why)),
        };
        let ss = self.rev_value(Need::Shadow(src), local)?;
        self.move_adjoints(sd, ss, len, stride, &fields);
        Ok(())
    }

    /// Add the adjoint of type `t` at `from` to the one at `to`; zero it.
    fn move_adjoint(&self, from: Value, to: Value, t: Type) {
        let d = self.b.load(t, from);
        self.b.store(t.null(), from);
        let cur = self.b.load(t, to);
        self.b.store(self.b.fadd(cur, d), to);
    }

    /// Move the adjoints of the `len` bytes at `from` to those at `to`
    /// (the reverse of copying `to` to `from`): elements of `stride` bytes,
    /// each with floats at `fields` (offset, type).
    fn move_adjoints(
        &mut self,
        from: Value,
        to: Value,
        len: Value,
        stride: u64,
        fields: &[(u64, Type)],
    ) {
        self.for_each_element(len, stride, |this, k, at| {
            if let [(0, t)] = fields {
                if this.type_size_exact(*t) == stride {
                    // An array of floats: indexed by element.
                    this.move_adjoint(this.b.gep(*t, from, k), this.b.gep(*t, to, k), *t);
                    return;
                }
            }
            let i8t = Type::i8(this.synth.ctx);
            for (off, t) in fields {
                let o = this.b.add(at, at.ty().const_int(*off as i64));
                this.move_adjoint(this.b.gep(i8t, from, o), this.b.gep(i8t, to, o), *t);
            }
        });
    }

    /// A loop at the builder over the elements of `len` bytes of `stride`
    /// bytes each; `body` gets each element's index and byte offset (i64).
    fn for_each_element(&mut self, len: Value, stride: u64, body: impl Fn(&Self, Value, Value)) {
        let ctx = self.synth.ctx;
        let i64t = Type::i64(ctx);
        let len = if len.ty() == i64t {
            len
        } else {
            self.b.cast(LLVMOpcode::LLVMZExt, len, i64t)
        };
        let n = self.b.udiv(len, i64t.const_int(stride as i64));
        let entry = self.b.insert_block();
        // (The function being built: the gradient, or in split mode the
        // augmented forward.)
        let f = entry.function();
        let (head, next_block, exit) = (
            f.append_block(ctx, "rev.copy.head"),
            f.append_block(ctx, "rev.copy.body"),
            f.append_block(ctx, "rev.copy.exit"),
        );
        self.b.br(head);
        self.b.position_at_end(head);
        let k = self.b.phi(i64t, "k");
        let more = self.b.icmp(llvm_sys::LLVMIntPredicate::LLVMIntULT, k, n);
        self.b.cond_br(more, next_block, exit);
        self.b.position_at_end(next_block);
        let at = self.b.mul(k, i64t.const_int(stride as i64));
        body(self, k, at);
        let latch = self.b.insert_block();
        let next = self.b.add(k, i64t.const_int(1));
        self.b.br(head);
        k.add_incoming(i64t.const_int(0), entry);
        k.add_incoming(next, latch);
        self.b.position_at_end(exit);
    }

    /// What memory copy `copy` (from `src` to `dst`) moves: what its
    /// `!tbaa.struct` says, else the type analysis, else the hint.
    fn copy_type(&self, copy: Value, dst: Value, src: Value) -> MemoryType {
        match (self.copy_type_found(copy, dst, src), &self.synth.type_hint) {
            (MemoryType::Unknown(why), Some(h)) => match h.float_at(copy) {
                Some(t) => MemoryType::Float(t),
                None => MemoryType::Unknown(why),
            },
            (t, _) => t,
        }
    }

    /// What the analyses find copy `copy` moves, without the hint.
    fn copy_type_found(&self, copy: Value, dst: Value, src: Value) -> MemoryType {
        if let Some(t) = crate::analysis::types::tbaa_struct_type(copy) {
            return t;
        }
        // The layout of the structs the copied pointers point to.
        let layouts = self
            .layouts
            .get_or_init(|| crate::analysis::tbaa::Layouts::of_module(self.src));
        match (layouts.pointee(dst), layouts.pointee(src)) {
            (Some(a), Some(b)) if a != b => {
                return MemoryType::Unknown(
                    "its source and destination point to structs of different layouts".into(),
                )
            }
            (Some(t), _) | (None, Some(t)) => return t,
            (None, None) => {}
        }
        let types = self.types.get_or_init(|| TypeAnalysis::compute(self.src));
        types.memory_type(&[dst, src])
    }

    fn type_size_exact(&self, t: Type) -> u64 {
        let td = unsafe { LLVMGetModuleDataLayout(self.synth.module) };
        unsafe { LLVMABISizeOfType(td, t.0) }
    }

    /// Adjoints of the structural operations: the transposed operation.
    fn reverse_linear(
        &mut self,
        inst: Value,
        r_bar: Value,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<()> {
        use LLVMOpcode::*;
        let single_index = |inst: Value| -> Result<u32> {
            match inst.indices().as_slice() {
                [i] => Ok(*i),
                _ => Err(AdcError::unsupported(
                    inst,
                    "reverse mode through nested aggregate indices is not supported yet",
                )),
            }
        };
        match inst.opcode().expect("instruction") {
            LLVMSelect => {
                let c = self.rev_value(Need::Primal(inst.operand(0)), local)?;
                let z = inst.ty().null();
                let a = self.b.select(c, r_bar, z);
                let b = self.b.select(c, z, r_bar);
                self.accumulate(inst.operand(1), a);
                self.accumulate(inst.operand(2), b);
            }
            LLVMFPExt => {
                let d = self.b.cast(LLVMFPTrunc, r_bar, inst.operand(0).ty());
                self.accumulate(inst.operand(0), d);
            }
            LLVMFPTrunc => {
                let d = self.b.cast(LLVMFPExt, r_bar, inst.operand(0).ty());
                self.accumulate(inst.operand(0), d);
            }
            LLVMFreeze => self.accumulate(inst.operand(0), r_bar),
            LLVMExtractValue => {
                let agg = inst.operand(0);
                let i = single_index(inst)?;
                let d = self.b.insert_value(agg.ty().null(), r_bar, i);
                self.accumulate(agg, d);
            }
            LLVMInsertValue => {
                let (agg, val) = (inst.operand(0), inst.operand(1));
                let i = single_index(inst)?;
                let d_val = self.b.extract_value(r_bar, i);
                let d_agg = self.b.insert_value(r_bar, val.ty().null(), i);
                self.accumulate(agg, d_agg);
                self.accumulate(val, d_val);
            }
            LLVMExtractElement => {
                let vec = inst.operand(0);
                let i = self.rev_value(Need::Primal(inst.operand(1)), local)?;
                let d = self.b.insert_element(vec.ty().null(), r_bar, i);
                self.accumulate(vec, d);
            }
            LLVMInsertElement => {
                let (vec, val) = (inst.operand(0), inst.operand(1));
                let i = self.rev_value(Need::Primal(inst.operand(2)), local)?;
                let d_val = self.b.extract_element(r_bar, i);
                let d_vec = self.b.insert_element(r_bar, val.ty().null(), i);
                self.accumulate(vec, d_vec);
                self.accumulate(val, d_val);
            }
            LLVMShuffleVector => {
                // Lane j of the result is lane mask[j] of a ++ b.
                let (a, bv) = (inst.operand(0), inst.operand(1));
                let n = a.ty().vector_size();
                let i32t = Type::i32(self.synth.ctx);
                let (mut da, mut db) = (a.ty().null(), bv.ty().null());
                for j in 0..inst.ty().vector_size() {
                    let m = unsafe { llvm_sys::core::LLVMGetMaskValue(inst.0, j) };
                    if m < 0 {
                        continue; // poison lane
                    }
                    let lane = self.b.extract_element(r_bar, i32t.const_int(j as i64));
                    let (target, k) = if (m as u32) < n {
                        (&mut da, m)
                    } else {
                        (&mut db, m - n as i32)
                    };
                    let k = i32t.const_int(k as i64);
                    let cur = self.b.extract_element(*target, k);
                    *target = self.b.insert_element(*target, self.b.fadd(cur, lane), k);
                }
                self.accumulate(a, da);
                self.accumulate(bv, db);
            }
            LLVMCall => {
                // llvm.vector.reduce.fadd(start, v): every lane gets r_bar.
                let (start, v) = (inst.operand(0), inst.operand(1));
                self.accumulate(start, r_bar);
                let i32t = Type::i32(self.synth.ctx);
                let mut splat = v.ty().null();
                for j in 0..v.ty().vector_size() {
                    splat = self
                        .b
                        .insert_element(splat, r_bar, i32t.const_int(j as i64));
                }
                self.accumulate(v, splat);
            }
            _ => {
                return Err(AdcError::unsupported(
                    inst,
                    "this structural operation has no reverse rule yet",
                ))
            }
        }
        Ok(())
    }

    /// A call of a module function: call its gradient, seeded with the
    /// result's adjoint, and add the returned adjoints to the arguments.
    /// How a module call's arguments take part (as the callee's activity).
    fn call_activities(&self, inst: Value) -> Vec<Activity> {
        let region = crate::ir::openmp::fork_loc(inst).is_some();
        inst.call_args()
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if region && i < 2 {
                    // (a region's thread numbers are the runtime's)
                    return Activity::Const;
                }
                if a.ty().is_pointer() && self.activity.is_varied(*a) {
                    Activity::Dup
                } else if a.ty().is_float() && self.has_adjoint(*a) {
                    Activity::Active
                } else {
                    Activity::Const
                }
            })
            .collect()
    }

    /// Forward sweep of a module call in split mode: the augmented primal,
    /// which leaves what its adjoint needs on our tape.
    fn forward_split_call(&mut self, inst: Value) -> Result<Option<Value>> {
        if crate::ir::openmp::fork_loc(inst).is_some() {
            return self.forward_region_call(inst);
        }
        let Some(callee) = inst.called_function() else {
            return Ok(None);
        };
        if !(self.is_reversed(inst) && self.is_module_call(inst)) {
            return Ok(None);
        }
        let acts = self.call_activities(inst);
        let Some(pair) = self.synth.split_of(callee, &acts) else {
            return Ok(None);
        };
        let (t, _) = self.tape.expect("tape for split calls");
        let mut args = Vec::new();
        for (a, act) in inst.call_args().iter().zip(&acts) {
            args.push(self.primal(*a));
            if *act == Activity::Dup {
                args.push(self.pointer_shadow(*a, inst, None)?);
            }
        }
        args.push(t);
        let r = self.b.call(pair.aug, &args);
        if inst.ty().contains_pointer() {
            let primal = self.b.extract_value(r, 0);
            self.smap.insert(inst, self.b.extract_value(r, 1));
            self.pm.values.insert(inst, primal);
            return Ok(Some(primal));
        }
        if !inst.ty().is_void() {
            self.pm.values.insert(inst, r);
        }
        Ok(Some(r))
    }

    /// Forward sweep of an adc-runtime routine: its `_aug` form, whose tape
    /// the reverse sweep hands to `_vjp`.
    fn forward_runtime_call(&mut self, inst: Value) -> Result<()> {
        let callee = inst.called_function().expect("direct call");
        let aug = if checkpoint::is_loop(callee) {
            if self.aug.is_some() {
                // Between its sweeps the caller's code runs, which may
                // change memory the recomputed iterations read.
                return Err(AdcError::unsupported(
                    inst,
                    format!(
                        "cannot checkpoint the loop at {}: its function is called by another \
                         function being differentiated; checkpoint a loop of the function named \
                         with -f that no other one calls",
                        checkpoint::where_of(callee)
                    ),
                ));
            }
            checkpoint::aug_of(callee)
        } else {
            runtime_form(callee, RuntimeForm::Aug)
        };
        let args: Vec<Value> = inst.call_args().iter().map(|a| self.primal(*a)).collect();
        let t = self.b.call(aug, &args);
        self.call_tapes.insert(inst, t);
        Ok(())
    }

    /// Reverse sweep of an adc-runtime routine: its `_vjp` moves the output
    /// shadows' adjoints to the input shadows (inactive pointers: null).
    fn reverse_runtime_call(
        &mut self,
        inst: Value,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<()> {
        let callee = inst.called_function().expect("direct call");
        let vjp = if checkpoint::is_loop(callee) {
            // Its reverse sweep turns with the iteration's gradient.
            let shadowed: Vec<bool> = inst
                .call_args()
                .iter()
                .map(|a| a.ty().is_pointer() && self.activity.is_varied(*a))
                .collect();
            let acts = checkpoint::step_activity(callee, &shadowed);
            let (g, _) = self.synth.gradient_of(checkpoint::step_of(callee), &acts);
            checkpoint::reverse_sweep(callee, &acts, g)
        } else {
            runtime_form(callee, RuntimeForm::Vjp)
        };
        let mut args = Vec::new();
        for a in inst.call_args() {
            args.push(self.rev_value(Need::Primal(a), local)?);
            if a.ty().is_pointer() {
                args.push(if self.activity.is_varied(a) {
                    self.rev_value(Need::Shadow(a), local)?
                } else {
                    a.ty().null()
                });
            }
        }
        args.push(self.rev_value(Need::CallTape(inst), local)?);
        self.b.call(vjp, &args);
        Ok(())
    }

    fn reverse_call(&mut self, inst: Value, local: &mut IndexMap<Need, Value>) -> Result<()> {
        if crate::ir::openmp::fork_loc(inst).is_some() {
            return self.reverse_region_call(inst, local);
        }
        let callee = inst.called_function().expect("direct call");
        let args = inst.call_args();
        let acts = self.call_activities(inst);
        // Split mode pairs with the augmented primal the forward sweep called.
        let split = self.synth.split_of(callee, &acts);
        let (g, sig) = match split {
            Some(pair) => (pair.rev, grad_signature(callee, &acts)),
            None => self.synth.gradient_of(callee, &acts),
        };
        let mut call_args = Vec::new();
        for (a, act) in args.iter().zip(&acts) {
            call_args.push(self.rev_value(Need::Primal(*a), local)?);
            if *act == Activity::Dup {
                call_args.push(self.rev_value(Need::Shadow(*a), local)?);
            }
        }
        if sig.seeded_return {
            let seed = self.take_adjoint(inst);
            call_args.push(seed);
        }
        if split.is_some() {
            call_args.push(self.tape_rev.expect("tape for split calls"));
        }
        let r = self.b.call(g, &call_args);
        match sig.adjoints.as_slice() {
            [] => {}
            [i] => self.accumulate(args[*i], r),
            many => {
                for (k, i) in many.iter().enumerate() {
                    let d = self.b.extract_value(r, k as u32);
                    self.accumulate(args[*i], d);
                }
            }
        }
        Ok(())
    }

    /// End of a reverse block: phi adjoints flow along the edge the forward
    /// run took; then on to that predecessor's reverse block (or return).
    fn turn_to_predecessor(&mut self, bb: Block, local: &mut IndexMap<Need, Value>) -> Result<()> {
        let ctx = self.synth.ctx;
        let preds = distinct_preds(&self.cfg, bb);
        if preds.is_empty() {
            return self.finish_gradient();
        }
        if self.trivial {
            self.b.br(self.rmap[&self.entry_bb]);
            return Ok(());
        }
        let phis: Vec<Value> = bb
            .instructions()
            .into_iter()
            .filter(|i| i.opcode() == Some(LLVMOpcode::LLVMPHI) && self.has_adjoint(*i))
            .collect();
        let edges: Vec<Block> = if preds.len() == 1 {
            vec![self.b.insert_block()]
        } else if let Some(l) = self
            .loops
            .simple_loop(bb)
            .filter(|_| self.loop_entry.contains_key(&bb) || self.counted.contains_key(&bb))
        {
            let l = l.clone();
            let first = if let Some(&(phi, start)) = self.counted.get(&bb) {
                let now = self.rev_value(Need::Primal(phi), local)?;
                let start = self.rev_value(Need::Primal(start), local)?;
                self.b
                    .icmp(llvm_sys::LLVMIntPredicate::LLVMIntEQ, now, start)
            } else {
                let (t, fns) = self.tape_rev_fns();
                let now = self.b.call(fns.len, &[t]);
                let at_entry = self.b.load(Type::i64(ctx), self.entry_len_slot[&bb]);
                self.b
                    .icmp(llvm_sys::LLVMIntPredicate::LLVMIntEQ, now, at_entry)
            };
            let to_pre = self
                .dst
                .append_block(ctx, &format!("rev.{}.entry", bb.name()));
            let to_latch = self
                .dst
                .append_block(ctx, &format!("rev.{}.back", bb.name()));
            self.b.cond_br(first, to_pre, to_latch);
            preds
                .iter()
                .map(|p| if *p == l.preheader { to_pre } else { to_latch })
                .collect()
        } else {
            let idx = match self.pred_by_cond.get(&bb).cloned() {
                Some(rule) => self.pred_from_rule(&rule, local, true)?,
                None => self.rev_value(Need::PredIndex(bb), local)?,
            };
            let blocks: Vec<Block> = (0..preds.len())
                .map(|i| {
                    self.dst
                        .append_block(ctx, &format!("rev.{}.from{i}", bb.name()))
                })
                .collect();
            let cases: Vec<(Value, Block)> = (1..preds.len())
                .map(|i| (Type::i32(ctx).const_int(i as i64), blocks[i]))
                .collect();
            self.b.switch(idx, blocks[0], &cases);
            blocks
        };
        for (pred, edge) in preds.iter().zip(edges) {
            self.b.position_at_end(edge);
            // Back to the previous iteration: step the induction variables back.
            let looping = self.loop_entry.contains_key(&bb) || self.counted.contains_key(&bb);
            if looping && self.loops.simple_loop(bb).is_some_and(|l| l.latch == *pred) {
                for (n, step) in self.ivs.get(&bb).cloned().unwrap_or_default() {
                    let ty = self.need_type(n);
                    let v = self.b.load(ty, self.hoist_slot[&n]);
                    let prev = self.b.sub(v, ty.const_int(step));
                    self.b.store(prev, self.hoist_slot[&n]);
                }
            }
            // Read all phi adjoints, clear them, then pass them on (phis are parallel).
            let mut bars = Vec::new();
            for &phi in &phis {
                let s = self.adjoint_slot(phi);
                bars.push(self.b.load(phi.ty(), s));
            }
            for &phi in &phis {
                let s = self.adjoint_slot(phi);
                self.b.store(phi.ty().neg_zero(), s);
            }
            for (&phi, bar) in phis.iter().zip(bars) {
                let v = phi
                    .incoming_from(*pred)
                    .expect("phi has an entry for each predecessor");
                self.accumulate(v, bar);
            }
            self.b.br(self.rmap[pred]);
        }
        Ok(())
    }

    /// The predecessor index a [`plan::PredRule`] gives: selects on its
    /// conditions. Nested conditions belong to blocks that may not have
    /// run, so they are frozen (a poison condition would poison the select).
    fn pred_from_rule(
        &self,
        rule: &plan::PredRule,
        local: &mut IndexMap<Need, Value>,
        top: bool,
    ) -> Result<Value> {
        let i32t = Type::i32(self.synth.ctx);
        Ok(match rule {
            plan::PredRule::Pred(i) => i32t.const_int(*i as i64),
            plan::PredRule::Branch(c, t, f) => {
                let mut cv = self.rev_value(Need::Primal(*c), local)?;
                if !top {
                    cv = self.b.freeze(cv);
                }
                let t = self.pred_from_rule(t, local, false)?;
                let f = self.pred_from_rule(f, local, false)?;
                self.b.select(cv, t, f)
            }
        })
    }

    fn finish_gradient(&mut self) -> Result<()> {
        for &(p, _, v, align) in &self.undone {
            self.b.store(v, p).set_alignment(align);
        }
        for free in self.finals.frees.clone() {
            self.clone_primal(free);
        }
        let ctx = self.synth.ctx;
        for (free, (flag, slots)) in self.guarded_frees.clone() {
            let callee = free.called_function().expect("heap call");
            let (yes, done) = (
                self.dst.append_block(ctx, "adc.free"),
                self.dst.append_block(ctx, "adc.freed"),
            );
            let f = self.b.load(Type::i1(ctx), flag);
            self.b.cond_br(f, yes, done);
            self.b.position_at_end(yes);
            let args: Vec<Value> = free
                .call_args()
                .iter()
                .zip(&slots)
                .map(|(a, s)| self.b.load(a.ty(), *s))
                .collect();
            self.b.call(callee, &args);
            self.b.br(done);
            self.b.position_at_end(done);
        }
        if let (Some((t, fns)), None) = (&self.tape, self.aug) {
            self.b.call(fns.free, &[*t]);
        }
        let params = self.src.params();
        let adj: Vec<Value> = self
            .sig
            .adjoints
            .clone()
            .into_iter()
            .map(|i| {
                let s = self.adjoint_slot(params[i]);
                let a = self.b.load(params[i].ty(), s);
                // Adjoints start at -0.0 (see `Type::neg_zero`); a parameter
                // nothing flowed to returns +0.0.
                self.add(a, params[i].ty().null())
            })
            .collect();
        match adj.as_slice() {
            [] => self.b.ret_void(),
            [a] => self.b.ret(*a),
            many => {
                let rty = self.dst.return_type();
                let mut agg = rty.null();
                for (k, a) in many.iter().enumerate() {
                    agg = self.b.insert_value(agg, *a, k as u32);
                }
                self.b.ret(agg)
            }
        };
        Ok(())
    }
}

/// The alignment of a tape field at byte `off` of a bundle: bundles start
/// at multiples of 4 ([`AdjointBuilder::tape_layout`]).
fn tape_alignment(off: u64) -> u32 {
    if off == 0 {
        4
    } else {
        4.min(1u32 << off.trailing_zeros().min(2))
    }
}
