//! Reverse mode of OpenMP parallel regions ([`crate::ir::openmp`]).
//!
//! A region (the microtask `f`) runs in split mode: the forward sweep forks
//! `f`'s augmented primal, the reverse sweep forks `f`'s adjoint, each on a
//! team of the same size. The caller's tape cannot take the bundles of
//! several threads at once, so each thread records on a tape of its own:
//! the forward fork's tasks (`f.aug.task`) take tape k of a team record
//! (parallel_tapes.c) for thread k, the reverse fork's (`f.rev.task`) pop
//! it, each thread reversing exactly what it ran, under any schedule. The
//! team record is the region call's tape entry in the caller.
//!
//! In the reverse sweep several threads may add to the adjoint of memory
//! their iterations all read (a stencil's neighbours, a value every
//! iteration uses): inside a region those additions are atomic, except
//! into the thread's own stack objects. Barriers and critical sections
//! are met in the opposite order and mirrored ([`crate::ir::openmp::mirror`]).

use super::{AdjointBuilder, Need};
use crate::error::{AdcError, Result};
use crate::ir::openmp;
use crate::ir::{add_function, get_function, get_or_declare, Builder, Function, Type, Value};
use indexmap::IndexMap;
use llvm_sys::prelude::LLVMModuleRef;

const HELPERS: &str = include_str!(concat!(env!("OUT_DIR"), "/parallel_tapes.ll"));

/// parallel_tapes.c's entry points, linked in on first use.
struct TeamFns {
    new: Function,
    forward: Function,
    threads: Function,
    reverse: Function,
    free: Function,
    done: Function,
}

fn team_fns(m: LLVMModuleRef) -> Result<TeamFns> {
    if get_function(m, "adc_omp_team_new").is_none_or(|f| f.is_declaration()) {
        crate::ir::module_io::link_ir(m, HELPERS, "parallel region tapes")?;
    }
    let f = |n: &str| {
        let f = get_function(m, n).ok_or_else(|| AdcError::Llvm(format!("missing {n}")))?;
        f.set_internal();
        Ok::<_, AdcError>(f)
    };
    Ok(TeamFns {
        new: f("adc_omp_team_new")?,
        forward: f("adc_omp_tape_forward")?,
        threads: f("adc_omp_team_threads")?,
        reverse: f("adc_omp_tape_reverse")?,
        free: f("adc_omp_team_free")?,
        done: f("adc_omp_tape_done")?,
    })
}

/// Which sweep a task runs.
#[derive(Clone, Copy, PartialEq)]
enum Sweep {
    Forward,
    Reverse,
}

/// The task the runtime calls on each thread: `task(gtid, btid, captured...,
/// team)` finds the thread's tape and calls `inner(gtid, btid, captured...,
/// tape)` (`f`'s augmented primal or adjoint).
fn task(m: LLVMModuleRef, inner: Function, sweep: Sweep) -> Result<Function> {
    let name = format!("{}.task", inner.name());
    if let Some(t) = get_function(m, &name) {
        return Ok(t);
    }
    let ctx = unsafe { llvm_sys::core::LLVMGetModuleContext(m) };
    let teams = team_fns(m)?;
    let params = inner.fn_type().params();
    let (tape, captured) = params.split_last().expect("a tape parameter");
    if let Some(t) = captured[2..].iter().find(|t| !openmp::fits_task_slot(**t)) {
        return Err(AdcError::Llvm(format!(
            "internal error: `{}` takes a {} in a task slot",
            inner.name(),
            t.print()
        )));
    }
    let mut tys = captured.to_vec();
    tys.push(*tape);
    let t = add_function(m, &name, Type::function(Type::void(ctx), &tys));
    t.set_internal();
    t.set_string_attr(openmp::TASK, "");
    let b = Builder::new(ctx);
    b.position_at_end(t.append_block(ctx, "entry"));
    let ps = t.params();
    let (team, args) = ps.split_last().expect("a team parameter");
    let which = match sweep {
        Sweep::Forward => teams.forward,
        Sweep::Reverse => teams.reverse,
    };
    let tp = b.call(which, &[*team]);
    let mut call_args = args.to_vec();
    call_args.push(tp);
    b.call(inner, &call_args);
    if sweep == Sweep::Reverse {
        // (the thread's tape block goes to the pool, for the next region)
        b.call(teams.done, &[tp]);
    }
    b.ret_void();
    Ok(t)
}

impl AdjointBuilder<'_> {
    /// Forward sweep of a region call: fork its augmented primal on a new
    /// team record, which the reverse sweep gets back as the call's tape.
    pub(super) fn forward_region_call(&mut self, inst: Value) -> Result<Option<Value>> {
        let (Some(loc), Some(callee)) = (openmp::fork_loc(inst), inst.called_function()) else {
            return Ok(None);
        };
        if !self.is_reversed(inst) {
            return Ok(None);
        }
        let acts = self.call_activities(inst);
        let Some(pair) = self.synth.split_of(callee, &acts) else {
            return Err(AdcError::unsupported(
                inst,
                "an OpenMP parallel region with stack objects of run-time size: adc \
                 differentiates regions whose locals have a fixed size",
            ));
        };
        let m = self.synth.module;
        let teams = team_fns(m)?;
        self.synth.tape_fns()?;
        let aug_task = task(m, pair.aug, Sweep::Forward)?;
        let team = self.b.call(teams.new, &[]);
        let mut args = Vec::new();
        for (a, act) in inst.call_args().iter().zip(&acts).skip(2) {
            args.push(self.primal(*a));
            if *act == crate::signature::Activity::Dup {
                args.push(self.pointer_shadow(*a, inst, None)?);
            }
        }
        args.push(team);
        openmp::fork(&self.b, m, loc, aug_task, &args);
        self.call_tapes.insert(inst, team);
        Ok(Some(team))
    }

    /// Reverse sweep of a region call: fork its adjoint on a team of the
    /// forward team's size, then free the team's tapes.
    pub(super) fn reverse_region_call(
        &mut self,
        inst: Value,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<()> {
        let loc = openmp::fork_loc(inst).expect("a region call");
        let callee = inst.called_function().expect("direct call");
        let acts = self.call_activities(inst);
        let pair = self
            .synth
            .split_of(callee, &acts)
            .expect("the forward sweep made the pair");
        let m = self.synth.module;
        let teams = team_fns(m)?;
        let rev_task = task(m, pair.rev, Sweep::Reverse)?;
        let team = self.rev_value(Need::CallTape(inst), local)?;
        let mut args = Vec::new();
        for (a, act) in inst.call_args().iter().zip(&acts).skip(2) {
            args.push(self.rev_value(Need::Primal(*a), local)?);
            if *act == crate::signature::Activity::Dup {
                args.push(self.rev_value(Need::Shadow(*a), local)?);
            }
        }
        args.push(team);
        let n = self.b.call(teams.threads, &[team]);
        openmp::push_num_threads(&self.b, m, loc, n);
        openmp::fork(&self.b, m, loc, rev_task, &args);
        self.b.call(teams.free, &[team]);
        Ok(())
    }

    /// The reverse of a barrier or of a critical section's edge (inside a
    /// region): its mirror image.
    pub(super) fn reverse_sync(&mut self, inst: Value) {
        let m = self.synth.module;
        let ctx = self.synth.ctx;
        let name = openmp::mirror(inst).expect("a synchronising call");
        let loc = inst.operand(0);
        let gtid = openmp::thread_num(&self.b, m, loc);
        let (ptr, i32t) = (Type::ptr(ctx), Type::i32(ctx));
        let mut args = vec![loc, gtid];
        let mut tys = vec![ptr, i32t];
        if name != "__kmpc_barrier" {
            args.push(inst.operand(2)); // the critical section's lock
            tys.push(ptr);
        }
        let f = get_or_declare(m, name, Type::function(Type::void(ctx), &tys));
        self.b.call(f, &args);
    }

    /// `*shadow += d` for a load of a region: atomically unless the memory
    /// is the thread's own stack object.
    pub(super) fn accumulate_shared(&self, load: Value, shadow: Value, d: Value) -> Result<()> {
        use llvm_sys::core::LLVMBuildAtomicRMW;
        use llvm_sys::LLVMAtomicOrdering::LLVMAtomicOrderingMonotonic;
        use llvm_sys::LLVMAtomicRMWBinOp::LLVMAtomicRMWBinOpFAdd;
        let t = load.ty();
        let bytes = if t.scalar().kind() == llvm_sys::LLVMTypeKind::LLVMDoubleTypeKind {
            8
        } else {
            4
        };
        let add = |p: Value, v: Value| unsafe {
            let r = LLVMBuildAtomicRMW(
                self.b.raw(),
                LLVMAtomicRMWBinOpFAdd,
                p.0,
                v.0,
                LLVMAtomicOrderingMonotonic,
                0,
            );
            Value(r).set_alignment(load.alignment().min(bytes));
        };
        if !t.scalar().is_float_or_double() {
            return Err(AdcError::unsupported(
                load,
                format!(
                    "a load of {} inside an OpenMP parallel region: adc adds adjoints of \
                     shared memory atomically, for float and double (and their vectors) only",
                    t.print()
                ),
            ));
        }
        if !t.is_vector() {
            add(shadow, d);
        } else {
            let i32t = Type::i32(self.synth.ctx);
            for j in 0..t.vector_size() {
                let lane = self.b.extract_element(d, i32t.const_int(j as i64));
                let p = self.b.gep(t.scalar(), shadow, i32t.const_int(j as i64));
                add(p, lane);
            }
        }
        Ok(())
    }
}

impl AdjointBuilder<'_> {
    /// What the reverse sweep of a region cannot do yet: call functions
    /// whose split pair was built for sequential callers (its adjoints
    /// would add to shared memory without atomics), copy active memory,
    /// run adc-runtime or custom rules. A callee it can call becomes a
    /// parallel callee (its pair is built with atomic adjoints).
    pub(super) fn refuse_in_region(&mut self, inst: Value) -> Result<()> {
        use super::{is_mem_intrinsic, is_runtime_call};
        let why = if openmp::fork_loc(inst).is_some() {
            Some(
                "a parallel region inside a parallel region: adc differentiates one level of \
                 OpenMP parallelism"
                    .to_string(),
            )
        } else if self.is_module_call(inst) {
            // The callee's split pair runs on every thread: atomic too.
            let callee = inst.called_function().expect("a module call is direct");
            let name = callee.name();
            let late = self.synth.built.contains(&callee)
                && !self.synth.parallel_callees.contains(&callee);
            if late || !super::split_eligible(callee) {
                Some(format!(
                    "a call of `{name}` inside an OpenMP parallel region, whose derivative adc \
                     cannot run on every thread ({}); make `{name}` static inline",
                    if late {
                        "it is also called outside parallel regions and was built for that first"
                    } else {
                        "its stack objects have a run-time size"
                    }
                ))
            } else {
                None
            }
        } else if is_runtime_call(inst) || super::custom_call::is_custom_call(inst) {
            Some(
                "an adc-runtime routine or a custom derivative inside an OpenMP parallel \
                 region: adc does not run their reverse in parallel yet"
                    .to_string(),
            )
        } else if is_mem_intrinsic(inst)
            && !inst
                .called_function()
                .is_some_and(|f| f.name().starts_with("llvm.memset"))
            && self.activity.is_varied(inst.operand(1))
        {
            Some(
                "a copy of active memory inside an OpenMP parallel region: adc does not move \
                 its adjoints back atomically yet; copy element by element"
                    .to_string(),
            )
        } else {
            None
        };
        if why.is_none() && self.is_module_call(inst) {
            let callee = inst.called_function().expect("a module call is direct");
            self.synth.parallel_callees.insert(callee);
        }
        match why {
            Some(w) => Err(AdcError::unsupported(inst, w)),
            None => Ok(()),
        }
    }
}
