//! The model: y = a exp(-b x) + c, and its mean squared error over data.

/// The model's prediction at `x` for parameters `p = [a, b, c]`.
#[inline]
pub fn predict(p: &[f64], x: f64) -> f64 {
    p[0] * (-p[1] * x).exp() + p[2]
}

/// Mean squared error of the model with parameters `p` over `(x, y)`.
#[no_mangle]
pub fn loss(p: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let sum: f64 = x
        .iter()
        .zip(y)
        .map(|(xi, yi)| {
            let r = predict(p, *xi) - yi;
            r * r
        })
        .sum();
    sum / x.len() as f64
}
