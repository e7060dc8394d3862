//! libm functions with more than one result: `modf` (fraction and integer
//! part) and `sincos` (sine and cosine), as libm calls writing through
//! pointers or as LLVM's `llvm.modf` / `llvm.sincos` returning a pair;
//! and the `double _Complex` functions, which return real and imaginary
//! parts (`__muldc3`, `__divdc3`, `cexp`, `clog`, `csqrt`, `cpow`).
//! The derivative table holds one result per row, so before
//! differentiation each such call becomes one call or intrinsic per result
//! and, for the libm forms, plain stores of them. The integer part is
//! `llvm.trunc` (derivative 0); the fraction goes through `adc.frac.T`,
//! which computes exactly what `modf` returns and whose rule is 1. A
//! complex function's parts go through `adc.NAME_re.f64` and
//! `adc.NAME_im.f64`, which call it and return one part (rules in the
//! table); the cleanup after differentiation inlines them.

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
    /// A `double _Complex` function returning `{re, im}`: the base of
    /// its part functions' names.
    Complex(&'static str),
}

fn form(name: &str) -> Option<Form> {
    match name {
        "modf" | "modff" | "modfl" | "modff128" => Some(Form::ModfLibm),
        "sincos" | "sincosf" | "sincosl" | "sincosf128" => Some(Form::SincosLibm),
        "__muldc3" => Some(Form::Complex("muldc3")),
        "__divdc3" => Some(Form::Complex("divdc3")),
        "cexp" => Some(Form::Complex("cexp")),
        "clog" => Some(Form::Complex("clog")),
        "csqrt" => Some(Form::Complex("csqrt")),
        "cpow" => Some(Form::Complex("cpow")),
        _ if name.starts_with("llvm.modf.") => Some(Form::ModfPair),
        _ if name.starts_with("llvm.sincos.") => Some(Form::SincosPair),
        _ => None,
    }
}

/// `adc.frac.T(x)`: modf's fraction, bit for bit: `x - trunc(x)` (exact)
/// with the sign of `x` (so `-3.0` gives `-0.0`), and `±0` at `±inf`.
fn frac_fn(m: LLVMModuleRef, t: Type) -> Function {
    let name = super::fp_idioms::typed_name("frac", t);
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

/// `adc.{base}_{part}.f64`: calls `f` and returns part `index` of its
/// `{re, im}`.
fn part_fn(m: LLVMModuleRef, f: Function, base: &str, part: &str, index: u32) -> Function {
    let name = format!("adc.{base}_{part}.f64");
    if let Some(g) = get_function(m, &name) {
        return g;
    }
    let params = f.fn_type().params();
    let double = params[0];
    let g = add_function(m, &name, Type::function(double, &params));
    g.set_internal();
    let ctx = double.context();
    let b = Builder::new(ctx);
    b.position_at_end(g.append_block(ctx, "entry"));
    let r = b.call(f, &g.params());
    // Reads and writes no memory (errno aside, which derivative code does
    // not keep): once inlined, the re and im parts' two calls are one.
    unsafe {
        use llvm_sys::core::*;
        for (name, value) in [("memory", 0u64), ("nounwind", 0), ("willreturn", 0)] {
            let kind = LLVMGetEnumAttributeKindForName(name.as_ptr() as *const _, name.len());
            let a = LLVMCreateEnumAttribute(LLVMGetModuleContext(m), kind, value);
            LLVMAddCallSiteAttribute(r.0, llvm_sys::LLVMAttributeFunctionIndex, a);
        }
    }
    b.ret(b.extract_value(r, index));
    g
}

/// Whether `f` has the x86-64 ABI of a `double _Complex` function of
/// doubles: `{double, double} (double...)`.
fn complex_of_doubles(f: Function) -> bool {
    let ret = f.return_type();
    let double = |t: Type| t.kind() == llvm_sys::LLVMTypeKind::LLVMDoubleTypeKind;
    ret.kind() == llvm_sys::LLVMTypeKind::LLVMStructTypeKind
        && ret.struct_fields().len() == 2
        && ret.struct_fields().into_iter().all(double)
        && f.fn_type().params().into_iter().all(double)
}

fn rewrite(m: LLVMModuleRef, call: Value, k: Form) {
    if let Form::Complex(base) = k {
        let Some(f) = call.called_function().filter(|f| complex_of_doubles(*f)) else {
            return;
        };
        let b = Builder::new(call.ty().context());
        b.position_before(call);
        unsafe {
            llvm_sys::core::LLVMSetCurrentDebugLocation2(
                b.raw(),
                llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(call.0),
            );
        }
        let args = call.call_args();
        let re = b.call(part_fn(m, f, base, "re", 0), &args);
        let im = b.call(part_fn(m, f, base, "im", 1), &args);
        let pair = Value(unsafe { llvm_sys::core::LLVMGetUndef(call.ty().0) });
        let pair = b.insert_value(b.insert_value(pair, re, 0), im, 1);
        call.replace_all_uses_with(pair);
        call.erase();
        return;
    }
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
        Form::Complex(_) => unreachable!("complex calls are rewritten above"),
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
        Form::ModfPair | Form::SincosPair | Form::Complex(_) => {
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
