//! Special functions rules need that libm does not have: the digamma
//! function ψ = Γ'/Γ, for the rules of lgamma (ψ) and tgamma (Γ ψ).
//! Defined once per module as an internal function in IR.

use crate::ir::{add_function, get_function, get_or_declare, Builder, Function, Type};
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::LLVMRealPredicate::LLVMRealOLT;

/// ψ(x) in double: reflection ψ(x) = ψ(1 - x) - π / tan(πx) below 1/2,
/// the recurrence ψ(x) = ψ(x + 1) - 1/x up to 10, then the asymptotic
/// series ln x - 1/(2x) - Σ B_2k / (2k x^2k) through x^-12 (the first term
/// left out is below 1e-15 relative there).
/// `d` is the double type of the module's context.
pub fn digamma(m: LLVMModuleRef, d: Type) -> Function {
    const NAME: &str = "adc.digamma";
    if let Some(f) = get_function(m, NAME) {
        return f;
    }
    let ctx = d.context();
    let f = add_function(m, NAME, Type::function(d, &[d]));
    f.set_internal();
    let x = f.params()[0];
    let b = Builder::new(ctx);
    let entry = f.append_block(ctx, "entry");
    let reflect = f.append_block(ctx, "reflect");
    let shift = f.append_block(ctx, "shift");
    let head = f.append_block(ctx, "head");
    let body = f.append_block(ctx, "body");
    let tail = f.append_block(ctx, "tail");
    let c = |v: f64| d.const_float(v);
    b.position_at_end(entry);
    let small = b.fcmp(LLVMRealOLT, x, c(0.5));
    b.cond_br(small, reflect, shift);

    b.position_at_end(reflect);
    let pi = std::f64::consts::PI;
    let y = b.call(f, &[b.fsub(c(1.0), x)]);
    let tan = get_or_declare(m, "tan", Type::function(d, &[d]));
    let t = b.call(tan, &[b.fmul(c(pi), x)]);
    b.ret(b.fsub(y, b.fdiv(c(pi), t)));

    b.position_at_end(shift);
    b.br(head);
    b.position_at_end(head);
    let xv = b.phi(d, "x");
    let acc = b.phi(d, "acc");
    let more = b.fcmp(LLVMRealOLT, xv, c(10.0));
    b.cond_br(more, body, tail);
    b.position_at_end(body);
    let acc_next = b.fsub(acc, b.fdiv(c(1.0), xv));
    let x_next = b.fadd(xv, c(1.0));
    b.br(head);
    xv.add_incoming(x, shift);
    xv.add_incoming(x_next, body);
    acc.add_incoming(c(0.0), shift);
    acc.add_incoming(acc_next, body);

    b.position_at_end(tail);
    let inv2 = b.fdiv(c(1.0), b.fmul(xv, xv));
    // Innermost first: 1/132 - f * 691/32760, ..., 1/12 - f * (...).
    let mut s = b.fsub(c(1.0 / 132.0), b.fmul(inv2, c(691.0 / 32760.0)));
    for k in [240.0, 252.0, 120.0, 12.0] {
        s = b.fsub(c(1.0 / k), b.fmul(inv2, s));
    }
    let log = crate::ir::intrinsic(m, "llvm.log", &[d]).expect("llvm.log");
    let lnx = b.call(log, &[xv]);
    let half = b.fdiv(c(0.5), xv);
    let r = b.fsub(b.fsub(b.fadd(acc, lnx), half), b.fmul(inv2, s));
    b.ret(r);
    f
}

#[cfg(test)]
mod tests {
    /// The reference values ψ(1) = -γ, ψ(1/2) = -γ - 2 ln 2, ψ(10.5) and
    /// ψ(-0.5) = ψ(1.5) + π·cot(-π/2)·... checked through the JIT in
    /// tests/kernels (lgamma, tgamma rows).
    #[test]
    fn series_coefficients_are_bernoulli_over_2k() {
        // B_2k / (2k) for k = 1..6: 1/12, -1/120, 1/252, -1/240, 1/132, -691/32760
        let b = [
            1.0 / 6.0,
            -1.0 / 30.0,
            1.0 / 42.0,
            -1.0 / 30.0,
            5.0 / 66.0,
            -691.0 / 2730.0,
        ];
        let want = [12.0, -120.0, 252.0, -240.0, 132.0, -32760.0 / 691.0];
        for (k, (bk, w)) in b.iter().zip(want).enumerate() {
            let c = bk / (2.0 * (k as f64 + 1.0));
            assert!((1.0 / c - w).abs() < 1e-9 * w.abs(), "k = {}", k + 1);
        }
    }
}
