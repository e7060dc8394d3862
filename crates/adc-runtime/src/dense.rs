//! Small dense helpers over faer: products through faer's kernels, the
//! conjugate transpose and element-wise maps, and views of C's row-major
//! arrays with a leading dimension.

use crate::Scalar;
use faer::linalg::matmul::matmul;
use faer::traits::Conjugate;
use faer::{Accum, Mat, MatMut, MatRef};

/// `c = beta c + alpha a b` by faer's matrix multiplication; `a` and `b`
/// may be adjoint views (no copy).
fn gemm<T: Scalar, L, R>(
    c: MatMut<'_, T>,
    beta: Accum,
    a: MatRef<'_, L>,
    b: MatRef<'_, R>,
    alpha: f64,
) where
    L: Conjugate<Canonical = T>,
    R: Conjugate<Canonical = T>,
{
    matmul(
        c,
        beta,
        a,
        b,
        T::from_re(alpha),
        faer::get_global_parallelism(),
    );
}

/// `a * b`.
pub fn mm<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Mat<T> {
    let mut c = Mat::zeros(a.nrows(), b.ncols());
    gemm(c.as_mut(), Accum::Replace, a, b, 1.0);
    c
}

/// `a * b^H`.
pub fn mm_nh<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Mat<T> {
    let mut c = Mat::zeros(a.nrows(), b.nrows());
    gemm(c.as_mut(), Accum::Replace, a, b.adjoint(), 1.0);
    c
}

/// `a^H * b`.
pub fn mm_hn<T: Scalar>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Mat<T> {
    let mut c = Mat::zeros(a.ncols(), b.ncols());
    gemm(c.as_mut(), Accum::Replace, a.adjoint(), b, 1.0);
    c
}

/// `c += alpha * a * b`; `a` and `b` may be adjoint views (`x.adjoint()`).
pub fn mm_add<T: Scalar, L, R>(c: MatMut<'_, T>, a: MatRef<'_, L>, b: MatRef<'_, R>, alpha: f64)
where
    L: Conjugate<Canonical = T>,
    R: Conjugate<Canonical = T>,
{
    gemm(c, Accum::Add, a, b, alpha);
}

/// The conjugate transpose, materialized.
pub fn adj<T: Scalar>(a: MatRef<'_, T>) -> Mat<T> {
    Mat::from_fn(a.ncols(), a.nrows(), |i, j| a[(j, i)].cj())
}

/// `a + s * b`, element-wise.
pub fn axpy<T: Scalar>(a: MatRef<'_, T>, s: f64, b: MatRef<'_, T>) -> Mat<T> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
        a[(i, j)] + T::from_re(s) * b[(i, j)]
    })
}

/// `(x + x^H) / 2`.
pub fn herm_part<T: Scalar>(x: MatRef<'_, T>) -> Mat<T> {
    Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
        (x[(i, j)] + x[(j, i)].cj()) * T::from_re(0.5)
    })
}

/// `x[i][j] * d[j]` (scale columns) or, with `rows`, `d[i] * x[i][j]`.
pub fn scale<T: Scalar>(x: MatRef<'_, T>, d: &[f64], rows: bool) -> Mat<T> {
    Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
        x[(i, j)] * T::from_re(if rows { d[i] } else { d[j] })
    })
}

/// `dst += src` element-wise.
pub fn add_into<T: Scalar>(mut dst: MatMut<'_, T>, src: MatRef<'_, T>) {
    for j in 0..dst.ncols() {
        for i in 0..dst.nrows() {
            dst[(i, j)] += src[(i, j)];
        }
    }
}

/// A row-major `rows x cols` array with leading dimension `ld` (C's layout).
///
/// # Safety
/// `p` points to `rows` rows of `ld >= cols` elements that outlive the view.
pub unsafe fn view<'a, T: Scalar>(
    p: *const T,
    rows: usize,
    cols: usize,
    ld: usize,
) -> MatRef<'a, T> {
    MatRef::from_raw_parts(p, rows, cols, ld as isize, 1)
}

/// The mutable form of [`view`].
///
/// # Safety
/// As for [`view`], and nothing else aliases the array while the view lives.
pub unsafe fn view_mut<'a, T: Scalar>(
    p: *mut T,
    rows: usize,
    cols: usize,
    ld: usize,
) -> MatMut<'a, T> {
    MatMut::from_raw_parts_mut(p, rows, cols, ld as isize, 1)
}
