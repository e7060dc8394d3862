//! The two sweeps of a checkpointed loop, as functions that call the
//! snapshots runtime (snapshots.c) with small thunks for one iteration.
//!
//! Forward (`aug`, one per loop): start the schedule and run it up to its
//! first turn with the probe, returning the context, which the gradient
//! keeps for the reverse sweep like an adc-runtime routine's tape.
//! Reverse (`vjp`, one per loop and activity): run the rest of the schedule
//! with the plain iteration for advances and the iteration's gradient for
//! turns. Both take the loop function's parameters; `vjp` takes each
//! pointer's shadow after it (null where it has none), then the context.

use super::outline::{AUG_ATTR, STEP_ATTR, WHERE_ATTR};
use crate::ir::{add_function, get_function, get_or_declare, Builder, Function, Type, Value};
use crate::signature::Activity;
use llvm_sys::core::*;
use llvm_sys::prelude::LLVMModuleRef;

/// A struct of `tys` at `env`, field `i`.
fn field(b: &Builder, ty: Type, env: Value, i: usize) -> Value {
    Value(unsafe { LLVMBuildStructGEP2(b.raw(), ty.0, env.0, i as u32, c"".as_ptr()) })
}

/// A private constant C string.
fn c_string(m: LLVMModuleRef, text: &str) -> Value {
    unsafe {
        let ctx = LLVMGetModuleContext(m);
        let s = LLVMConstStringInContext2(ctx, text.as_ptr() as *const _, text.len(), 0);
        let g = LLVMAddGlobal(m, LLVMTypeOf(s), c"adc.ckpt.where".as_ptr());
        LLVMSetInitializer(g, s);
        LLVMSetGlobalConstant(g, 1);
        LLVMSetLinkage(g, llvm_sys::LLVMLinkage::LLVMPrivateLinkage);
        Value(g)
    }
}

/// `i32 thunk(ptr env)`: load the fields of `env` (of type `env_ty`) that
/// `pick` names, in order, and call `f` with them.
fn thunk(m: LLVMModuleRef, name: &str, env_ty: Type, pick: &[usize], f: Function) -> Function {
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let ptr = Type::ptr(ctx);
    let ret = f.return_type();
    let t = add_function(m, name, Type::function(ret, &[ptr]));
    t.set_internal();
    let b = Builder::new(ctx);
    b.position_at_end(t.append_block(ctx, "entry"));
    let env = t.params()[0];
    let fields = env_ty.struct_fields();
    let args: Vec<Value> = pick
        .iter()
        .map(|i| b.load(fields[*i], field(&b, env_ty, env, *i)))
        .collect();
    let r = b.call(f, &args);
    if ret.is_void() {
        b.ret_void();
    } else {
        b.ret(r);
    }
    t
}

/// How many snapshots a loop's schedule keeps: `snapshots` (0: chosen
/// at run time), or as many as fit in `budget` bytes (`--tape-limit`).
#[derive(Clone, Copy)]
pub(super) struct Snapshots {
    pub snapshots: u32,
    pub budget: u64,
}

/// `NAME.aug(params..., i64 trips) -> ctx` (see the module documentation).
pub(super) fn forward_sweep(
    m: LLVMModuleRef,
    name: &str,
    params: &[Type],
    probe: Function,
    bases: usize,
    keep: Snapshots,
    shown: &str,
) -> Function {
    let Snapshots { snapshots, budget } = keep;
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let (ptr, i32t, i64t) = (Type::ptr(ctx), Type::i32(ctx), Type::i64(ctx));
    let begin = get_or_declare(
        m,
        "adc_ckpt_begin",
        Type::function(ptr, &[i64t, i64t, i64t, ptr, i64t]),
    );
    let forward = get_or_declare(
        m,
        "adc_ckpt_forward",
        Type::function(i32t, &[ptr, ptr, ptr]),
    );
    let mut env_fields = vec![ptr];
    env_fields.extend(params.iter().copied());
    let env_ty = Type::struct_of(ctx, &env_fields);
    let pick: Vec<usize> = (0..env_fields.len()).collect();
    let probe_thunk = thunk(m, &format!("{name}.probe.thunk"), env_ty, &pick, probe);
    let mut aug_params = params.to_vec();
    aug_params.push(i64t);
    let aug = add_function(m, &format!("{name}.aug"), Type::function(ptr, &aug_params));
    aug.set_internal();
    let b = Builder::new(ctx);
    b.position_at_end(aug.append_block(ctx, "entry"));
    let ps = aug.params();
    let trips = ps[params.len()];
    let c = b.call(
        begin,
        &[
            trips,
            i64t.const_int(snapshots as i64),
            i64t.const_int(bases as i64),
            c_string(m, shown),
            i64t.const_int(budget as i64),
        ],
    );
    let env = b.alloca(env_ty);
    b.store(c, field(&b, env_ty, env, 0));
    for (i, p) in ps[..params.len()].iter().enumerate() {
        b.store(*p, field(&b, env_ty, env, i + 1));
    }
    b.call(forward, &[c, probe_thunk.0, env]);
    b.ret(c);
    aug
}

/// Whether `f` is a checkpointed loop's function.
pub fn is_loop(f: Function) -> bool {
    f.string_attr(super::outline::LOOP_ATTR).is_some()
}

/// The iteration of checkpointed loop `lf`.
pub fn step_of(lf: Function) -> Function {
    let name = lf.string_attr(STEP_ATTR).expect("a checkpointed loop");
    get_function(lf.module(), &name).expect("its step")
}

/// The forward sweep of checkpointed loop `lf`.
pub fn aug_of(lf: Function) -> Function {
    let name = lf.string_attr(AUG_ATTR).expect("a checkpointed loop");
    get_function(lf.module(), &name).expect("its forward sweep")
}

/// Where checkpointed loop `lf` is in the source, for messages.
pub fn where_of(lf: Function) -> String {
    lf.string_attr(WHERE_ATTR).unwrap_or_default()
}

/// The activity the iteration's gradient is built for: a pointer with a
/// shadow is duplicated, anything else constant.
pub fn step_activity(lf: Function, shadowed: &[bool]) -> Vec<Activity> {
    let step = step_of(lf);
    step.params()
        .iter()
        .zip(shadowed)
        .map(|(p, s)| {
            if p.ty().is_pointer() && *s {
                Activity::Dup
            } else {
                Activity::Const
            }
        })
        .collect()
}

/// `NAME.vjp.PATTERN(params and shadows..., i64 trips, ctx)`: the reverse
/// sweep of checkpointed loop `lf` whose iteration's gradient under
/// `acts` (from [`step_activity`]) is `grad`.
pub fn reverse_sweep(lf: Function, acts: &[Activity], grad: Function) -> Function {
    let m = lf.module();
    let pattern: String = acts.iter().map(|a| a.letter()).collect();
    let name = format!("{}.vjp.{pattern}", lf.name());
    if let Some(f) = get_function(m, &name) {
        return f;
    }
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let (ptr, void) = (Type::ptr(ctx), Type::void(ctx));
    let reverse = get_or_declare(
        m,
        "adc_ckpt_reverse",
        Type::function(void, &[ptr, ptr, ptr, ptr]),
    );
    let step = step_of(lf);
    let sparams = step.params();
    // env: the iteration's parameters, then the shadows it is given.
    let mut fields: Vec<Type> = sparams.iter().map(|p| p.ty()).collect();
    let dup: Vec<usize> = (0..acts.len())
        .filter(|i| acts[*i] == Activity::Dup)
        .collect();
    fields.extend(dup.iter().map(|_| ptr));
    let env_ty = Type::struct_of(ctx, &fields);
    let primal: Vec<usize> = (0..sparams.len()).collect();
    let step_thunk = thunk(m, &format!("{name}.step.thunk"), env_ty, &primal, step);
    let mut with_shadows = Vec::new();
    for i in 0..sparams.len() {
        with_shadows.push(i);
        if let Some(k) = dup.iter().position(|d| *d == i) {
            with_shadows.push(sparams.len() + k);
        }
    }
    let grad_thunk = thunk(
        m,
        &format!("{name}.grad.thunk"),
        env_ty,
        &with_shadows,
        grad,
    );
    // The vjp's parameters: the loop function's, a shadow after each pointer.
    let mut vparams = Vec::new();
    for p in lf.params() {
        vparams.push(p.ty());
        if p.ty().is_pointer() {
            vparams.push(ptr);
        }
    }
    vparams.push(ptr);
    let vjp = add_function(m, &name, Type::function(void, &vparams));
    vjp.set_internal();
    let b = Builder::new(ctx);
    b.position_at_end(vjp.append_block(ctx, "entry"));
    let vs = vjp.params();
    let env = b.alloca(env_ty);
    let mut k = 0;
    let mut shadow_field = sparams.len();
    for (i, p) in lf.params().iter().enumerate() {
        let v = vs[k];
        k += 1;
        if i < sparams.len() {
            b.store(v, field(&b, env_ty, env, i));
        }
        if p.ty().is_pointer() {
            if i < acts.len() && acts[i] == Activity::Dup {
                b.store(vs[k], field(&b, env_ty, env, shadow_field));
                shadow_field += 1;
            }
            k += 1;
        }
    }
    let c = vs[vs.len() - 1];
    b.call(reverse, &[c, step_thunk.0, grad_thunk.0, env]);
    b.ret_void();
    vjp
}
