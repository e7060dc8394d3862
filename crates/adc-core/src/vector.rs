//! Vector mode: one tangent function that carries N tangents at once.
//!
//! A tangent function (forward mode) is the primal's code plus tangent code
//! beside it. The tangent code is linear in the seeds, and the primal part
//! never reads it, so N directions can share one primal run: [`Batcher`]
//! copies a finished tangent function once, keeping every instruction that
//! does not depend on a tangent (the primal, and the partial derivatives
//! rules compute from it) once, and everything that does N times, lane k
//! reading lane k of its operands. LLVM's SLP vectorizer then packs the
//! lanes. Which instructions are tangent code is a data-flow question: the
//! lane parameters (the twins), and the shadow objects forward mode
//! allocates (marked by `ir::metadata::mark_lane_object`), and everything
//! computed from them.
//!
//! What the copy cannot split into lanes is refused with the instruction
//! named: a branch on a tangent, a tangent stored into primal memory, or a
//! call whose lanes could not simply be repeated (a user's rule, an
//! adc-runtime routine, a global's shadow shared by the call tree).
//! Calls of other tangent functions call their own batched form, with N
//! twins per duplicated parameter; tangent functions are batched once per
//! width and cached.

use crate::analysis::ControlFlowGraph;
use crate::error::{AdcError, Result};
use crate::forward::{ForwardSynth, TangentSignature};
use crate::ir::{add_function, Builder, Function, Type, Value};
use crate::signature::Activity;
use indexmap::{IndexMap, IndexSet};
use llvm_sys::core::*;
use llvm_sys::prelude::{LLVMContextRef, LLVMModuleRef};
use llvm_sys::LLVMOpcode;

use crate::ir::metadata::is_lane_object;

/// Library calls that only read: each lane may ask its own shadow.
const SIZE_QUERIES: &[&str] = &["malloc_usable_size", "malloc_size", "_msize"];

/// A tangent function as [`Batcher`] sees it.
#[derive(Clone, Debug)]
pub struct TangentFn {
    /// Per parameter of the tangent function: whether it is a twin (a
    /// tangent or shadow pointer), which becomes N parameters.
    pub lanes: Vec<bool>,
    /// It returns `{primal, tangent}`; the batched form `{primal, [N x tangent]}`.
    pub paired: bool,
    /// Every lane has a result of its own (`__enzyme_batch` of a primal
    /// function): the batched form returns `[N x result]`.
    pub lane_results: bool,
}

impl TangentFn {
    /// How the tangent function of `f` under `acts` takes its twins.
    pub fn of(f: Function, acts: &[Activity], sig: &TangentSignature) -> TangentFn {
        let mut lanes = Vec::new();
        for (_, a) in f.params().iter().zip(acts) {
            lanes.push(false);
            if a.has_shadow() {
                lanes.push(true);
            }
        }
        TangentFn {
            lanes,
            paired: sig.paired_return,
            lane_results: false,
        }
    }
}

/// Every tangent function `fwd` declared, as batchers see them.
pub fn tangent_functions(fwd: &ForwardSynth) -> IndexMap<Function, TangentFn> {
    fwd.declared()
        .into_iter()
        .map(|(f, acts, g, sig)| (g, TangentFn::of(f, &acts, &sig)))
        .collect()
}

/// The batched tangent function of `f` under `acts` at `batcher`'s width.
pub fn batched_tangent(
    fwd: &mut ForwardSynth,
    batcher: &mut Batcher,
    f: Function,
    acts: &[Activity],
) -> (Function, TangentFn) {
    let (g, sig) = fwd.tangent_of(f, acts);
    let info = TangentFn::of(f, acts, &sig);
    (batcher.batched(g, &info), info)
}

/// The public `NAME_fwdN` of vector mode: each parameter followed by its
/// `width` tangents (shadow pointers for duplicated ones), and for a
/// floating-point result a trailing `d_ret` pointer that receives the
/// `width` tangents of the result, lane after lane.
pub fn public_wrapper(
    fwd: &mut ForwardSynth,
    batcher: &mut Batcher,
    f: Function,
    acts: &[Activity],
    name: &str,
) -> Result<Function> {
    let ret = f.return_type();
    if ret.contains_pointer() {
        return Err(AdcError::Usage(format!(
            "vector mode (--width) of `{}`: it returns a pointer, whose shadows have no \
             place in `{name}`; return the result through a pointer parameter",
            f.name()
        )));
    }
    let (gw, info) = batched_tangent(fwd, batcher, f, acts);
    // (The tangents of a paired result: its second field.)
    let tangents = |b: &Builder, call: Value| b.extract_value(call, 1);
    let out = info
        .paired
        .then_some(("d_ret", ret, &tangents as LaneResults));
    Ok(lane_wrapper(batcher, f, gw, name, out))
}

/// How a wrapper finds the `[N x T]` of lanes in a batched call's result.
type LaneResults<'a> = &'a dyn Fn(&Builder, Value) -> Value;

/// The public void function `name` around batched `gw` (of `f`): the
/// globals' lane shadows cleared, then the call; with `out` = (its name,
/// the element type T, where the lanes are) a last pointer parameter
/// receives the N lanes of the result, one T after another.
fn lane_wrapper(
    batcher: &Batcher,
    f: Function,
    gw: Function,
    name: &str,
    out: Option<(&str, Type, LaneResults)>,
) -> Function {
    let ctx = batcher.ctx;
    let mut ptys = gw.fn_type().params();
    if out.is_some() {
        ptys.push(Type::ptr(ctx));
    }
    let w = add_function(batcher.module, name, Type::function(Type::void(ctx), &ptys));
    let b = Builder::new(ctx);
    b.position_at_end(w.append_block(ctx, "entry"));
    clear_lane_shadows(&b, f, batcher.width);
    let ps = w.params();
    let call = b.call(gw, &ps[..gw.fn_type().params().len()]);
    if let Some((out_name, ty, lanes_of)) = out {
        let p = *ps.last().expect("the results' pointer");
        p.set_name(out_name);
        let lanes = lanes_of(&b, call);
        let i64t = Type::i64(ctx);
        for k in 0..batcher.width {
            let t = b.extract_value(lanes, k);
            b.store(t, b.gep(ty, p, i64t.const_int(k as i64)));
        }
    }
    b.ret_void();
    w
}

/// A reverse-mode derivative's parameters as lanes: each parameter, then
/// for a duplicated one its shadow, which has one per lane.
fn shadow_lanes(acts: &[Activity]) -> Vec<bool> {
    let mut lanes = Vec::new();
    for a in acts {
        lanes.push(false);
        if matches!(a, Activity::Dup | Activity::DupNoNeed) {
            lanes.push(true);
        }
    }
    lanes
}

/// Gradient `g` (under `acts`, seeded when `seeded`) batched to the
/// batcher's width: N shadows per duplicated parameter, N seeds, N results.
pub fn batched_gradient(
    batcher: &mut Batcher,
    acts: &[Activity],
    g: Function,
    seeded: bool,
) -> Function {
    let mut lanes = shadow_lanes(acts);
    if seeded {
        lanes.push(true);
    }
    let info = TangentFn {
        lanes,
        paired: false,
        lane_results: !g.return_type().is_void(),
    };
    batcher.batched(g, &info)
}

/// The public `NAME_gradN` of reverse vector mode: gradient `g` of `f`
/// (under `acts`, with a seed `d_ret` when `seeded`) carrying N seeds at
/// once. The reverse sweep is linear in the seeds and its control flow
/// reads only the tape, so the batched copy shares the forward sweep and
/// the tape and repeats the adjoint code per lane: each duplicated
/// parameter is followed by N shadows, the seed is N seeds, and the N
/// results (the returned adjoints) are written to a last pointer `d_out`.
pub fn public_gradient_wrapper(
    batcher: &mut Batcher,
    f: Function,
    acts: &[Activity],
    g: Function,
    seeded: bool,
    name: &str,
) -> Result<Function> {
    if f.return_type().contains_pointer() {
        return Err(AdcError::Usage(format!(
            "reverse vector mode (--width) of `{}`: it returns a pointer; return the result \
             through a pointer parameter",
            f.name()
        )));
    }
    let ret = g.return_type();
    let gw = batched_gradient(batcher, acts, g, seeded);
    // (One result per lane: the call's result is the `[N x T]`.)
    let whole = |_: &Builder, call: Value| call;
    let out = (!ret.is_void()).then_some(("d_out", ret, &whole as LaneResults));
    Ok(lane_wrapper(batcher, f, gw, name, out))
}

/// Split pairs (reverse/mod.rs) as reverse vector mode batches them: the
/// augmented primal takes N shadows per duplicated parameter and returns
/// the primal result (with N shadows of a pointer result), the reverse
/// takes N shadows and N seeds and returns N sets of adjoints; the tape is
/// shared.
pub fn split_functions(
    pairs: &[(Function, Vec<Activity>, crate::reverse::SplitPair)],
) -> IndexMap<Function, TangentFn> {
    let mut out = IndexMap::new();
    for (f, acts, pair) in pairs {
        let lanes = shadow_lanes(acts);
        let mut aug = lanes.clone();
        aug.push(false);
        out.insert(
            pair.aug,
            TangentFn {
                lanes: aug,
                paired: f.return_type().contains_pointer(),
                lane_results: false,
            },
        );
        let mut rev = lanes;
        if f.return_type().contains_float() {
            rev.push(true);
        }
        rev.push(false);
        out.insert(
            pair.rev,
            TangentFn {
                lanes: rev,
                paired: false,
                lane_results: !pair.rev.return_type().is_void(),
            },
        );
    }
    out
}

/// One [`Batcher`] per width asked for (by `--width` or Enzyme call sites).
#[derive(Default)]
pub struct Batchers {
    by_width: IndexMap<u32, Batcher>,
}

impl Batchers {
    /// The batcher of `width`.
    pub fn width(
        &mut self,
        module: LLVMModuleRef,
        ctx: LLVMContextRef,
        width: u32,
    ) -> &mut Batcher {
        self.by_width
            .entry(width)
            .or_insert_with(|| Batcher::new(module, ctx, width, IndexMap::new()))
    }

    /// Build every batched function, given all tangent functions of the
    /// module (their bodies built).
    pub fn finish(&mut self, known: &IndexMap<Function, TangentFn>) -> Result<()> {
        for b in self.by_width.values_mut() {
            b.learn(known);
            b.finish()?;
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.by_width.is_empty()
    }

    /// Whether some batched function still waits for its source's body.
    pub fn has_pending(&self) -> bool {
        self.by_width.values().any(Batcher::has_pending)
    }
}

/// Batches tangent functions to a width, caching each.
pub struct Batcher {
    module: LLVMModuleRef,
    ctx: LLVMContextRef,
    width: u32,
    known: IndexMap<Function, TangentFn>,
    /// Users' forward rules (`{primal, tangent}` from each argument and its
    /// tangent), called once per lane.
    rules: IndexSet<Function>,
    done: IndexMap<Function, Function>,
    pending: Vec<(Function, Function)>,
}

impl Batcher {
    /// `known`: every tangent function of the module (callees included).
    pub fn new(
        module: LLVMModuleRef,
        ctx: LLVMContextRef,
        width: u32,
        known: IndexMap<Function, TangentFn>,
    ) -> Self {
        let rules = crate::ir::functions(module)
            .into_iter()
            .filter_map(crate::rules::custom::forward_rule)
            .collect();
        Batcher {
            module,
            ctx,
            width,
            known,
            rules,
            done: IndexMap::new(),
            pending: Vec::new(),
        }
    }

    /// Tangent functions this batcher may meet, by what they take.
    pub fn learn(&mut self, known: &IndexMap<Function, TangentFn>) {
        for (g, info) in known {
            self.known.insert(*g, info.clone());
        }
    }

    /// The batched form of tangent function `g` (described by `info`),
    /// declared now; bodies are built by [`Batcher::finish`].
    pub fn batched(&mut self, g: Function, info: &TangentFn) -> Function {
        if let Some(b) = self.done.get(&g) {
            return *b;
        }
        self.known.insert(g, info.clone());
        let info = info.clone();
        let n = self.width as usize;
        let mut ptys = Vec::new();
        for (t, lane) in g.fn_type().params().into_iter().zip(&info.lanes) {
            ptys.extend(std::iter::repeat_n(t, if *lane { n } else { 1 }));
        }
        let ret = g.return_type();
        let rty = if info.lane_results && !ret.is_void() {
            self.lanes_of(ret)
        } else if info.paired {
            let r = ret.struct_fields()[0];
            Type::struct_of(self.ctx, &[r, self.lanes_of(r)])
        } else {
            ret
        };
        let name = format!("{}.w{}", g.name(), self.width);
        let w = add_function(self.module, &name, Type::function(rty, &ptys));
        w.set_internal();
        self.done.insert(g, w);
        self.pending.push((g, w));
        w
    }

    /// The batched form of primal function `f` (`__enzyme_batch`): the
    /// parameters where `lanes` take one value per lane, and it returns one
    /// result per lane.
    pub fn batched_primal(&mut self, f: Function, lanes: Vec<bool>) -> Function {
        let info = TangentFn {
            lanes,
            paired: false,
            lane_results: true,
        };
        self.batched(f, &info)
    }

    /// `[N x t]`: one value per lane.
    pub fn lanes_of(&self, t: Type) -> Type {
        Type(unsafe { LLVMArrayType2(t.0, self.width as u64) })
    }

    /// Build the bodies of every batched function declared so far.
    pub fn finish(&mut self) -> Result<()> {
        // (A gradient gets its body after the tangent functions: its
        // batched form waits for the next call, once reverse mode is done.)
        let mut waiting = Vec::new();
        while let Some((g, w)) = self.pending.pop() {
            if g.blocks().is_empty() {
                waiting.push((g, w));
                continue;
            }
            LaneCopy::new(self, g, w).build()?;
        }
        self.pending = waiting;
        Ok(())
    }

    /// Whether batched functions wait for their source's body.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// One batched copy being built.
struct LaneCopy<'b> {
    batcher: &'b mut Batcher,
    src: Function,
    dst: Function,
    b: Builder,
    /// Instructions and parameters of `src` that carry tangents.
    tainted: IndexSet<Value>,
    /// `src` value -> its copy: one entry (shared) or one per lane.
    map: IndexMap<Value, Vec<Value>>,
    blocks: IndexMap<crate::ir::Block, crate::ir::Block>,
    /// Batched calls of other tangent functions, by the call in `src`.
    calls: IndexMap<Value, Value>,
    phis: Vec<Value>,
}

impl<'b> LaneCopy<'b> {
    fn new(batcher: &'b mut Batcher, src: Function, dst: Function) -> Self {
        let b = Builder::new(batcher.ctx);
        LaneCopy {
            batcher,
            src,
            dst,
            b,
            tainted: IndexSet::new(),
            map: IndexMap::new(),
            blocks: IndexMap::new(),
            calls: IndexMap::new(),
            phis: Vec::new(),
        }
    }

    fn width(&self) -> usize {
        self.batcher.width as usize
    }

    /// Whether `inst` is the primal half of the result of a paired tangent
    /// call or of a user's forward rule (`extractvalue %call, 0`, or
    /// element 0 of a `<2 x float>`): lane-independent.
    fn primal_of_call(&self, inst: Value) -> bool {
        let first = match inst.opcode() {
            Some(LLVMOpcode::LLVMExtractValue) => (unsafe { *LLVMGetIndices(inst.0) }) == 0,
            Some(LLVMOpcode::LLVMExtractElement) => inst.operand(1).const_u64() == Some(0),
            _ => false,
        };
        let call = inst.operand(0);
        first
            && (self.tangent_call(call).is_some_and(|t| t.paired) || self.rule_call(call).is_some())
    }

    /// The user's forward rule `inst` calls, if it does.
    fn rule_call(&self, inst: Value) -> Option<Function> {
        if inst.opcode() != Some(LLVMOpcode::LLVMCall) {
            return None;
        }
        inst.called_function()
            .filter(|f| self.batcher.rules.contains(f))
    }

    fn tangent_call(&self, inst: Value) -> Option<&TangentFn> {
        if inst.opcode() != Some(LLVMOpcode::LLVMCall) {
            return None;
        }
        self.batcher.known.get(&inst.called_function()?)
    }

    /// The tangent code of `src`: what the lane parameters, the shadow
    /// objects, calls of tangent functions (batched even without twins
    /// passed: they may read a global's shadow, which has lanes) and
    /// addresses in globals' shadows reach through their users (a worklist:
    /// each instruction is visited once per operand that taints it).
    fn find_tangent_code(&mut self) {
        let lanes = self.batcher.known[&self.src].lanes.clone();
        let mut work: Vec<Value> = Vec::new();
        for (p, lane) in self.src.params().into_iter().zip(lanes) {
            if lane {
                work.push(p);
            }
        }
        for i in self.src.blocks().into_iter().flat_map(|b| b.instructions()) {
            let seed = is_lane_object(i)
                || self.tangent_call(i).is_some()
                || i.operands().any(is_lane_address);
            if seed && !self.primal_of_call(i) {
                work.push(i);
            }
        }
        while let Some(v) = work.pop() {
            if !self.tainted.insert(v) {
                continue;
            }
            // A tangent function's primal-only result (a tape helper's
            // length) is one value for all lanes: the call is batched, its
            // users are not.
            if self
                .tangent_call(v)
                .is_some_and(|t| !t.paired && !t.lane_results)
            {
                continue;
            }
            for u in v.users() {
                if u.is_instruction() && !self.tainted.contains(&u) && !self.primal_of_call(u) {
                    work.push(u);
                }
            }
        }
    }

    /// Whether `v` differs between lanes.
    fn is_lane_value(&self, v: Value) -> bool {
        self.tainted.contains(&v) || is_lane_address(v)
    }

    /// Lane `k` of `v`'s copy (constants and shared values for every lane).
    fn lane(&self, v: Value, k: usize) -> Value {
        if unsafe { LLVMValueIsBasicBlock(v.0) } != 0 {
            let bb = crate::ir::Block(unsafe { LLVMValueAsBasicBlock(v.0) });
            return self.blocks.get(&bb).map(|b| b.as_value()).unwrap_or(v);
        }
        match self.map.get(&v) {
            Some(c) if c.len() == 1 => c[0],
            Some(c) => c[k],
            None => lane_address(v, k).unwrap_or(v),
        }
    }

    fn copy_lane(&mut self, inst: Value, k: usize) -> Value {
        let c = inst.clone_detached();
        for i in 0..c.num_operands() {
            c.set_operand(i, self.lane(inst.operand(i), k));
        }
        self.b.insert(c);
        let name = inst.name();
        if !name.is_empty() {
            c.set_name(&if k > 0 { format!("{name}.l{k}") } else { name });
        }
        c
    }

    fn build(mut self) -> Result<()> {
        if let Some(i) = self.nested_shadow_address() {
            return Err(refuse(
                i,
                "an address inside a global's shadow that vector mode cannot move to a lane",
            ));
        }
        self.find_tangent_code();
        let n = self.width();
        let mut dparams = self.dst.params().into_iter();
        let lanes = self.batcher.known[&self.src].lanes.clone();
        for (p, lane) in self.src.params().into_iter().zip(lanes) {
            let count = if lane { n } else { 1 };
            let copies: Vec<Value> = (0..count)
                .map(|k| {
                    let q = dparams.next().expect("batched signature");
                    let name = p.name();
                    q.set_name(&if lane { format!("{name}.l{k}") } else { name });
                    q
                })
                .collect();
            self.map.insert(p, copies);
        }
        let cfg = ControlFlowGraph::compute(self.src);
        let rpo = cfg.reverse_post_order().to_vec();
        for bb in &rpo {
            let nb = self.dst.append_block(self.batcher.ctx, &bb.name());
            self.blocks.insert(*bb, nb);
        }
        for bb in &rpo {
            self.b.position_at_end(self.blocks[bb]);
            for inst in bb.instructions() {
                self.visit(inst)?;
            }
        }
        for phi in std::mem::take(&mut self.phis) {
            let copies = self.map[&phi].clone();
            for i in 0..phi.count_incoming() {
                let (v, bb) = phi.incoming(i);
                let Some(&nb) = self.blocks.get(&bb) else {
                    continue;
                };
                for (k, c) in copies.iter().enumerate() {
                    c.add_incoming(self.lane(v, k), nb);
                }
            }
        }
        Ok(())
    }

    /// An instruction whose operand is a constant address in a global's
    /// shadow other than the global or one GEP on it (what [`lane_address`]
    /// moves to a lane).
    fn nested_shadow_address(&self) -> Option<Value> {
        self.src
            .blocks()
            .into_iter()
            .flat_map(|b| b.instructions())
            .find(|i| {
                i.operands()
                    .any(|o| mentions_shadow(o) && !is_lane_address(o))
            })
    }

    fn visit(&mut self, inst: Value) -> Result<()> {
        use LLVMOpcode::*;
        let n = self.width();
        let op = inst.opcode().expect("instruction");
        if op == LLVMPHI {
            let count = if self.tainted.contains(&inst) { n } else { 1 };
            let copies: Vec<Value> = (0..count)
                .map(|k| {
                    let name = if count > 1 {
                        format!("{}.l{k}", inst.name())
                    } else {
                        inst.name()
                    };
                    self.b.phi(inst.ty(), &name)
                })
                .collect();
            self.map.insert(inst, copies);
            self.phis.push(inst);
            return Ok(());
        }
        if op == LLVMRet {
            return self.visit_ret(inst);
        }
        if self.primal_of_call(inst) {
            // The primal half: of the batched call, or of lane 0's call.
            let c = match self.calls.get(&inst.operand(0)) {
                // `extractvalue %call, 0, i...`: the same path in the batched result.
                Some(&call) => self.extract_path(call, &indices(inst)),
                None => self.copy_lane(inst, 0),
            };
            self.map.insert(inst, vec![c]);
            return Ok(());
        }
        if !self.tainted.contains(&inst) {
            let c = self.copy_lane(inst, 0);
            self.map.insert(inst, vec![c]);
            return Ok(());
        }
        match op {
            LLVMCondBr | LLVMSwitch | LLVMIndirectBr | LLVMInvoke | LLVMCallBr => {
                Err(refuse(inst, "control flow that depends on a tangent"))
            }
            LLVMExtractValue if self.calls.contains_key(&inst.operand(0)) => {
                // `extractvalue %call, 1, i...`: lane k's tangent, then i...
                let call = self.calls[&inst.operand(0)];
                let path = indices(inst);
                let t = self.b.extract_value(call, 1);
                let lanes = (0..n as u32)
                    .map(|k| self.extract_path(self.b.extract_value(t, k), &path[1..]))
                    .collect();
                self.map.insert(inst, lanes);
                Ok(())
            }
            LLVMStore if !self.is_lane_value(inst.operand(1)) => Err(refuse(
                inst,
                "a tangent stored into memory that all lanes share",
            )),
            LLVMCall => self.visit_call(inst),
            _ => {
                let lanes = (0..n).map(|k| self.copy_lane(inst, k)).collect();
                self.map.insert(inst, lanes);
                Ok(())
            }
        }
    }

    /// `v` with the extractvalue `path` applied.
    fn extract_path(&self, v: Value, path: &[u32]) -> Value {
        path.iter().fold(v, |v, &i| self.b.extract_value(v, i))
    }

    fn visit_call(&mut self, inst: Value) -> Result<()> {
        let n = self.width();
        let Some(callee) = inst.called_function() else {
            return Err(refuse(inst, "an indirect call in tangent code"));
        };
        if let Some(info) = self.batcher.known.get(&callee).cloned() {
            let w = self.batcher.batched(callee, &info);
            let mut args = Vec::new();
            for (a, lane) in inst.call_args().into_iter().zip(&info.lanes) {
                if *lane {
                    args.extend((0..n).map(|k| self.lane(a, k)));
                } else if self.tainted.contains(&a) {
                    return Err(refuse(
                        inst,
                        "a tangent passed where a callee takes a primal",
                    ));
                } else {
                    args.push(self.lane(a, 0));
                }
            }
            let c = self.b.call(w, &args);
            if info.lane_results && !c.ty().is_void() {
                // A gradient's adjoints, one result per lane.
                let lanes = (0..n as u32).map(|k| self.b.extract_value(c, k)).collect();
                self.map.insert(inst, lanes);
                return Ok(());
            }
            self.calls.insert(inst, c);
            self.map.insert(inst, vec![c]);
            return Ok(());
        }
        let name = callee.name();
        if self.rule_call(inst).is_some() {
            // A user's rule computes from values only: once per lane.
            if inst.call_args().iter().any(|a| a.ty().contains_pointer()) {
                return Err(refuse(
                    inst,
                    format!("the forward rule `{name}` takes pointers, and vector mode calls a rule once per lane"),
                ));
            }
            let lanes = (0..n).map(|k| self.copy_lane(inst, k)).collect();
            self.map.insert(inst, lanes);
            return Ok(());
        }
        // A gradient's tape blocks (reverse/tape.ll): each lane's shadow
        // tape grows into blocks of its own.
        let repeatable = if crate::reverse::tape::is_block_fn(callee) {
            true
        } else if callee.is_declaration() {
            callee.is_intrinsic()
                || crate::rules::lookup_callee(callee).is_some()
                || crate::ir::heap::HeapFn::of(inst).is_some()
                || SIZE_QUERIES.contains(&name.as_str())
        } else {
            false
        };
        if !repeatable {
            return Err(refuse(
                inst,
                format!(
                    "a call of `{name}` in tangent code, which vector mode cannot repeat per lane"
                ),
            ));
        }
        let writes_shared = (name.starts_with("llvm.memcpy")
            || name.starts_with("llvm.memmove")
            || name.starts_with("llvm.memset"))
            && !self.is_lane_value(inst.operand(0));
        if writes_shared {
            return Err(refuse(
                inst,
                "a tangent copied into memory that all lanes share",
            ));
        }
        let lanes = (0..n).map(|k| self.copy_lane(inst, k)).collect();
        self.map.insert(inst, lanes);
        Ok(())
    }

    fn visit_ret(&mut self, inst: Value) -> Result<()> {
        let info = self.batcher.known[&self.src].clone();
        if inst.num_operands() == 0 {
            self.b.ret_void();
            return Ok(());
        }
        let v = inst.operand(0);
        if info.lane_results {
            let rty = self.dst.return_type();
            let mut agg = rty.null();
            for k in 0..self.width() {
                agg = self.b.insert_value(agg, self.lane(v, k), k as u32);
            }
            self.b.ret(agg);
            return Ok(());
        }
        if !info.paired {
            if self.tainted.contains(&v) {
                return Err(refuse(inst, "a tangent returned where the primal is"));
            }
            self.b.ret(self.lane(v, 0));
            return Ok(());
        }
        let rty = self.dst.return_type();
        let lanes_ty = rty.struct_fields()[1];
        let primal = self.b.extract_value(self.lane(v, 0), 0);
        let mut tangents = lanes_ty.null();
        for k in 0..self.width() {
            let t = self.b.extract_value(self.lane(v, k), 1);
            tangents = self.b.insert_value(tangents, t, k as u32);
        }
        let agg = self.b.insert_value(rty.null(), primal, 0);
        self.b.ret(self.b.insert_value(agg, tangents, 1));
        Ok(())
    }
}

/// The indices of an `extractvalue`.
fn indices(inst: Value) -> Vec<u32> {
    unsafe {
        let n = LLVMGetNumIndices(inst.0) as usize;
        std::slice::from_raw_parts(LLVMGetIndices(inst.0), n).to_vec()
    }
}

fn is_constant_expr(v: Value) -> bool {
    unsafe { !LLVMIsAConstantExpr(v.0).is_null() }
}

fn is_shadow_global(v: Value) -> bool {
    let global = unsafe { !LLVMIsAGlobalVariable(v.0).is_null() };
    global && v.name().ends_with(".adc.shadow")
}

/// Lane `k` of a global's shadow (`NAME.adc.shadow`): the shadow itself for
/// lane 0, `NAME.adc.shadow.lK` for the others, shared by every batched
/// function of the call tree as the shadow is by the tangent functions.
pub fn lane_global(shadow: Value, k: usize) -> Value {
    if k == 0 {
        return shadow;
    }
    crate::ir::constant_tables::zeroed_twin(shadow, &format!("{}.l{k}", shadow.name()), false)
}

/// A global's shadow or a constant GEP on one: what [`lane_address`] moves.
fn is_lane_address(v: Value) -> bool {
    is_shadow_global(v)
        || (is_constant_expr(v)
            && unsafe { LLVMGetConstOpcode(v.0) } == LLVMOpcode::LLVMGetElementPtr
            && is_shadow_global(v.operand(0)))
}

/// Whether constant `v` refers to a global's shadow, at any depth.
fn mentions_shadow(v: Value) -> bool {
    is_shadow_global(v)
        || (is_constant_expr(v) && (0..v.num_operands()).any(|i| mentions_shadow(v.operand(i))))
}

/// `v` moved to lane `k` when it is a global's shadow or a constant GEP on
/// one; `None` for anything else.
fn lane_address(v: Value, k: usize) -> Option<Value> {
    if !is_lane_address(v) {
        return None;
    }
    if is_shadow_global(v) {
        return Some(lane_global(v, k));
    }
    let base = lane_global(v.operand(0), k);
    let mut idx: Vec<_> = (1..v.num_operands()).map(|i| v.operand(i).0).collect();
    Some(Value(unsafe {
        LLVMConstGEP2(
            LLVMGetGEPSourceElementType(v.0),
            base.0,
            idx.as_mut_ptr(),
            idx.len() as u32,
        )
    }))
}

/// Clear every lane's shadow of the globals `f` shadows: what entering a
/// batched derivative from outside does first.
pub fn clear_lane_shadows(b: &Builder, f: Function, width: u32) {
    for g in crate::ir::globals::shadowed_globals(f) {
        let shadow = crate::ir::globals::shadow_global(g);
        for k in 0..width as usize {
            crate::ir::globals::clear_shadow(b, g, lane_global(shadow, k));
        }
    }
}

fn refuse(inst: Value, what: impl Into<String>) -> AdcError {
    AdcError::unsupported(
        inst,
        format!(
            "vector mode (--width): {}; differentiate this function with width 1",
            what.into()
        ),
    )
}
