//! Linear solve X = A^-1 B and log |det A|, through one LU factorization
//! with partial pivoting (kept on the tape for the reverse rule).
//!
//! solve:  dX = A^-1 (dB - dA X);  B_bar = A^-H X_bar,  A_bar = -B_bar X^H
//! logdet: d log|det A| = Re tr(A^-1 dA);  A_bar = y_bar A^-H

use crate::dense::mm_add;
use crate::Scalar;
use faer::linalg::solvers::{DenseSolveCore, PartialPivLu, Solve};
use faer::{Mat, MatRef};

pub struct Lu<T: Scalar> {
    pub lu: PartialPivLu<T>,
}

pub fn factor<T: Scalar>(a: MatRef<'_, T>) -> Lu<T> {
    Lu {
        lu: a.partial_piv_lu(),
    }
}

pub fn solve<T: Scalar>(f: &Lu<T>, b: MatRef<'_, T>) -> Mat<T> {
    f.lu.solve(b)
}

pub fn solve_jvp<T: Scalar>(
    f: &Lu<T>,
    x: MatRef<'_, T>,
    da: Option<MatRef<'_, T>>,
    db: Option<MatRef<'_, T>>,
) -> Mat<T> {
    let mut rhs: Mat<T> = match db {
        Some(db) => db.to_owned(),
        None => Mat::zeros(x.nrows(), x.ncols()),
    };
    if let Some(da) = da {
        mm_add(rhs.as_mut(), da, x, -1.0);
    }
    f.lu.solve(rhs.as_ref())
}

/// (A_bar, B_bar) for `x_bar`.
pub fn solve_vjp<T: Scalar>(f: &Lu<T>, x: MatRef<'_, T>, x_bar: MatRef<'_, T>) -> (Mat<T>, Mat<T>) {
    let bb = f.lu.solve_adjoint(x_bar);
    let mut ab = Mat::zeros(x.nrows(), x.nrows());
    mm_add(ab.as_mut(), bb.as_ref(), x.adjoint(), -1.0);
    (ab, bb)
}

/// log |det A| (-inf for singular A).
pub fn logdet<T: Scalar>(f: &Lu<T>) -> f64 {
    let u = f.lu.U();
    (0..u.nrows()).map(|i| 0.5 * u[(i, i)].abs2().ln()).sum()
}

pub fn logdet_jvp<T: Scalar>(f: &Lu<T>, da: MatRef<'_, T>) -> f64 {
    let x = f.lu.solve(da);
    (0..x.nrows()).map(|i| x[(i, i)].re()).sum()
}

pub fn logdet_vjp<T: Scalar>(f: &Lu<T>, y_bar: f64) -> Mat<T> {
    let inv = f.lu.inverse();
    Mat::from_fn(inv.ncols(), inv.nrows(), |i, j| {
        inv[(j, i)].cj() * T::from_re(y_bar)
    })
}
