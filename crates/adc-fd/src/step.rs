//! Step-size selection.
//!
//! The error of a stencil with step `h` has two parts: truncation
//! `|c_p| M_p h^(p-q)` (with `p` the stencil's leading power, its size or
//! one more, and `c_p` its leading truncation
//! coefficient and `M_p` a bound on `|f^(p)|` near `x`) and rounding
//! `eps M_0 sum_j |a_j| / h^q` (each `f` value is off by about `eps |f|`).
//! Setting the derivative of their sum to zero gives
//! `h = (q eps M_0 sum|a_j| / ((p-q) |c_p| M_p))^(1/p)`.
//! `M_0` and `M_p` are estimated from `f` itself: `M_p` with a
//! `(p+2)`-point central stencil for the `p`-th derivative at a coarse step,
//! as FiniteDifferences.jl's adaptive methods do.

use super::Stencil;

/// A step for `st` at `x`, balancing truncation against rounding.
pub fn choose(st: &Stencil, f: &mut dyn FnMut(f64) -> f64, x: f64) -> f64 {
    let p = st.leading;
    let q = st.q;
    let eps = f64::EPSILON;
    let scale = x.abs().max(1.0);
    // Bound on |f| around x.
    let m0 = f(x).abs().max(f64::MIN_POSITIVE.sqrt());
    // Estimate |f^(p)| with a central stencil of p+1 or p+2 points (odd count).
    let pe = if p.is_multiple_of(2) { p + 1 } else { p + 2 };
    let mp = match Stencil::central(pe, p) {
        Ok(est) => {
            let h_est = scale * eps.powf(1.0 / (pe as f64 + 1.0)).max(1e-3);
            est.apply_with_step(f, x, h_est).abs()
        }
        Err(_) => m0,
    };
    // Guard against a vanishing estimate (polynomial f, or luck): fall back
    // to a scale relative to |f|.
    let mp = mp.max(m0 * 1e-2).max(1e-12);
    let l1: f64 = st.coefs.iter().map(|a| a.abs()).sum();
    let c = st.truncation.abs().max(f64::MIN_POSITIVE);
    let h = (q as f64 * eps * m0 * l1 / ((p - q) as f64 * c * mp)).powf(1.0 / p as f64);
    // Represent x + h exactly enough: keep h at least a few ulps of x.
    let h = h.max(scale * eps.sqrt() * 1e-3).min(scale * 0.1);
    // Round so that x + g h is computed exactly.
    let xh = x + h;
    xh - x
}
