//! Floating-point idioms whose derivative is not the one their arithmetic
//! suggests, from vectorized math (Eigen's packet `exp` and `log`) and
//! libm-style code. Before differentiation each result goes through an
//! identity-like function whose rule is in the table; the cleanup after
//! differentiation inlines it away.
//!
//! - Rounding by a magic constant: `(a + C) - C` with C = 2^52 or 1.5 * 2^52
//!   (2^23 or 1.5 * 2^23 for float) rounds `a` to an integer (or a grid), a
//!   step function. Read as real arithmetic it is `a` (derivative 1), and
//!   Eigen's `exp` then had derivative 0. It goes through `adc.rounded.T`,
//!   whose derivative is 0.
//! - A mantissa from bits: `(bits(x) & M) | E` read back as a float, with M
//!   keeping sign and fraction and E setting the exponent, is `x * 2^k` for
//!   the `k` that makes its exponent E (frexp's mantissa). The bits carry no
//!   derivative (adc would refuse them as type punning); through
//!   `adc.rescaled.T(x, m)` its derivative is `m / x`, exact for normal
//!   numbers.

use super::{add_function, get_function, Builder, Function, Type, Value};
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::LLVMOpcode;

/// Whether `v` is one of the magic constants (scalar or splat) for its type.
fn is_magic(v: Value) -> bool {
    if !v.ty().is_float_or_double() {
        return false;
    }
    let Some(x) = v.const_f64_splat() else {
        return false;
    };
    let double = v.ty().scalar().kind() == llvm_sys::LLVMTypeKind::LLVMDoubleTypeKind;
    let base = if double { 2f64.powi(52) } else { 2f64.powi(23) };
    x.abs() == base || x.abs() == 1.5 * base
}

/// The constant `i` adds to its first operand (`x + c`, or `x - c` as
/// `-c`), if it is one of those.
fn added_constant(i: Value) -> Option<f64> {
    let sign = match i.opcode()? {
        LLVMOpcode::LLVMFAdd => 1.0,
        LLVMOpcode::LLVMFSub => -1.0,
        _ => return None,
    };
    Some(sign * i.operand(1).const_f64_splat()?)
}

/// `(a + C) - C`, in any of its spellings (`(a + C) + -C`, `(a - C) + C`),
/// C magic.
fn rounds(i: Value) -> bool {
    let Some(outer) = added_constant(i) else {
        return false;
    };
    let inner = i.operand(0);
    inner.is_instruction() && added_constant(inner) == Some(-outer) && is_magic(i.operand(1))
}

/// `adc.BASE.T`, the name of adc's identity-like function `base` at type
/// `t` (`adc.rounded.f64`, `adc.frac.v2f32`): the rule table finds its row
/// by `adc.BASE`.
pub(super) fn typed_name(base: &str, t: Type) -> String {
    let suffix = if t.is_vector() {
        format!("v{}{}", t.vector_size(), t.scalar().print())
    } else {
        t.print()
    };
    format!(
        "adc.{base}.{}",
        suffix.replace("double", "f64").replace("float", "f32")
    )
}

/// `adc.BASE.T` for type `t` with `arity` operands of type `t`, returning
/// the last: defined in `m` on first use.
fn idiom_fn(m: LLVMModuleRef, base: &str, t: Type, arity: usize) -> Function {
    let name = typed_name(base, t);
    if let Some(f) = get_function(m, &name) {
        return f;
    }
    let f = add_function(m, &name, Type::function(t, &vec![t; arity]));
    f.set_internal();
    let ctx = t.context();
    let b = Builder::new(ctx);
    b.position_at_end(f.append_block(ctx, "entry"));
    b.ret(f.params()[arity - 1]);
    f
}

/// For `cast`, a bitcast of integers to floats: the float `x` whose
/// bits it rebuilds with a new exponent, `(bits(x) & M) | E`.
fn mantissa_of(cast: Value) -> Option<Value> {
    if cast.opcode() != Some(LLVMOpcode::LLVMBitCast) || !cast.ty().is_float_or_double() {
        return None;
    }
    let or = cast.operand(0);
    if or.opcode() != Some(LLVMOpcode::LLVMOr) {
        return None;
    }
    let double = cast.ty().scalar().kind() == llvm_sys::LLVMTypeKind::LLVMDoubleTypeKind;
    let exponent: u64 = if double {
        0x7FF0_0000_0000_0000
    } else {
        0x7F80_0000
    };
    let (and, e) = [
        (or.operand(0), or.operand(1)),
        (or.operand(1), or.operand(0)),
    ]
    .into_iter()
    .find(|(a, _)| a.opcode() == Some(LLVMOpcode::LLVMAnd))?;
    let e = e.const_u64_splat()?;
    let mask = and.operand(1).const_u64_splat()?;
    let bits = and.operand(0);
    let ok = e & !exponent == 0 && e != 0 && e != exponent && mask & exponent == 0;
    if !ok || bits.opcode() != Some(LLVMOpcode::LLVMBitCast) {
        return None;
    }
    let x = bits.operand(0);
    (x.ty() == cast.ty()).then_some(x)
}

/// Route every idiom in `m` through its function.
pub fn mark(m: LLVMModuleRef) {
    for f in super::functions(m) {
        if f.name().starts_with("adc.") {
            continue;
        }
        for i in f.blocks().into_iter().flat_map(|b| b.instructions()) {
            if !i.ty().is_float() {
                continue;
            }
            let (g, args) = if rounds(i) {
                (idiom_fn(m, "rounded", i.ty(), 1), vec![i])
            } else if let Some(x) = mantissa_of(i) {
                (idiom_fn(m, "rescaled", i.ty(), 2), vec![x, i])
            } else {
                continue;
            };
            let Some(next) = i.next_instruction() else {
                continue;
            };
            let users = i.users();
            let b = Builder::new(i.ty().context());
            b.position_before(next);
            let r = b.call(g, &args);
            for u in users {
                for k in 0..u.num_operands() {
                    if u.operand(k) == i {
                        u.set_operand(k, r);
                    }
                }
            }
        }
    }
}
