//! Fitting y = a exp(-b x) + c to data by gradient descent with momentum,
//! the gradient from adc (build.rs): an example of adc in a cargo build.

pub mod model;

/// The derivatives adc generated from src/model.rs (build.rs).
pub mod derivatives {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}

/// The derivative of the C penalty (csrc/penalty.c), by the same build
/// script: C pointers carry no length, so only raw declarations.
pub mod c_derivatives {
    include!(concat!(env!("OUT_DIR"), "/penalty.rs"));
}

/// The C penalty and its gradient at `p`.
pub fn penalty_and_gradient(p: &[f64]) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; p.len()];
    let n = p.len() as i32;
    // Safety: `g` is as long as `p`, which the function reads n values of.
    let v = unsafe {
        c_derivatives::raw::penalty_grad(p.as_ptr() as *mut f64, g.as_mut_ptr(), n, 1.0);
        c_derivatives::raw::penalty(p.as_ptr() as *mut f64, n)
    };
    (v, g)
}

/// Noisy samples of the curve with parameters `truth` at n points of [0, 4].
pub fn data(truth: [f64; 3], n: usize) -> (Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = (0..n).map(|i| 4.0 * i as f64 / (n - 1) as f64).collect();
    // A fixed, small, deterministic perturbation.
    let y = x
        .iter()
        .enumerate()
        .map(|(i, xi)| model::predict(&truth, *xi) + 1e-3 * ((i * 7919 % 13) as f64 - 6.0))
        .collect();
    (x, y)
}

/// The loss and its gradient at `p`.
pub fn loss_and_gradient(p: &[f64], x: &[f64], y: &[f64]) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; p.len()];
    derivatives::loss_grad(p, &mut g, x, y, 1.0);
    (model::loss(p, x, y), g)
}

/// Gradient descent with momentum from `start`; returns the parameters
/// and the final loss.
pub fn fit(start: [f64; 3], x: &[f64], y: &[f64], iterations: usize) -> ([f64; 3], f64) {
    let (mut p, mut v) = (start, [0.0; 3]);
    let (rate, momentum) = (0.05, 0.9);
    for _ in 0..iterations {
        let (_, g) = loss_and_gradient(&p, x, y);
        for k in 0..3 {
            v[k] = momentum * v[k] - rate * g[k];
            p[k] += v[k];
        }
    }
    let l = model::loss(&p, x, y);
    (p, l)
}
