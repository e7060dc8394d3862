//! Partials that the program already computed. sin's partial is cos(x) and
//! cos's is -sin(x); code that takes sin(x) usually takes cos(x) of the
//! same x too (a rotation, Rodrigues' formula, a Fourier twiddle), so the
//! rule's `cos(x)` is that call's result rather than a second libm call.
//! The same holds for any partial that is (the negation of) a one-argument
//! math function of an operand: sinh/cosh, exp's `r` is already free.

use super::expr::Expr;
use super::table::{lookup_callee, Rule};
use crate::ir::Value;
use llvm_sys::LLVMOpcode;

/// A call in `inst`'s block whose result is partial `p` of `inst` (with
/// the sign flipped when the bool says so): `p` is `f(x)` or `-f(x)` for an
/// operand x, and the call computes f at that same x, in the same type.
/// With `before`, only a call that precedes `inst` (forward mode computes
/// the tangent where `inst` is); the reverse sweep may use either.
pub fn sibling(inst: Value, p: &Expr, before: bool) -> Option<(Value, bool)> {
    let (call, negate) = match p {
        Expr::Neg(a) => (&**a, true),
        p => (p, false),
    };
    let Expr::Call(f, args) = call else {
        return None;
    };
    let [Expr::Arg(j)] = args.as_slice() else {
        return None;
    };
    if inst.opcode() != Some(LLVMOpcode::LLVMCall) {
        return None;
    }
    let x = *inst.call_args().get(*j)?;
    let want = format!("llvm.{}", f.name());
    // The candidates are among x's users (a walk over the block for each
    // call made straight-line code of n calls cost n^2).
    let block = inst.parent_block();
    let mut found: Vec<Value> = x
        .users()
        .into_iter()
        .filter(|c| {
            *c != inst
                && c.opcode() == Some(LLVMOpcode::LLVMCall)
                && c.parent_block() == block
                && c.ty() == inst.ty()
                && c.call_args() == [x]
                && c.called_function()
                    .and_then(lookup_callee)
                    .is_some_and(|r| matches!(r, Rule::Partials { name, .. } if *name == want))
        })
        .collect();
    found.dedup();
    // The first in the block, as a walk over it would find.
    let precedes = |a: Value, b: Value| {
        let mut i = a.next_instruction();
        while let Some(v) = i {
            if v == b {
                return true;
            }
            i = v.next_instruction();
        }
        false
    };
    if found.len() > 1 {
        let order = block.instructions();
        found.sort_by_key(|c| order.iter().position(|v| v == c));
    }
    let c = *found.first()?;
    if before && !precedes(c, inst) {
        return None;
    }
    Some((c, negate))
}
