//! Reduced QR A = Q R, A m x n, k = min(m, n): Q m x k with orthonormal
//! columns, R k x n upper triangular with a real, non-negative diagonal (the
//! factorization is normalized to that, which makes it unique for full-rank
//! A and the rules well defined).
//!
//! Tall and square (m >= n), with X = dA R^-1 (notes, "QR decomposition"):
//!   jvp: dC = Q^H X, dR R^-1 = triu(dC + dC^H) with halved diagonal,
//!        dR = (dR R^-1) R, dQ = X - Q (dR R^-1)
//!   vjp: M = R R_bar^H - Q_bar^H Q, A_bar = (Q_bar + Q copyltu(M)) R^-H
//! Wide (m < n): A = [X Y] with X m x m; Q R1 = X by the square rule and
//! R2 = Q^H Y, so dR2 = dQ^H Y + Q^H dY, Y_bar = Q R2_bar and X sees
//! Q_bar + Y R2_bar^H.

use crate::dense::{adj, mm, mm_add, mm_hn, mm_nh};
use crate::Scalar;
use faer::{Mat, MatRef};

pub struct Qr<T: Scalar> {
    pub q: Mat<T>,
    pub r: Mat<T>,
}

pub fn primal<T: Scalar>(a: MatRef<'_, T>) -> Qr<T> {
    let f = a.qr();
    let mut q = f.compute_thin_Q();
    let mut r = f.thin_R().to_owned();
    let k = q.ncols();
    for i in 0..k {
        let p = r[(i, i)].phase();
        for row in 0..q.nrows() {
            q[(row, i)] *= p;
        }
        for col in 0..r.ncols() {
            r[(i, col)] = p.cj() * r[(i, col)];
        }
    }
    Qr { q, r }
}

/// `b R^-1` for square upper triangular `r`.
fn right_solve<T: Scalar>(b: MatRef<'_, T>, r: MatRef<'_, T>) -> Mat<T> {
    let mut y = b.transpose().to_owned();
    r.transpose().solve_lower_triangular_in_place(y.as_mut());
    y.transpose().to_owned()
}

/// `b R^-H` for square upper triangular `r`.
fn right_solve_adj<T: Scalar>(b: MatRef<'_, T>, r: MatRef<'_, T>) -> Mat<T> {
    let mut y = adj(b);
    r.solve_upper_triangular_in_place(y.as_mut());
    adj(y.as_ref())
}

fn square_jvp<T: Scalar>(
    q: MatRef<'_, T>,
    r: MatRef<'_, T>,
    da: MatRef<'_, T>,
) -> (Mat<T>, Mat<T>) {
    let n = r.nrows();
    let x = right_solve(da, r);
    let dc = mm_hn(q, x.as_ref());
    let drr = Mat::from_fn(n, n, |i, j| {
        if i < j {
            dc[(i, j)] + dc[(j, i)].cj()
        } else if i == j {
            T::from_re(dc[(i, i)].re())
        } else {
            T::from_re(0.0)
        }
    });
    let dr = mm(drr.as_ref(), r);
    let mut dq = x;
    mm_add(dq.as_mut(), q, drr.as_ref(), -1.0);
    (dq, dr)
}

fn square_vjp<T: Scalar>(
    q: MatRef<'_, T>,
    r: MatRef<'_, T>,
    qb: MatRef<'_, T>,
    rb: MatRef<'_, T>,
) -> Mat<T> {
    let n = r.nrows();
    let mut m = mm_nh(r, rb);
    mm_add(m.as_mut(), qb.adjoint(), q, -1.0);
    let c = Mat::from_fn(n, n, |i, j| {
        if i > j {
            m[(i, j)]
        } else if i < j {
            m[(j, i)].cj()
        } else {
            T::from_re(m[(i, i)].re())
        }
    });
    let mut b = qb.to_owned();
    mm_add(b.as_mut(), q, c.as_ref(), 1.0);
    right_solve_adj(b.as_ref(), r)
}

/// (dQ, dR) for the tangent `da`.
pub fn jvp<T: Scalar>(d: &Qr<T>, a: MatRef<'_, T>, da: MatRef<'_, T>) -> (Mat<T>, Mat<T>) {
    let (m, n) = (a.nrows(), a.ncols());
    if m >= n {
        return square_jvp(d.q.as_ref(), d.r.as_ref(), da);
    }
    let r1 = d.r.as_ref().subcols(0, m);
    let (dq, dr1) = square_jvp(d.q.as_ref(), r1, da.subcols(0, m));
    let y = a.subcols(m, n - m);
    let mut dr2 = mm_hn(dq.as_ref(), y);
    mm_add(dr2.as_mut(), d.q.adjoint(), da.subcols(m, n - m), 1.0);
    let dr = Mat::from_fn(
        m,
        n,
        |i, j| if j < m { dr1[(i, j)] } else { dr2[(i, j - m)] },
    );
    (dq, dr)
}

/// A_bar for adjoints of Q and R (`None`: zero); `a` is the primal input.
pub fn vjp<T: Scalar>(
    d: &Qr<T>,
    a: MatRef<'_, T>,
    q_bar: Option<MatRef<'_, T>>,
    r_bar: Option<MatRef<'_, T>>,
) -> Mat<T> {
    let (m, n) = (a.nrows(), a.ncols());
    let k = m.min(n);
    let zq = Mat::zeros(m, k);
    let zr = Mat::zeros(k, n);
    let qb = q_bar.unwrap_or(zq.as_ref());
    let rb = r_bar.unwrap_or(zr.as_ref());
    if m >= n {
        return square_vjp(d.q.as_ref(), d.r.as_ref(), qb, rb);
    }
    let y = a.subcols(m, n - m);
    let rb2 = rb.subcols(m, n - m);
    let yb = mm(d.q.as_ref(), rb2);
    let mut qb2 = qb.to_owned();
    mm_add(qb2.as_mut(), y, rb2.adjoint(), 1.0);
    let xb = square_vjp(
        d.q.as_ref(),
        d.r.as_ref().subcols(0, m),
        qb2.as_ref(),
        rb.subcols(0, m),
    );
    Mat::from_fn(m, n, |i, j| if j < m { xb[(i, j)] } else { yb[(i, j - m)] })
}
