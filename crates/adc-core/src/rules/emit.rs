//! Lowering rule expressions to IR at the point of use.

use super::expr::{BinOp, CmpOp, Expr, MathFn};
use crate::ir::{get_or_declare, intrinsic, Builder, Type, Value};
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::{LLVMOpcode, LLVMRealPredicate, LLVMTypeKind};

/// What an expression's names stand for at one instruction.
pub struct ExprEnv<'a> {
    pub builder: &'a Builder,
    pub module: LLVMModuleRef,
    /// The operands (as values in the function being built).
    pub args: &'a [Value],
    /// The operation's result, when the expression needs it.
    pub result: Option<Value>,
    /// The float type partials are computed in (the result type).
    pub ty: Type,
    /// Whether a select whose arm calls a costly function may become a
    /// branch, so that only the arm taken runs (the pow partial's second
    /// pow call, needed only where the result is not a normal float). The
    /// builders allow it: each records a source block's last block only
    /// after emitting all of it.
    pub branches: bool,
}

fn num(x: f64, like: Type) -> Value {
    if like.scalar().is_integer() {
        like.const_int(x as i64)
    } else {
        like.const_float(x)
    }
}

/// Whether the term of partial `p` at an operation with these (source)
/// operands must be zero wherever its tangent or adjoint is zero, whatever
/// the partial evaluates to: where `p` may be infinite at finite operands
/// (asinh's 1/|x| at x = 0 reached with a zero tangent would otherwise make
/// the whole derivative NaN), and where it reads a vector lane that may be
/// poison (SLP code drops such lanes later; 0 * poison is poison). A
/// constant operand does not count: the builders pass it with its poison
/// lanes zeroed ([`Value::without_poison_lanes`]).
pub fn needs_strong_zero(p: &Expr, operands: &[Value]) -> bool {
    if p.may_be_unbounded() {
        return true;
    }
    let mut used = Vec::new();
    p.args_used(&mut used);
    used.iter().any(|&j| {
        operands
            .get(j)
            .is_some_and(|v| !v.is_constant() && v.may_have_poison_lanes())
    })
}

/// The term `d * t` of a partial `d` and a tangent or adjoint `t`; with
/// `strong_zero` ([`needs_strong_zero`]) a select per lane makes it zero
/// wherever `t` is zero.
pub fn partial_term(b: &Builder, strong_zero: bool, d: Value, t: Value) -> Value {
    let prod = b.fmul(d, t);
    if !strong_zero {
        return prod;
    }
    let zero = t.ty().null();
    let is_zero = b.fcmp(LLVMRealPredicate::LLVMRealOEQ, t, zero);
    b.select(is_zero, zero, prod)
}

/// Emit `e`; constants take the type of the value they combine with.
pub fn emit(e: &Expr, env: &ExprEnv) -> Result<Value, String> {
    let b = env.builder;
    Ok(match e {
        Expr::Num(x) => env.ty.const_float(*x),
        Expr::Arg(i) => *env
            .args
            .get(*i)
            .ok_or_else(|| format!("rule reads operand {i}, which the call lacks"))?,
        Expr::Result => env
            .result
            .ok_or_else(|| "rule reads the result, which is not available".to_string())?,
        Expr::Neg(a) => b.fneg(emit(a, env)?),
        Expr::Bin(op, l, r) => {
            let (vl, vr) = match (&**l, &**r) {
                (Expr::Num(x), Expr::Num(y)) => {
                    let v = match op {
                        BinOp::Add => x + y,
                        BinOp::Sub => x - y,
                        BinOp::Mul => x * y,
                        BinOp::Div => x / y,
                    };
                    return Ok(env.ty.const_float(v));
                }
                (Expr::Num(x), r) => {
                    let vr = emit(r, env)?;
                    (num(*x, vr.ty()), vr)
                }
                (l, Expr::Num(y)) => {
                    let vl = emit(l, env)?;
                    (vl, num(*y, vl.ty()))
                }
                (l, r) => (emit(l, env)?, emit(r, env)?),
            };
            if vl.ty().scalar().is_integer() {
                match op {
                    BinOp::Add => b.add(vl, vr),
                    BinOp::Sub => b.sub(vl, vr),
                    BinOp::Mul => b.mul(vl, vr),
                    BinOp::Div => return Err("integer division in a rule".into()),
                }
            } else {
                match op {
                    BinOp::Add => b.fadd(vl, vr),
                    BinOp::Sub => b.fsub(vl, vr),
                    BinOp::Mul => b.fmul(vl, vr),
                    BinOp::Div => b.fdiv(vl, vr),
                }
            }
        }
        Expr::Cmp(op, l, r) => {
            let p = match op {
                CmpOp::Lt => LLVMRealPredicate::LLVMRealOLT,
                CmpOp::Le => LLVMRealPredicate::LLVMRealOLE,
                CmpOp::Eq => LLVMRealPredicate::LLVMRealOEQ,
                CmpOp::Ne => LLVMRealPredicate::LLVMRealUNE,
                CmpOp::Gt => LLVMRealPredicate::LLVMRealOGT,
                CmpOp::Ge => LLVMRealPredicate::LLVMRealOGE,
            };
            b.fcmp(p, emit(l, env)?, emit(r, env)?)
        }
        Expr::Select(c, x, y)
            if env.branches && !env.ty.is_vector() && (x.is_costly() || y.is_costly()) =>
        {
            let cond = emit(c, env)?;
            let f = b.insert_block().function();
            let ctx = b.context();
            let (then, other, join) = (
                f.append_block(ctx, "partial.then"),
                f.append_block(ctx, "partial.else"),
                f.append_block(ctx, "partial.join"),
            );
            b.cond_br(cond, then, other);
            b.position_at_end(then);
            let vx = emit(x, env)?;
            let from_x = b.insert_block();
            b.br(join);
            b.position_at_end(other);
            let vy = emit(y, env)?;
            let from_y = b.insert_block();
            b.br(join);
            b.position_at_end(join);
            let phi = b.phi(vx.ty(), "");
            phi.add_incoming(vx, from_x);
            phi.add_incoming(vy, from_y);
            phi
        }
        Expr::Select(c, x, y) => b.select(emit(c, env)?, emit(x, env)?, emit(y, env)?),
        Expr::Call(f, args) => {
            let vals = args
                .iter()
                .map(|a| emit(a, env))
                .collect::<Result<Vec<_>, _>>()?;
            call_math(*f, &vals, env)?
        }
    })
}

fn call_math(f: MathFn, args: &[Value], env: &ExprEnv) -> Result<Value, String> {
    let b = env.builder;
    let ty = env.ty;
    match f {
        MathFn::Float => {
            let v = args[0];
            if v.ty().scalar().is_integer() {
                Ok(b.cast(LLVMOpcode::LLVMSIToFP, v, ty))
            } else {
                Ok(v)
            }
        }
        MathFn::IsNormal => {
            let v = fp_cast(b, args[0], ty);
            let fabs =
                intrinsic(env.module, "llvm.fabs", &[ty]).ok_or("this LLVM has no llvm.fabs")?;
            let a = b.call(fabs, &[v]);
            let (min, max) = match ty.kind() {
                LLVMTypeKind::LLVMFloatTypeKind => (f32::MIN_POSITIVE as f64, f32::MAX as f64),
                LLVMTypeKind::LLVMDoubleTypeKind => (f64::MIN_POSITIVE, f64::MAX),
                // (other widths: no cheap path, the condition is false)
                _ => return Ok(Type::i1(b.context()).const_int(0)),
            };
            let lo = b.fcmp(LLVMRealPredicate::LLVMRealOGE, a, ty.const_float(min));
            let hi = b.fcmp(LLVMRealPredicate::LLVMRealOLE, a, ty.const_float(max));
            Ok(b.and(lo, hi))
        }
        MathFn::Digamma => {
            let double = Type(unsafe { llvm_sys::core::LLVMDoubleTypeInContext(b.context()) });
            let d = super::special::digamma(env.module, double);
            let dt = d.return_type();
            if ty == dt {
                return Ok(b.call(d, args));
            }
            // (in double also for wider types: ψ is a derivative, and
            // double's 53 bits are what rules/special.rs computes)
            let x = fp_cast(b, args[0], dt);
            let r = b.call(d, &[x]);
            Ok(fp_cast(b, r, ty))
        }
        MathFn::Jn | MathFn::Yn => libm_call(env, f.name(), args, |t| {
            Type::function(t, &[args[0].ty(), t])
        }),
        MathFn::Powi => {
            let d = intrinsic(env.module, "llvm.powi", &[ty, args[1].ty()])
                .ok_or("this LLVM has no llvm.powi")?;
            Ok(b.call(d, args))
        }
        _ => {
            let base = f.name();
            if let Some(d) = intrinsic(env.module, &format!("llvm.{base}"), &[ty]) {
                return Ok(b.call(d, args));
            }
            libm_call(env, base, args, |t| Type::function(t, &vec![t; args.len()]))
        }
    }
}

/// `v` converted to the float type `to` (fpext or fptrunc).
fn fp_cast(b: &crate::ir::Builder, v: Value, to: Type) -> Value {
    Value(unsafe { llvm_sys::core::LLVMBuildFPCast(b.raw(), v.0, to.0, c"".as_ptr()) })
}

/// libm's name of `base` at float type `ty`: `sin`, `sinf`, `sinl`
/// (x86_fp80), `sinf128` (glibc's fp128 functions).
pub fn libm_name(base: &str, ty: Type) -> Option<String> {
    match ty.kind() {
        LLVMTypeKind::LLVMDoubleTypeKind => Some(base.to_string()),
        LLVMTypeKind::LLVMFloatTypeKind => Some(format!("{base}f")),
        LLVMTypeKind::LLVMX86_FP80TypeKind => Some(format!("{base}l")),
        LLVMTypeKind::LLVMFP128TypeKind => Some(format!("{base}f128")),
        _ => None,
    }
}

/// A call of libm's `base` at the rule's type, of type `fn_ty(float type)`
/// (float arguments are the rule's type). half and bfloat have no libm:
/// their floats go to `float` and back.
fn libm_call(
    env: &ExprEnv,
    base: &str,
    args: &[Value],
    fn_ty: impl Fn(Type) -> Type,
) -> Result<Value, String> {
    let b = env.builder;
    let ty = env.ty;
    if let Some(name) = libm_name(base, ty.scalar()) {
        if ty.is_vector() {
            return Err(format!("no vector `{base}` for type {}", ty.print()));
        }
        let d = get_or_declare(env.module, &name, fn_ty(ty));
        return Ok(b.call(d, args));
    }
    if ty.is_vector() || !ty.is_float_scalar() {
        return Err(format!("no `{base}` for type {}", ty.print()));
    }
    let float = Type(unsafe { llvm_sys::core::LLVMFloatTypeInContext(b.context()) });
    let wide: Vec<Value> = args
        .iter()
        .map(|a| {
            if a.ty() == ty {
                b.cast(LLVMOpcode::LLVMFPExt, *a, float)
            } else {
                *a
            }
        })
        .collect();
    let d = get_or_declare(env.module, &format!("{base}f"), fn_ty(float));
    let r = b.call(d, &wide);
    Ok(b.cast(LLVMOpcode::LLVMFPTrunc, r, ty))
}
