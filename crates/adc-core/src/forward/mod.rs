//! Forward mode: tangent synthesis.
//!
//! For a function `f` and an activity per parameter, [`ForwardSynth`] builds
//! an internal function `f.adc.fwd.<pattern>` that runs the primal code and,
//! next to every varied instruction, its tangent from the rule table. It
//! takes each parameter followed by its tangent (or shadow pointer) and
//! returns `{primal, tangent}` when the result is differentiable. Callees
//! defined in the module get their own tangent functions (one per activity
//! pattern, reused across call sites; recursion works because a function is
//! registered before its body is built). The public `FN_fwd` of DESIGN.md is
//! a thin wrapper that returns the tangent only.

mod memory;
mod tape_blocks;

use crate::analysis::activity::underlying_alloca;
use crate::analysis::activity::HeapFn;
use crate::analysis::{ActivityAnalysis, ControlFlowGraph};
use crate::error::{AdcError, Result};
use crate::ir::clone::PrimalMap;
use crate::ir::constant_tables::{
    edge_taken, fallback_shadow, select_taken, TableShadow, NO_SHADOW,
};
use crate::ir::heap::{free_shadow, realloc_shadow, zeroed_shadow, Side};
use crate::ir::{add_function, Block, Builder, Function, Type, Value};
use crate::rules::emit::{emit, needs_strong_zero, partial_term, ExprEnv};
use crate::rules::runtime::{is_runtime_routine, runtime_form, RuntimeForm};
use crate::rules::{lookup_callee, lookup_opcode, Expr, Rule};
use crate::signature::{add_derived, params_with_twins, Activity};
use indexmap::IndexMap;
use llvm_sys::core::{LLVMGetAlignment, LLVMSetAlignment};
use llvm_sys::prelude::{LLVMContextRef, LLVMModuleRef};
use llvm_sys::LLVMOpcode;

/// The signature of a tangent function: what each parameter is and whether
/// the return value is paired with its tangent.
#[derive(Clone, Debug)]
pub struct TangentSignature {
    pub params: Vec<Activity>,
    /// The return is `{primal, tangent}` (float or pointer results).
    pub paired_return: bool,
}

/// Builds tangent functions for a module, caching them per (function, activity).
pub struct ForwardSynth {
    module: LLVMModuleRef,
    ctx: LLVMContextRef,
    done: IndexMap<(Function, Vec<Activity>), (Function, TangentSignature)>,
    pending: Vec<(Function, Vec<Activity>, Function)>,
    /// `--type-hint`: what memory moved as integers holds when adc cannot tell.
    pub type_hint: Option<crate::analysis::types::TypeHint>,
}

impl ForwardSynth {
    pub fn new(module: LLVMModuleRef, ctx: LLVMContextRef) -> Self {
        ForwardSynth {
            module,
            ctx,
            done: IndexMap::new(),
            pending: Vec::new(),
            type_hint: None,
        }
    }

    /// The tangent function of `f` under `acts`, declared now and built by
    /// [`ForwardSynth::finish`].
    pub fn tangent_of(&mut self, f: Function, acts: &[Activity]) -> (Function, TangentSignature) {
        let key = (f, acts.to_vec());
        if let Some(d) = self.done.get(&key) {
            return d.clone();
        }
        let ret = f.return_type();
        // (A pointer inside a returned struct too: a Rust slice `{ptr, len}`
        // from `index_mut`, whose shadow the caller writes through.)
        let paired = ret.contains_float() || ret.contains_pointer();
        let ptys = params_with_twins(f, acts, Activity::has_shadow);
        let rty = if paired {
            Type::struct_of(self.ctx, &[ret, ret])
        } else {
            ret
        };
        let g = add_derived(f, "fwd", acts, Type::function(rty, &ptys));
        let sig = TangentSignature {
            params: acts.to_vec(),
            paired_return: paired,
        };
        self.done.insert(key, (g, sig.clone()));
        self.pending.push((f, acts.to_vec(), g));
        (g, sig)
    }

    /// Build the bodies of all declared tangent functions (callees included).
    pub fn finish(&mut self) -> Result<()> {
        while let Some((f, acts, g)) = self.pending.pop() {
            let sig = self.done[&(f, acts.clone())].1.clone();
            crate::analysis::unsupported::refuse_threads(f)?;
            crate::analysis::unsupported::refuse_caught_exceptions(f)?;
            let src = crate::ir::source_copy::source_of(f, self.type_hint.as_ref())?;
            TangentBuilder::new(self, src, g, &sig)?.build()?;
        }
        Ok(())
    }

    /// Every tangent function declared so far: the function, its
    /// activities, the tangent function and its signature.
    pub fn declared(&self) -> Vec<(Function, Vec<Activity>, Function, TangentSignature)> {
        self.done
            .iter()
            .map(|((f, acts), (g, sig))| (*f, acts.clone(), *g, sig.clone()))
            .collect()
    }

    pub fn module(&self) -> LLVMModuleRef {
        self.module
    }

    pub fn context(&self) -> LLVMContextRef {
        self.ctx
    }

    /// The public `NAME_fwd(params, tangents...) -> tangent` wrapper.
    pub fn public_wrapper(
        &mut self,
        f: Function,
        acts: &[Activity],
        name: &str,
    ) -> Result<Function> {
        let (g, sig) = self.tangent_of(f, acts);
        let inner_ty = g.fn_type();
        let ret = f.return_type();
        let w = add_function(self.module, name, Type::function(ret, &inner_ty.params()));
        let b = Builder::new(self.ctx);
        let entry = w.append_block(self.ctx, "entry");
        b.position_at_end(entry);
        crate::ir::globals::clear_shadows_for(&b, f);
        let call = b.call(g, &w.params());
        if sig.paired_return {
            b.ret(b.extract_value(call, 1));
        } else if ret.is_void() {
            b.ret_void();
        } else {
            b.ret(call);
        }
        Ok(w)
    }
}

/// Builds one tangent function: primal clone plus tangents.
struct TangentBuilder<'s> {
    synth: &'s mut ForwardSynth,
    src: Function,
    dst: Function,
    sig: TangentSignature,
    b: Builder,
    activity: ActivityAnalysis,
    cfg: ControlFlowGraph,
    /// The source's type analysis, computed when an integer move needs it.
    types: std::cell::OnceCell<crate::analysis::types::TypeAnalysis>,
    /// `src` values and blocks -> their copies in `dst`
    pm: PrimalMap,
    /// value in `src` -> its tangent (or shadow pointer) in `dst`
    tmap: IndexMap<Value, Value>,
    /// `src` block -> the `dst` block its code ends in (rules may add blocks)
    block_end: IndexMap<Block, Block>,
    /// phis of `src`, completed once all blocks exist
    phis: Vec<Value>,
}

impl<'s> TangentBuilder<'s> {
    fn new(
        synth: &'s mut ForwardSynth,
        src: Function,
        dst: Function,
        sig: &TangentSignature,
    ) -> Result<Self> {
        let b = Builder::new(synth.ctx);
        // The tangent of a pointer result is its shadow.
        let activity =
            ActivityAnalysis::compute_with(src, &sig.params, src.return_type().contains_pointer());
        crate::analysis::unsupported::refuse(src, &activity)?;
        let cfg = ControlFlowGraph::compute(src);
        Ok(TangentBuilder {
            synth,
            src,
            dst,
            sig: sig.clone(),
            b,
            activity,
            cfg,
            types: std::cell::OnceCell::new(),
            pm: PrimalMap::default(),
            tmap: IndexMap::new(),
            block_end: IndexMap::new(),
            phis: Vec::new(),
        })
    }

    fn build(mut self) -> Result<()> {
        let ctx = self.synth.ctx;
        let rpo = self.cfg.reverse_post_order().to_vec();
        for bb in &rpo {
            let nb = self.dst.append_block(ctx, &bb.name());
            self.pm.blocks.insert(*bb, nb);
        }
        let mut dparams = self.dst.params().into_iter();
        for (p, a) in self.src.params().into_iter().zip(self.sig.params.clone()) {
            let np = dparams.next().expect("tangent signature");
            np.set_name(&p.name());
            self.pm.values.insert(p, np);
            if a.has_shadow() {
                let t = dparams.next().expect("tangent signature");
                t.set_name(&format!("d_{}", p.name()));
                self.tmap.insert(p, t);
            }
        }
        // Globals that carry derivatives: their shadow globals (cleared by
        // whoever enters the derivative from outside).
        for g in self.activity.varied_globals() {
            self.tmap.extend(crate::ir::globals::shadow_addresses(g));
        }
        for bb in rpo {
            self.b.position_at_end(self.pm.blocks[&bb]);
            for inst in bb.instructions() {
                self.visit(inst)?;
            }
            self.block_end.insert(bb, self.b.insert_block());
        }
        self.complete_phis()?;
        Ok(())
    }

    // ----- value maps

    /// The `dst` counterpart of a `src` operand (constants map to themselves).
    fn primal(&self, v: Value) -> Value {
        self.pm.get(v)
    }

    /// The tangent of `v`, or `None` when it is identically zero.
    fn tangent(&self, v: Value) -> Option<Value> {
        self.tmap.get(&v).copied()
    }

    fn tangent_or_zero(&self, v: Value) -> Value {
        self.tangent(v).unwrap_or_else(|| v.ty().null())
    }

    /// The tangent of pointer `v` where a varied pointer (a phi or a
    /// select) takes it: its own, the zero shadow of the constant table it
    /// points into, or itself when it points nowhere (null, a dangling
    /// address). Anything else is refused: the tangent sweep would read
    /// through null.
    /// (`taken`: when the user takes `v`, for the check of a loaded
    /// pointer's fallback; `None`: always.)
    fn pointer_tangent(&self, v: Value, user: Value, taken: Option<Value>) -> Result<Value> {
        if let Some(t) = self.tangent(v) {
            return Ok(t);
        }
        fallback_shadow(&self.b, v, self.primal(v), TableShadow::Zero, taken)
            .ok_or_else(|| AdcError::unsupported(user, NO_SHADOW))
    }

    /// Clone `inst` into `dst` at the builder, operands remapped.
    fn clone_primal(&mut self, inst: Value) -> Value {
        self.pm.clone_at(&self.b, inst)
    }

    // ----- instructions

    fn visit(&mut self, inst: Value) -> Result<()> {
        use LLVMOpcode::*;
        let op = inst.opcode().expect("instruction");
        match op {
            LLVMPHI => {
                let p = self.b.phi(inst.ty(), &inst.name());
                self.pm.values.insert(inst, p);
                if self.activity.is_varied(inst) {
                    let t = self.b.phi(inst.ty(), &format!("d_{}", inst.name()));
                    self.tmap.insert(inst, t);
                }
                self.phis.push(inst);
            }
            LLVMRet => {
                let pr = if inst.num_operands() == 0 {
                    None
                } else {
                    Some(inst.operand(0))
                };
                match pr {
                    None => {
                        self.b.ret_void();
                    }
                    Some(v) if self.sig.paired_return => {
                        let rty = self.dst.return_type();
                        let agg = self.b.insert_value(rty.null(), self.primal(v), 0);
                        let agg = self.b.insert_value(agg, self.tangent_or_zero(v), 1);
                        self.b.ret(agg);
                    }
                    Some(v) => {
                        self.b.ret(self.primal(v));
                    }
                }
            }
            LLVMCall => self.visit_call(inst)?,
            LLVMLoad | LLVMStore | LLVMGetElementPtr | LLVMAlloca | LLVMBitCast
            | LLVMAddrSpaceCast | LLVMAtomicRMW => self.visit_memory(inst)?,
            LLVMInvoke | LLVMLandingPad | LLVMResume | LLVMCallBr
                if self.any_operand_varied(inst) =>
            {
                return Err(AdcError::unsupported(
                    inst,
                    "exception handling (invoke/landingpad) with active values is not supported",
                ));
            }
            _ => {
                let c = self.clone_primal(inst);
                if self.activity.is_varied(inst) {
                    match lookup_opcode(op) {
                        Some(rule) => {
                            let ops: Vec<Value> = inst.operands().collect();
                            if let Some(t) = self.apply_rule(rule, inst, c, &ops)? {
                                self.tmap.insert(inst, t);
                            }
                        }
                        None if inst.ty().contains_float() || inst.ty().is_pointer() => {
                            return Err(AdcError::unsupported(
                                inst,
                                format!(
                                    "no derivative rule for the `{}` instruction",
                                    crate::ir::opcode_name(op)
                                ),
                            ))
                        }
                        None => {}
                    }
                }
            }
        }
        Ok(())
    }

    fn any_operand_varied(&self, inst: Value) -> bool {
        inst.operands().any(|o| self.tangent(o).is_some())
    }

    /// Tangent of `inst` (primal clone `res`) from its rule; `ops` are the
    /// operands the rule's names refer to.
    fn apply_rule(
        &mut self,
        rule: &Rule,
        inst: Value,
        res: Value,
        ops: &[Value],
    ) -> Result<Option<Value>> {
        match rule {
            Rule::Linear { data, .. } => {
                if !data
                    .iter()
                    .any(|&i| self.tangent(ops[i as usize]).is_some())
                {
                    return Ok(None);
                }
                // The same operation with data operands replaced by tangents.
                let t = res.clone_detached();
                for &i in data.iter() {
                    let o = ops[i as usize];
                    let dt = if o.ty().is_pointer() {
                        let taken = (inst.opcode() == Some(LLVMOpcode::LLVMSelect))
                            .then(|| select_taken(&self.b, res, i));
                        self.pointer_tangent(o, inst, taken)?
                    } else {
                        self.tangent_or_zero(o)
                    };
                    t.set_operand(i, dt);
                }
                self.b.insert(t);
                Ok(Some(t))
            }
            Rule::Partials { partials, .. } => {
                let args: Vec<Value> = ops
                    .iter()
                    .map(|o| self.primal(*o).without_poison_lanes())
                    .collect();
                let env = ExprEnv {
                    builder: &self.b,
                    module: self.synth.module,
                    args: &args,
                    result: Some(res),
                    ty: res.ty(),
                    branches: true,
                };
                let mut acc: Option<Value> = None;
                for (i, p) in partials.iter().enumerate() {
                    let (Some(p), Some(dx)) = (p, ops.get(i).and_then(|o| self.tangent(*o))) else {
                        continue;
                    };
                    // (A partial another call computed before: its value.)
                    let sibling = crate::rules::siblings::sibling(inst, p, true);
                    let term = match p {
                        Expr::Num(x) if *x == 0.0 => continue,
                        Expr::Num(x) if *x == 1.0 => dx,
                        Expr::Num(x) if *x == -1.0 => self.b.fneg(dx),
                        p if sibling.is_some() => {
                            let (s, negate) = sibling.expect("a sibling");
                            let mut d = self.primal(s).without_poison_lanes();
                            if negate {
                                d = self.b.fneg(d);
                            }
                            partial_term(&self.b, needs_strong_zero(p, ops), d, dx)
                        }
                        p => {
                            let d = emit(p, &env).map_err(|e| AdcError::unsupported(inst, e))?;
                            partial_term(&self.b, needs_strong_zero(p, ops), d, dx)
                        }
                    };
                    acc = Some(match acc {
                        None => term,
                        Some(a) => self.b.fadd(a, term),
                    });
                }
                Ok(acc)
            }
        }
    }

    /// A call of a function with a registered forward rule: the rule gets
    /// each argument with its tangent (pointers: shadow or null; integers:
    /// themselves again) and returns `{primal, tangent}` of a float or
    /// pointer result (see [`crate::rules::custom`]).
    fn custom_rule_call(&mut self, inst: Value, fwd: crate::ir::Function) -> Result<()> {
        let mut call_args = Vec::new();
        for a in inst.call_args() {
            let p = self.primal(a);
            call_args.push(p);
            if a.ty().is_integer() {
                call_args.push(p);
            } else {
                call_args.push(self.tangent_or_zero(a));
            }
        }
        let r = self.b.call(fwd, &call_args);
        if inst.ty().contains_float() || inst.ty().contains_pointer() {
            let (p, t) = if r.ty().is_vector() {
                // {float, float} as C returns it: <2 x float>
                let i32t = crate::ir::Type::i32(r.ty().context());
                (
                    self.b.extract_element(r, i32t.const_int(0)),
                    self.b.extract_element(r, i32t.const_int(1)),
                )
            } else {
                (self.b.extract_value(r, 0), self.b.extract_value(r, 1))
            };
            self.pm.values.insert(inst, p);
            self.tmap.insert(inst, t);
        } else if !inst.ty().is_void() {
            self.pm.values.insert(inst, r);
        }
        Ok(())
    }

    fn visit_call(&mut self, inst: Value) -> Result<()> {
        let args = inst.call_args();
        // (A pointer result that must carry a shadow calls for the
        // tangent function even without varied arguments: an allocation
        // wrapper.)
        let any_varied = args.iter().any(|a| self.tangent(*a).is_some())
            || self.activity.touches_varied_globals(inst)
            || (inst.ty().contains_pointer() && self.activity.is_varied(inst));
        let Some(callee) = inst.called_function() else {
            if any_varied && !crate::analysis::activity::is_inert_call(inst) {
                return Err(AdcError::unsupported(
                    inst,
                    if crate::ir::inline_asm::is_asm_call(inst) {
                        "inline assembly with active arguments: adc cannot see what it computes"
                    } else {
                        "indirect call with active arguments: adc needs to see the callee"
                    },
                ));
            }
            self.clone_primal(inst);
            return Ok(());
        };
        let name = callee.name();
        if crate::analysis::activity::is_inert_call(inst) {
            self.clone_primal(inst);
            return Ok(());
        }
        if let Some(kind) = HeapFn::of(inst) {
            // Heap memory that will hold derivatives gets a zeroed shadow,
            // freed with it.
            self.clone_primal(inst);
            let pargs: Vec<Value> = args.iter().map(|a| self.primal(*a)).collect();
            let m = self.synth.module;
            if kind.reallocates() && self.activity.is_varied(inst) {
                // The tangents move with the block; the old ones are freed
                // like the old block.
                let old = self.tangent(args[0]);
                let null = args[0].ty().null();
                let s = realloc_shadow(&self.b, m, inst, old.unwrap_or(null), &pargs);
                crate::ir::metadata::mark_lane_object(s);
                if let Some(old) = old {
                    free_shadow(&self.b, m, inst, Side::Freed, old, &pargs);
                }
                self.tmap.insert(inst, s);
            } else if kind.allocates() && self.activity.is_varied(inst) {
                let s = zeroed_shadow(&self.b, m, inst, &pargs);
                crate::ir::metadata::mark_lane_object(s);
                self.tmap.insert(inst, s);
            } else if let (false, Some(s)) =
                (kind.allocates(), self.tangent(args[kind.freed_arg()]))
            {
                // free / __rust_dealloc: the shadow has the same layout.
                free_shadow(&self.b, m, inst, Side::Freed, s, &pargs);
            }
            return Ok(());
        }
        if crate::reverse::tape::is_block_fn(callee) {
            return self.tape_block_call(inst, callee);
        }
        if let Some(fwd) = crate::rules::custom::forward_rule(callee) {
            if !any_varied {
                self.clone_primal(inst);
                return Ok(());
            }
            return self.custom_rule_call(inst, fwd);
        }
        if let Some(rule) = lookup_callee(callee) {
            let c = self.clone_primal(inst);
            if any_varied {
                if let Some(t) = self.apply_rule(rule, inst, c, &args)? {
                    self.tmap.insert(inst, t);
                }
            }
            return Ok(());
        }
        if callee.is_intrinsic() {
            return self.visit_intrinsic(inst, &name);
        }
        if !any_varied {
            self.clone_primal(inst);
            return Ok(());
        }
        if is_runtime_routine(&name) {
            // The jvp computes the primal outputs and their tangents.
            let jvp = runtime_form(callee, RuntimeForm::Jvp);
            let mut call_args = Vec::new();
            for a in &args {
                call_args.push(self.primal(*a));
                if a.ty().is_pointer() {
                    call_args.push(self.tangent(*a).unwrap_or_else(|| a.ty().null()));
                }
            }
            self.b.call(jvp, &call_args);
            return Ok(());
        }
        if callee.is_declaration() {
            return Err(AdcError::unsupported(
                inst,
                crate::rules::custom::missing_rule(callee, true),
            ));
        }
        // A function of the module: call its tangent function.
        let mut acts: Vec<Activity> = args
            .iter()
            .map(
                |a| match (self.tangent(*a).is_some(), a.ty().is_pointer()) {
                    (false, _) => Activity::Const,
                    (true, true) => Activity::Dup,
                    (true, false) => Activity::Active,
                },
            )
            .collect();
        if crate::ir::openmp::fork_loc(inst).is_some() {
            // (a region's thread numbers are the runtime's)
            acts[0] = Activity::Const;
            acts[1] = Activity::Const;
        }
        let (g, sig) = self.synth.tangent_of(callee, &acts);
        let mut call_args = Vec::new();
        for (a, act) in args.iter().zip(&acts) {
            call_args.push(self.primal(*a));
            if act.has_shadow() {
                call_args.push(self.tangent_or_zero(*a));
            }
        }
        if let Some(loc) = crate::ir::openmp::fork_loc(inst) {
            // A parallel region: its tangents are computed in parallel too.
            let caller = inst.parent_function().name();
            let within = crate::ir::get_function(
                self.synth.module,
                crate::ir::source_copy::source_name(&caller),
            )
            .is_some_and(crate::ir::openmp::is_region);
            if within {
                return Err(AdcError::unsupported(
                    inst,
                    "a parallel region inside a parallel region: adc differentiates one level \
                     of OpenMP parallelism",
                ));
            }
            if call_args[2..]
                .iter()
                .any(|a| !crate::ir::openmp::fits_task_slot(a.ty()))
            {
                return Err(AdcError::unsupported(
                    inst,
                    "an OpenMP parallel region with an active value captured by value: adc \
                     passes pointers to a region's derivative (share the variable instead)",
                ));
            }
            g.set_string_attr(crate::ir::openmp::TASK, "");
            crate::ir::openmp::fork(&self.b, self.synth.module, loc, g, &call_args[2..]);
            return Ok(());
        }
        let call = self.b.call(g, &call_args);
        if sig.paired_return {
            let p = self.b.extract_value(call, 0);
            let t = self.b.extract_value(call, 1);
            self.pm.values.insert(inst, p);
            if self.activity.is_varied(inst) {
                self.tmap.insert(inst, t);
            }
        } else {
            self.pm.values.insert(inst, call);
        }
        Ok(())
    }

    fn visit_intrinsic(&mut self, inst: Value, name: &str) -> Result<()> {
        if name.starts_with("llvm.memcpy")
            || name.starts_with("llvm.memmove")
            || name.starts_with("llvm.memset")
        {
            return self.visit_mem_intrinsic(inst, name);
        }
        let c = self.clone_primal(inst);
        if is_vector_reduce_extremum(name) {
            // max/min of the lanes: the tangent of the lane(s) that won.
            if let Some(dv) = self.tangent(inst.operand(0)) {
                let v = self.primal(inst.operand(0));
                let won = self.b.fcmp(
                    llvm_sys::LLVMRealPredicate::LLVMRealOEQ,
                    v,
                    self.b.splat(c, v.ty()),
                );
                let picked = self.b.select(won, dv, v.ty().null());
                let sum =
                    crate::ir::intrinsic(self.synth.module, "llvm.vector.reduce.fadd", &[v.ty()])
                        .ok_or_else(|| AdcError::Llvm("no llvm.vector.reduce.fadd".into()))?;
                let t = self.b.call(sum, &[inst.ty().const_float(-0.0), picked]);
                self.tmap.insert(inst, t);
            }
            return Ok(());
        }
        if self.activity.is_varied(inst) && inst.ty().contains_float() {
            return Err(AdcError::unsupported(
                inst,
                format!("no derivative rule for intrinsic `{name}`"),
            ));
        }
        Ok(())
    }

    fn complete_phis(&mut self) -> Result<()> {
        for phi in std::mem::take(&mut self.phis) {
            let np = self.pm.values[&phi];
            let nt = self.tmap.get(&phi).copied();
            for i in 0..phi.count_incoming() {
                let (v, bb) = phi.incoming(i);
                let Some(&nb) = self.block_end.get(&bb) else {
                    continue; // edge from an unreachable block
                };
                np.add_incoming(self.primal(v), nb);
                if let Some(nt) = nt {
                    let t = if v.ty().is_pointer() {
                        match nb.terminator() {
                            Some(t) => self.b.position_before(t),
                            None => self.b.position_at_end(nb),
                        }
                        let taken = edge_taken(&self.b, nb, np.parent_block());
                        self.pointer_tangent(v, phi, taken)?
                    } else {
                        self.tangent_or_zero(v)
                    };
                    nt.add_incoming(t, nb);
                }
            }
        }
        Ok(())
    }

    fn copy_alignment(from: Value, to: Value) {
        unsafe { LLVMSetAlignment(to.0, LLVMGetAlignment(from.0)) }
    }

    fn is_stack_object_varied(&self, p: Value) -> bool {
        underlying_alloca(p).is_some_and(|a| self.activity.is_varied(a))
    }
}

/// `llvm.vector.reduce.fmax` / `fmin` / `fmaximum` / `fminimum`.
pub(crate) fn is_vector_reduce_extremum(name: &str) -> bool {
    [
        "llvm.vector.reduce.fmax",
        "llvm.vector.reduce.fmin",
        "llvm.vector.reduce.fmaximum",
        "llvm.vector.reduce.fminimum",
    ]
    .iter()
    .any(|p| name == *p || name.starts_with(&format!("{p}.")))
}
