//! A layer of a small network, y = tanh(W x) with fixed weights, for dense
//! Jacobians from Rust (jacobian_main.rs): `adc grad --mode jacobian`
//! differentiates the output slice against the input slice.

/// The fixed weight of output `i` and input `j`.
#[inline]
fn weight(i: usize, j: usize) -> f64 {
    ((i * 7 + j * 3) % 11) as f64 / 11.0 - 0.5
}

#[no_mangle]
pub fn layer(x: &[f64], y: &mut [f64]) {
    for (i, yi) in y.iter_mut().enumerate() {
        let s: f64 = x.iter().enumerate().map(|(j, xj)| weight(i, j) * xj).sum();
        *yi = s.tanh();
    }
}

/// The same layer, for a Jacobian by reverse mode only.
#[no_mangle]
pub fn layer_rows(x: &[f64], y: &mut [f64]) {
    layer(x, y)
}
