//! Symmetric / Hermitian eigendecomposition H = U diag(E) U^H of the
//! Hermitian part H = (A + A^H) / 2 (so every entry of A is an input and the
//! derivative with respect to the stored array is well defined; for a
//! Hermitian A this is A). E ascending, U's columns the eigenvectors.
//!
//! jvp: P = U^H dH U, dE = Re diag(P), dU = U (F o P)  (F: [`crate::spectral`]).
//! vjp: A_bar = herm(U (diag(E_bar) + F o (U^H U_bar)) U^H), the adjoint of the
//! jvp under <X, Y> = Re tr(X^H Y) (notes, "Symmetric Eigen decomposition").

use crate::dense::{herm_part, mm, mm_hn, mm_nh};
use crate::spectral::f_matrix;
use crate::Scalar;
use faer::{Mat, MatRef, Side};

pub struct Eigh<T: Scalar> {
    pub e: Vec<f64>,
    pub u: Mat<T>,
}

pub fn primal<T: Scalar>(a: MatRef<'_, T>) -> Option<Eigh<T>> {
    let h = herm_part(a);
    let evd = h.self_adjoint_eigen(Side::Lower).ok()?;
    let s = evd.S().column_vector();
    let e = (0..a.nrows()).map(|i| s[i].re()).collect();
    Some(Eigh {
        e,
        u: evd.U().to_owned(),
    })
}

/// (dE, dU) for the tangent `da`.
pub fn jvp<T: Scalar>(d: &Eigh<T>, da: MatRef<'_, T>, eps: f64) -> (Vec<f64>, Mat<T>) {
    let p = mm(
        mm_hn(d.u.as_ref(), herm_part(da).as_ref()).as_ref(),
        d.u.as_ref(),
    );
    let f = f_matrix(&d.e, eps);
    let n = d.e.len();
    let de = (0..n).map(|i| p[(i, i)].re()).collect();
    let fp = Mat::from_fn(n, n, |i, j| p[(i, j)] * T::from_re(f[(i, j)]));
    (de, mm(d.u.as_ref(), fp.as_ref()))
}

/// A_bar for adjoints `e_bar`, `u_bar` (`None`: zero).
pub fn vjp<T: Scalar>(
    d: &Eigh<T>,
    e_bar: Option<&[f64]>,
    u_bar: Option<MatRef<'_, T>>,
    eps: f64,
) -> Mat<T> {
    let n = d.e.len();
    let mut g = match u_bar {
        Some(ub) => {
            let j = mm_hn(d.u.as_ref(), ub);
            let f = f_matrix(&d.e, eps);
            Mat::from_fn(n, n, |i, k| j[(i, k)] * T::from_re(f[(i, k)]))
        }
        None => Mat::zeros(n, n),
    };
    if let Some(eb) = e_bar {
        for i in 0..n {
            g[(i, i)] += T::from_re(eb[i]);
        }
    }
    herm_part(mm_nh(mm(d.u.as_ref(), g.as_ref()).as_ref(), d.u.as_ref()).as_ref())
}
