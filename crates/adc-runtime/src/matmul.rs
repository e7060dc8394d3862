//! C = op(A) op(B). Rules (notes, "Matrix multiplication"):
//! dC = dA B + A dB;  A_bar = C_bar B^H,  B_bar = A^H C_bar.
//! The callers pass `op(A)` and `op(B)` as views (a transpose is a stride
//! swap), so the rules see a plain product.

use crate::dense::{mm, mm_add, mm_hn, mm_nh};
use crate::Scalar;
use faer::{Mat, MatRef};

pub fn primal<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Mat<T> {
    mm(a, b)
}

/// dC for tangents `da`, `db` (`None`: zero).
pub fn jvp<T: Scalar>(
    a: MatRef<'_, T>,
    da: Option<MatRef<'_, T>>,
    b: MatRef<'_, T>,
    db: Option<MatRef<'_, T>>,
) -> Mat<T> {
    let mut dc = Mat::zeros(a.nrows(), b.ncols());
    if let Some(da) = da {
        mm_add(dc.as_mut(), da, b, 1.0);
    }
    if let Some(db) = db {
        mm_add(dc.as_mut(), a, db, 1.0);
    }
    dc
}

/// (A_bar, B_bar) for the output adjoint `dc`.
pub fn vjp<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>, dc: MatRef<'_, T>) -> (Mat<T>, Mat<T>) {
    (mm_nh(dc, b), mm_hn(a, dc))
}
