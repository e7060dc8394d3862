//! A loop's trip count at its entry, from its latch test of an induction
//! variable with a constant step against a bound computed before it (the
//! offline schedule needs it; the run time checks it as the loop runs).

use crate::analysis::loops::SimpleLoop;
use crate::ir::{Block, Builder, Type, Value};
use indexmap::IndexSet;
use llvm_sys::core::*;
use llvm_sys::LLVMIntPredicate::*;
use llvm_sys::LLVMOpcode::{self, *};

/// How the loop's trip count follows from its latch test.
pub(super) struct TripCount {
    /// The tested header phi's start and the bound it is compared with.
    start: Value,
    bound: Value,
    /// Its step per iteration (a constant; 2 or 4 when unrolled).
    step: i64,
    /// The latch tests the phi itself rather than its next value.
    before: bool,
    /// `!=` (else `<` toward the bound; `<=` is `<` bound + 1).
    not_equal: bool,
    inclusive: bool,
    /// Compare as unsigned (zero-extend to i64).
    unsigned: bool,
}

impl TripCount {
    /// Iteration j has phi = start + j step and tests X_j = phi (+ step
    /// unless `before`); the loop goes on while X_j has not reached the
    /// bound. With dist = (bound - start) * sign(step) and c = |step|:
    /// `!=`: dist / c (+ 1 if before); `<`: max(1, ceil(max(dist, 0) / c)
    /// (+ 1 if before)). The run time checks it (snapshots.c).
    pub(super) fn emit(&self, b: &Builder) -> Value {
        let i64t = Type::i64(b.context());
        let wide = |v: Value| {
            if v.ty().int_width() == 64 {
                v
            } else if self.unsigned {
                b.cast(LLVMOpcode::LLVMZExt, v, i64t)
            } else {
                b.cast(LLVMOpcode::LLVMSExt, v, i64t)
            }
        };
        let (s, n) = (wide(self.start), wide(self.bound));
        let mut dist = if self.step > 0 {
            b.sub(n, s)
        } else {
            b.sub(s, n)
        };
        if self.inclusive {
            dist = b.add(dist, i64t.const_int(1));
        }
        let c = self.step.abs();
        let (zero, one) = (i64t.const_int(0), i64t.const_int(1));
        let div = |x: Value| {
            if c == 1 {
                x
            } else {
                Value(unsafe { LLVMBuildSDiv(b.raw(), x.0, i64t.const_int(c).0, c"".as_ptr()) })
            }
        };
        let mut t = if self.not_equal {
            div(dist)
        } else {
            let neg = b.icmp(LLVMIntSLT, dist, zero);
            let d = b.select(neg, zero, dist);
            div(b.add(d, i64t.const_int(c - 1)))
        };
        if self.before {
            t = b.add(t, one);
        }
        let small = b.icmp(LLVMIntSLT, t, one);
        b.select(small, one, t)
    }
}

/// The trip count from the latch test `icmp X, B` of a header phi `p`
/// stepping by +-1 (X is `p` or its next value) against `B` from outside.
pub(super) fn trip_count(
    l: &SimpleLoop,
    phis: &[Value],
    exit: Block,
    region: &IndexSet<Block>,
) -> Option<TripCount> {
    let term = l.latch.terminator()?;
    if term.opcode() != Some(LLVMCondBr) {
        return None;
    }
    let cond = Value(unsafe { LLVMGetCondition(term.0) });
    let on_true = l.latch.successors()[0];
    let stay_if_true = on_true == l.header;
    if !stay_if_true && on_true != exit {
        return None;
    }
    if cond.opcode() != Some(LLVMICmp) {
        return None;
    }
    let mut pred = unsafe { LLVMGetICmpPredicate(cond.0) };
    let (mut x, mut bound) = (cond.operand(0), cond.operand(1));
    let outside = |v: Value| !(v.is_instruction() && region.contains(&v.parent_block()));
    if !outside(bound) {
        std::mem::swap(&mut x, &mut bound);
        pred = swapped(pred);
    }
    if !outside(bound) || !bound.ty().is_integer() {
        return None;
    }
    if !stay_if_true {
        pred = inverse(pred);
    }
    // x = p or x = p + c for a constant c, p a header phi whose latch
    // value is p + c.
    let step_of = |p: Value| -> Option<i64> {
        let n = p.incoming_from(l.latch)?;
        if n.opcode() != Some(LLVMAdd) || n.operand(0) != p {
            return None;
        }
        let w = n.ty().int_width();
        let c = n.operand(1).const_u64()?;
        // Sign-extend from the phi's width.
        let c = if w < 64 {
            ((c << (64 - w)) as i64) >> (64 - w)
        } else {
            c as i64
        };
        (c != 0).then_some(c)
    };
    let (phi, before) = if phis.contains(&x) {
        (x, true)
    } else {
        let p = phis
            .iter()
            .copied()
            .find(|p| p.incoming_from(l.latch) == Some(x))?;
        (p, false)
    };
    let step = step_of(phi)?;
    let start = phi.incoming_from(l.preheader)?;
    let up = step > 0;
    let (not_equal, inclusive, unsigned) = match pred {
        LLVMIntNE => (true, false, false),
        LLVMIntSLT if up => (false, false, false),
        LLVMIntSGT if !up => (false, false, false),
        LLVMIntULT if up => (false, false, true),
        LLVMIntUGT if !up => (false, false, true),
        LLVMIntSLE if up => (false, true, false),
        LLVMIntSGE if !up => (false, true, false),
        LLVMIntULE if up => (false, true, true),
        LLVMIntUGE if !up => (false, true, true),
        _ => return None,
    };
    Some(TripCount {
        start,
        bound,
        step,
        before,
        not_equal,
        inclusive,
        unsigned,
    })
}

fn swapped(p: llvm_sys::LLVMIntPredicate) -> llvm_sys::LLVMIntPredicate {
    match p {
        LLVMIntSLT => LLVMIntSGT,
        LLVMIntSGT => LLVMIntSLT,
        LLVMIntSLE => LLVMIntSGE,
        LLVMIntSGE => LLVMIntSLE,
        LLVMIntULT => LLVMIntUGT,
        LLVMIntUGT => LLVMIntULT,
        LLVMIntULE => LLVMIntUGE,
        LLVMIntUGE => LLVMIntULE,
        p => p,
    }
}

fn inverse(p: llvm_sys::LLVMIntPredicate) -> llvm_sys::LLVMIntPredicate {
    match p {
        LLVMIntEQ => LLVMIntNE,
        LLVMIntNE => LLVMIntEQ,
        LLVMIntSLT => LLVMIntSGE,
        LLVMIntSGE => LLVMIntSLT,
        LLVMIntSGT => LLVMIntSLE,
        LLVMIntSLE => LLVMIntSGT,
        LLVMIntULT => LLVMIntUGE,
        LLVMIntUGE => LLVMIntULT,
        LLVMIntUGT => LLVMIntULE,
        LLVMIntULE => LLVMIntUGT,
    }
}
