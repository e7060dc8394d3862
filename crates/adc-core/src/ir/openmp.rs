//! OpenMP parallel regions as adc sees them while it works.
//!
//! clang outlines `#pragma omp parallel` into a function (the *microtask*,
//! `void f(int *gtid, int *btid, captured...)`) that the caller hands to
//! `__kmpc_fork_call(loc, n, f, captured...)`; the runtime runs it on every
//! thread of a team. Called through the runtime, its memory would look
//! inactive. So [`expose`] turns each fork into a direct call of the
//! microtask marked with [`FORK`] (the analyses then see the region as an
//! ordinary callee), and [`restore`] turns every marked call adc's output
//! still holds back into a fork. The derivative synthesizers fork the
//! region's derivatives themselves ([`fork`]).
//!
//! Inside a region, a reduction (`reduction(+:s)`) is asked of the runtime
//! with `__kmpc_reduce[_nowait]`, whose answer picks one of two ways to
//! combine the threads' partial results; [`expose`] always takes the second,
//! atomic one (`atomicrmw fadd`), which adc differentiates: every thread
//! adds its part into the shared variable atomically, and a blocking
//! reduction then meets the others at a barrier.

use super::{functions, get_or_declare, Builder, Function, Type, Value};
use crate::error::{AdcError, Result};
use llvm_sys::core::*;
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::LLVMOpcode;

/// Metadata on a direct call of a microtask that stands for a fork; its
/// operand is the fork's source location (`ident_t`).
pub const FORK: &str = "adc.omp.fork";
/// String attribute of a function that runs as a parallel region.
pub const REGION: &str = "adc-omp-region";
/// String attribute of the tasks adc forks (a region's derivatives):
/// [`expose`] leaves their forks alone, so differentiating adc's output
/// again refuses them instead of misreading their per-thread tapes.
pub const TASK: &str = "adc-omp-task";

/// Runtime calls that synchronise a team: the reverse sweep of a region
/// meets them in the opposite order and calls their mirror image
/// (a barrier is its own; entering a critical section mirrors leaving it).
pub fn mirror(inst: Value) -> Option<&'static str> {
    let name = inst.called_function()?.name();
    match name.as_str() {
        "__kmpc_barrier" => Some("__kmpc_barrier"),
        "__kmpc_critical" | "__kmpc_critical_with_hint" => Some("__kmpc_end_critical"),
        "__kmpc_end_critical" => Some("__kmpc_critical"),
        _ => None,
    }
}

/// The fork's source location, if `call` is a marked region call.
pub fn fork_loc(call: Value) -> Option<Value> {
    let md = super::metadata::metadata(call, FORK)?;
    let ops = super::metadata::operands(md);
    ops.first().map(|v| Value(*v))
}

/// Whether `f` runs as a parallel region (its calls are forks).
pub fn is_region(f: Function) -> bool {
    f.string_attr(REGION).is_some()
}

fn fork_call_fn(m: LLVMModuleRef) -> Function {
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let ptr = Type::ptr(ctx);
    let ty = unsafe {
        let mut ps = [ptr.0, Type::i32(ctx).0, ptr.0];
        Type(LLVMFunctionType(Type::void(ctx).0, ps.as_mut_ptr(), 3, 1))
    };
    get_or_declare(m, "__kmpc_fork_call", ty)
}

/// `__kmpc_fork_call(loc, n, task, args...)`: run `task(gtid, btid, args...)`
/// on a team.
pub fn fork(b: &Builder, m: LLVMModuleRef, loc: Value, task: Function, args: &[Value]) -> Value {
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let mut all = vec![loc, Type::i32(ctx).const_int(args.len() as i64), task.0];
    all.extend_from_slice(args);
    let f = fork_call_fn(m);
    b.call_typed(f.fn_type(), f.0, &all)
}

/// The calling thread's global number (what runtime calls take as `gtid`).
pub fn thread_num(b: &Builder, m: LLVMModuleRef, loc: Value) -> Value {
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let ty = Type::function(Type::i32(ctx), &[Type::ptr(ctx)]);
    b.call(get_or_declare(m, "__kmpc_global_thread_num", ty), &[loc])
}

/// The next fork of this thread runs on `n` threads.
pub fn push_num_threads(b: &Builder, m: LLVMModuleRef, loc: Value, n: Value) {
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let i32t = Type::i32(ctx);
    let ty = Type::function(Type::void(ctx), &[Type::ptr(ctx), i32t, i32t]);
    let gtid = thread_num(b, m, loc);
    b.call(
        get_or_declare(m, "__kmpc_push_num_threads", ty),
        &[loc, gtid, n],
    );
}

/// A task's captured values travel through the runtime's `void *` slots:
/// pointers and pointer-sized integers only.
pub fn fits_task_slot(t: Type) -> bool {
    t.is_pointer() || (t.is_integer() && t.int_width() == 64)
}

/// Why the microtask `f` cannot be run as a region adc differentiates.
fn unfit(f: Function, n: usize) -> Option<String> {
    if f.is_declaration() {
        return Some(format!("its body `{}` is not in the module", f.name()));
    }
    let params = f.params();
    if params.len() != n + 2 || !f.return_type().is_void() {
        return Some(format!(
            "`{}` does not have the shape of a microtask (void, 2 + {n} parameters)",
            f.name()
        ));
    }
    if let Some(p) = params[2..].iter().find(|p| !fits_task_slot(p.ty())) {
        return Some(format!(
            "`{}` takes a {} captured by value, which adc does not pass to a derivative's task",
            f.name(),
            p.ty().print()
        ));
    }
    None
}

/// Turn each `__kmpc_fork_call` of a defined microtask into a marked
/// direct call, and each region's reductions into their atomic form.
/// Returns whether anything changed (the caller then tidies the regions).
pub fn expose(m: LLVMModuleRef) -> Result<bool> {
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let mut regions: Vec<Function> = Vec::new();
    let forks: Vec<Value> = functions(m)
        .into_iter()
        .filter(|f| !f.is_declaration())
        .flat_map(|f| f.blocks())
        .flat_map(|b| b.instructions())
        .filter(|i| {
            i.opcode() == Some(LLVMOpcode::LLVMCall)
                && i.called_function()
                    .is_some_and(|c| c.name() == "__kmpc_fork_call")
        })
        .collect();
    let b = Builder::new(ctx);
    for call in forks {
        let args = call.call_args();
        let Some(task) = args.get(2).and_then(|t| super::constants::as_function(*t)) else {
            continue;
        };
        if task.string_attr(TASK).is_some() {
            continue; // a derivative adc forked: unsupported.rs refuses it
        }
        let captured = &args[3..];
        if let Some(why) = unfit(task, captured.len()) {
            return Err(AdcError::unsupported(
                call,
                format!("an OpenMP parallel region adc cannot differentiate: {why}"),
            ));
        }
        // Thread numbers for the direct call (never run: restore() forks).
        let caller = call.parent_function();
        let first = caller.entry().instructions()[0];
        b.position_before(first);
        let tid = b.alloca(Type::i32(ctx));
        b.store(Type::i32(ctx).const_int(0), tid);
        b.position_before(call);
        let mut direct_args = vec![tid, tid];
        direct_args.extend_from_slice(captured);
        let direct = b.call(task, &direct_args);
        unsafe {
            let loc_md = LLVMValueAsMetadata(args[0].0);
            let mut ops = [loc_md];
            let node = LLVMMDNodeInContext2(ctx, ops.as_mut_ptr(), 1);
            let k = LLVMGetMDKindIDInContext(ctx, FORK.as_ptr() as *const _, FORK.len() as u32);
            LLVMSetMetadata(direct.0, k, LLVMMetadataAsValue(ctx, node));
            llvm_sys::debuginfo::LLVMInstructionSetDebugLoc(
                direct.0,
                llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(call.0),
            );
        }
        call.erase();
        if !regions.contains(&task) {
            regions.push(task);
        }
    }
    for f in &regions {
        f.remove_fn_attr("alwaysinline");
        f.add_fn_attr("noinline");
        f.set_string_attr(REGION, "");
        atomic_reductions(*f);
    }
    Ok(!regions.is_empty())
}

/// `__kmpc_reduce[_nowait]` answers 2 (combine atomically); a blocking
/// reduction's end becomes a barrier.
fn atomic_reductions(f: Function) {
    let m = f.module();
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let b = Builder::new(ctx);
    for i in f.blocks().into_iter().flat_map(|bb| bb.instructions()) {
        let Some(c) = i.called_function() else {
            continue;
        };
        match c.name().as_str() {
            "__kmpc_reduce" | "__kmpc_reduce_nowait" if has_atomic_case(i) => {
                i.replace_all_uses_with(Type::i32(ctx).const_int(2));
                i.erase();
            }
            "__kmpc_end_reduce" => {
                let (loc, gtid) = (i.operand(0), i.operand(1));
                let i32t = Type::i32(ctx);
                let ty = Type::function(Type::void(ctx), &[Type::ptr(ctx), i32t]);
                b.position_before(i);
                b.call(get_or_declare(m, "__kmpc_barrier", ty), &[loc, gtid]);
                i.erase();
            }
            _ => {}
        }
    }
}

/// Whether the switch on a reduction's answer has the atomic case (2).
fn has_atomic_case(reduce: Value) -> bool {
    // (successor i > 0 of a switch is case i's destination)
    reduce.users().iter().all(|u| {
        u.opcode() == Some(LLVMOpcode::LLVMSwitch)
            && (1..unsafe { LLVMGetNumSuccessors(u.0) })
                .any(|k| Value(unsafe { LLVMGetSwitchCaseValue(u.0, k) }).const_u64() == Some(2))
    }) && !reduce.users().is_empty()
}

/// Fork every marked call left in the module (the primal code and its
/// copies in derivatives); the regions lose adc's marks.
pub fn restore(m: LLVMModuleRef) {
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let b = Builder::new(ctx);
    for f in functions(m) {
        if is_region(f) {
            f.remove_string_attr(REGION);
        }
        for i in f.blocks().into_iter().flat_map(|bb| bb.instructions()) {
            let Some(loc) = (i.opcode() == Some(LLVMOpcode::LLVMCall))
                .then(|| fork_loc(i))
                .flatten()
            else {
                continue;
            };
            let task = i.called_function().expect("a marked call is direct");
            b.position_before(i);
            let args = i.call_args();
            let forked = fork(&b, m, loc, task, &args[2..]);
            unsafe {
                llvm_sys::debuginfo::LLVMInstructionSetDebugLoc(
                    forked.0,
                    llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(i.0),
                );
            }
            i.erase();
        }
    }
}

/// Whether the module still has regions adc exposed.
pub fn has_regions(m: LLVMModuleRef) -> bool {
    functions(m).into_iter().any(is_region)
}
