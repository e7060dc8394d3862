//! libm functions with more than one result: `modf` (fraction and integer
//! part) and `sincos` (sine and cosine), as libm calls writing through
//! pointers or as LLVM's `llvm.modf` / `llvm.sincos` returning a pair.
//! The derivative table holds one result per row, so before
//! differentiation each such call becomes one call or intrinsic per result
//! and, for the libm forms, plain stores of them. The integer part is
//! `llvm.trunc` (derivative 0); the fraction goes through `adc.frac.T`,
//! which computes exactly what `modf` returns and whose rule is 1.

use super::{add_function, get_function, intrinsic, Builder, Function, Type, Value};
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::{LLVMOpcode, LLVMRealPredicate};

/// What a call computes, by the callee's name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `modf(x, &ip)` / `modff`: returns the fraction, stores the integer part.
    ModfLibm,
    /// `llvm.modf.T(x)`: `{fraction, integer part}`.
    ModfPair,
    /// `sincos(x, &s, &c)` / `sincosf`.
    SincosLibm,
    /// `llvm.sincos.T(x)`: `{sin, cos}`.
    SincosPair,
}

fn form(name: &str) -> Option<Form> {
    match name {
        "modf" | "modff" | "modfl" | "modff128" => Some(Form::ModfLibm),
        "sincos" | "sincosf" | "sincosl" | "sincosf128" => Some(Form::SincosLibm),
        _ if name.starts_with("llvm.modf.") => Some(Form::ModfPair),
        _ if name.starts_with("llvm.sincos.") => Some(Form::SincosPair),
        _ => None,
    }
}

/// `adc.frac.T(x)`: modf's fraction, bit for bit: `x - trunc(x)` (exact)
/// with the sign of `x` (so `-3.0` gives `-0.0`), and `±0` at `±inf`.
fn frac_fn(m: LLVMModuleRef, t: Type) -> Function {
    let suffix = if t.is_vector() {
        format!("v{}{}", t.vector_size(), t.scalar().print())
    } else {
        t.print()
    };
    let name = format!(
        "adc.frac.{}",
        suffix.replace("double", "f64").replace("float", "f32")
    );
    if let Some(f) = get_function(m, &name) {
        return f;
    }
    let f = add_function(m, &name, Type::function(t, &[t]));
    f.set_internal();
    let ctx = t.context();
    let b = Builder::new(ctx);
    b.position_at_end(f.append_block(ctx, "entry"));
    let x = f.params()[0];
    let unary = |base: &str, args: &[Value]| {
        let g = intrinsic(m, base, &[t]).expect("LLVM has its rounding and sign intrinsics");
        b.call(g, args)
    };
    let whole = unary("llvm.trunc", &[x]);
    let diff = b.fsub(x, whole);
    let signed = unary("llvm.copysign", &[diff, x]);
    let mag = unary("llvm.fabs", &[x]);
    let inf = b.fcmp(
        LLVMRealPredicate::LLVMRealOEQ,
        mag,
        t.const_float(f64::INFINITY),
    );
    let zero = unary("llvm.copysign", &[t.const_float(0.0), x]);
    b.ret(b.select(inf, zero, signed));
    f
}

/// Split every multi-result libm call in `m` whose callee `keep` does not
/// claim (a user's rule for `modf` stays in charge).
pub fn split(m: LLVMModuleRef, keep: impl Fn(Function) -> bool) {
    let mut calls = Vec::new();
    for f in super::functions(m) {
        if f.is_declaration() || f.name().starts_with("adc.") {
            continue;
        }
        for i in f.blocks().into_iter().flat_map(|b| b.instructions()) {
            if i.opcode() != Some(LLVMOpcode::LLVMCall) {
                continue;
            }
            let Some(g) = i.called_function() else {
                continue;
            };
            if !g.is_declaration() || keep(g) {
                continue;
            }
            if let Some(k) = form(&g.name()) {
                calls.push((i, k));
            }
        }
    }
    for (call, k) in calls {
        rewrite(m, call, k);
    }
}

fn rewrite(m: LLVMModuleRef, call: Value, k: Form) {
    let args = call.call_args();
    let x = args[0];
    let t = x.ty();
    if !t.is_float() {
        return;
    }
    let b = Builder::new(t.context());
    b.position_before(call);
    unsafe {
        llvm_sys::core::LLVMSetCurrentDebugLocation2(
            b.raw(),
            llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(call.0),
        );
    }
    let one = |base: &str| {
        let g = intrinsic(m, base, &[t]).expect("LLVM has its libm intrinsics");
        b.call(g, &[x])
    };
    let (first, second) = match k {
        Form::ModfLibm | Form::ModfPair => (b.call(frac_fn(m, t), &[x]), one("llvm.trunc")),
        Form::SincosLibm | Form::SincosPair => (one("llvm.sin"), one("llvm.cos")),
    };
    let result = match k {
        Form::ModfLibm => {
            b.store(second, args[1]);
            Some(first)
        }
        Form::SincosLibm => {
            b.store(first, args[1]);
            b.store(second, args[2]);
            None
        }
        Form::ModfPair | Form::SincosPair => {
            let pair = unsafe { llvm_sys::core::LLVMGetUndef(call.ty().0) };
            let pair = b.insert_value(Value(pair), first, 0);
            Some(b.insert_value(pair, second, 1))
        }
    };
    if let Some(r) = result {
        call.replace_all_uses_with(r);
    }
    call.erase();
}
