//! Rosenbrock's function of a slice, for second derivatives from Rust
//! (hessian_main.rs): its gradient keeps a tape (a loop over the slice),
//! and forward over reverse gives Hessian-vector products and, in vector
//! mode, the Hessian four columns at a time.

#[no_mangle]
pub fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum()
}
