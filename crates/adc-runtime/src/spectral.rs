//! The F matrix shared by the eigen and singular value rules:
//! F_ij = 1 / (x_j - x_i) off the diagonal, 0 on it.
//!
//! Degenerate spectra (|x_i - x_j| <= 8 n 2^-52 max|x|, i != j: equal up to
//! the rounding of the decomposition) have no derivative of the
//! individual vectors; there F_ij = 0, which is exact for losses invariant
//! under rotations inside the degenerate subspace. With `eps > 0` every entry
//! is Lorentzian-broadened, F_ij = d / (d^2 + eps) with d = x_j - x_i, which
//! stays finite near degeneracy at the price of a bias of order eps / d^2.

use faer::Mat;

pub fn f_matrix(x: &[f64], eps: f64) -> Mat<f64> {
    let n = x.len();
    let scale = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tie = 8.0 * n as f64 * f64::EPSILON * scale;
    Mat::from_fn(n, n, |i, j| {
        let d = x[j] - x[i];
        if i == j {
            0.0
        } else if eps > 0.0 {
            d / (d * d + eps)
        } else if d.abs() <= tie {
            0.0
        } else {
            1.0 / d
        }
    })
}
