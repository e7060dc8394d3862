//! The C ABI (`include/adc.h`). Matrices are row-major with an explicit
//! leading dimension; dimensions are `int64_t`. Each routine `adc_X_T`
//! (T = f64 or c64) comes in four forms, the shape adc's generated code
//! calls them in:
//!
//! - `adc_X_T(args)`: the primal.
//! - `adc_X_T_jvp(args')`: primal and tangents, where `args'` has every
//!   pointer followed by its tangent (input tangents read, output tangents
//!   written; a null tangent is zero / not wanted).
//! - `void *adc_X_T_aug(args)`: the primal, returning a tape with what the
//!   reverse rule needs (so later overwrites of the inputs do no harm).
//! - `adc_X_T_vjp(args', tape)`: reads the adjoints of the outputs from their
//!   shadows and zeroes them, adds the adjoints of the inputs to theirs (null
//!   shadows are skipped), and frees the tape.
//!
//! Scalars (dimensions, flags, `eps`) are never differentiated. If a
//! decomposition does not converge the outputs are NaN and the tape is null
//! (its vjp then does nothing).

#![allow(clippy::too_many_arguments)]

use crate::dense::{add_into, view, view_mut};
use crate::{eigh, einsum, matmul, qr, solve, svd, Scalar};
use faer::{Mat, MatMut, MatRef};
use std::ffi::{c_char, c_void, CStr};

type Dim = i64;

fn u(d: Dim) -> usize {
    d.max(0) as usize
}

unsafe fn opt<'a, T: Scalar>(p: *const T, r: usize, c: usize, ld: Dim) -> Option<MatRef<'a, T>> {
    (!p.is_null()).then(|| view(p, r, c, u(ld)))
}

unsafe fn opt_mut<'a, T: Scalar>(p: *mut T, r: usize, c: usize, ld: Dim) -> Option<MatMut<'a, T>> {
    (!p.is_null()).then(|| view_mut(p, r, c, u(ld)))
}

/// Write `src` to the array at `p` (if not null).
unsafe fn store<T: Scalar>(p: *mut T, ld: Dim, src: MatRef<'_, T>) {
    if let Some(mut d) = opt_mut(p, src.nrows(), src.ncols(), ld) {
        d.copy_from(src);
    }
}

unsafe fn store_vec(p: *mut f64, src: &[f64]) {
    if !p.is_null() {
        std::slice::from_raw_parts_mut(p, src.len()).copy_from_slice(src);
    }
}

/// Add `src` to the shadow at `p` (if not null).
unsafe fn accumulate<T: Scalar>(p: *mut T, ld: Dim, src: MatRef<'_, T>) {
    if let Some(d) = opt_mut(p, src.nrows(), src.ncols(), ld) {
        add_into(d, src);
    }
}

/// Read an output adjoint and zero it (the primal overwrote that memory).
unsafe fn take<T: Scalar>(p: *mut T, r: usize, c: usize, ld: Dim) -> Option<Mat<T>> {
    let mut d = opt_mut(p, r, c, ld)?;
    let m = d.to_owned();
    d.fill(T::from_re(0.0));
    Some(m)
}

unsafe fn take_vec(p: *mut f64, n: usize) -> Option<Vec<f64>> {
    if p.is_null() {
        return None;
    }
    let s = std::slice::from_raw_parts_mut(p, n);
    let v = s.to_vec();
    s.fill(0.0);
    Some(v)
}

unsafe fn nan_fill<T: Scalar>(p: *mut T, r: usize, c: usize, ld: Dim) {
    if let Some(mut d) = opt_mut(p, r, c, ld) {
        d.fill(T::from_re(f64::NAN));
    }
}

fn tape<X>(x: X) -> *mut c_void {
    Box::into_raw(Box::new(x)) as *mut c_void
}

unsafe fn untape<X>(p: *mut c_void) -> Option<Box<X>> {
    (!p.is_null()).then(|| Box::from_raw(p as *mut X))
}

/// `op(A)` of a stored matrix: its transpose when `t` is non-zero.
fn op<T: Scalar>(a: MatRef<'_, T>, t: i32) -> MatRef<'_, T> {
    if t != 0 {
        a.transpose()
    } else {
        a
    }
}

fn stored(rows: usize, cols: usize, t: i32) -> (usize, usize) {
    if t != 0 {
        (cols, rows)
    } else {
        (rows, cols)
    }
}

struct MatmulTape<T: Scalar> {
    a: Mat<T>,
    b: Mat<T>,
}

struct SolveTape<T: Scalar> {
    lu: solve::Lu<T>,
    x: Mat<T>,
}

// ---- matmul: C (m x n) = op(A) op(B), op(A) m x k, op(B) k x n ----

unsafe fn mm_views<'a, T: Scalar>(
    ta: i32,
    tb: i32,
    m: Dim,
    n: Dim,
    k: Dim,
    a: *const T,
    lda: Dim,
    b: *const T,
    ldb: Dim,
) -> (MatRef<'a, T>, MatRef<'a, T>) {
    let (sa, sb) = (stored(u(m), u(k), ta), stored(u(k), u(n), tb));
    (
        op(view(a, sa.0, sa.1, u(lda)), ta),
        op(view(b, sb.0, sb.1, u(ldb)), tb),
    )
}

#[allow(clippy::too_many_arguments)]
unsafe fn matmul_primal<T: Scalar>(
    ta: i32,
    tb: i32,
    m: Dim,
    n: Dim,
    k: Dim,
    a: *const T,
    lda: Dim,
    b: *const T,
    ldb: Dim,
    c: *mut T,
    ldc: Dim,
) {
    let (av, bv) = mm_views(ta, tb, m, n, k, a, lda, b, ldb);
    store(c, ldc, matmul::primal(av, bv).as_ref());
}

#[allow(clippy::too_many_arguments)]
unsafe fn matmul_jvp<T: Scalar>(
    ta: i32,
    tb: i32,
    m: Dim,
    n: Dim,
    k: Dim,
    a: *const T,
    da: *const T,
    lda: Dim,
    b: *const T,
    db: *const T,
    ldb: Dim,
    c: *mut T,
    dc: *mut T,
    ldc: Dim,
) {
    let (av, bv) = mm_views(ta, tb, m, n, k, a, lda, b, ldb);
    let (sa, sb) = (stored(u(m), u(k), ta), stored(u(k), u(n), tb));
    let dav = opt(da, sa.0, sa.1, lda).map(|v| op(v, ta));
    let dbv = opt(db, sb.0, sb.1, ldb).map(|v| op(v, tb));
    let out = matmul::jvp(av, dav, bv, dbv);
    store(c, ldc, matmul::primal(av, bv).as_ref());
    store(dc, ldc, out.as_ref());
}

#[allow(clippy::too_many_arguments)]
unsafe fn matmul_aug<T: Scalar>(
    ta: i32,
    tb: i32,
    m: Dim,
    n: Dim,
    k: Dim,
    a: *const T,
    lda: Dim,
    b: *const T,
    ldb: Dim,
    c: *mut T,
    ldc: Dim,
) -> *mut c_void {
    let (av, bv) = mm_views(ta, tb, m, n, k, a, lda, b, ldb);
    let t = MatmulTape {
        a: av.to_owned(),
        b: bv.to_owned(),
    };
    store(c, ldc, matmul::primal(av, bv).as_ref());
    tape(t)
}

#[allow(clippy::too_many_arguments)]
unsafe fn matmul_vjp<T: Scalar>(
    ta: i32,
    tb: i32,
    m: Dim,
    n: Dim,
    k: Dim,
    _a: *const T,
    da: *mut T,
    lda: Dim,
    _b: *const T,
    db: *mut T,
    ldb: Dim,
    _c: *mut T,
    dc: *mut T,
    ldc: Dim,
    t: *mut c_void,
) {
    let Some(t) = untape::<MatmulTape<T>>(t) else {
        return;
    };
    let Some(cb) = take(dc, u(m), u(n), ldc) else {
        return;
    };
    let (ab, bb) = matmul::vjp(t.a.as_ref(), t.b.as_ref(), cb.as_ref());
    let (sa, sb) = (stored(u(m), u(k), ta), stored(u(k), u(n), tb));
    if let Some(d) = opt_mut(da, sa.0, sa.1, lda) {
        add_into(if ta != 0 { d.transpose_mut() } else { d }, ab.as_ref());
    }
    if let Some(d) = opt_mut(db, sb.0, sb.1, ldb) {
        add_into(if tb != 0 { d.transpose_mut() } else { d }, bb.as_ref());
    }
}

// ---- eigh: (A + A^H)/2 = U diag(E) U^H, A n x n; E ascending (real) ----

unsafe fn eigh_run<T: Scalar>(
    n: Dim,
    a: *const T,
    lda: Dim,
    e: *mut f64,
    uo: *mut T,
    ldu: Dim,
) -> Option<eigh::Eigh<T>> {
    let d = eigh::primal(view(a, u(n), u(n), u(lda)));
    match &d {
        Some(d) => {
            store_vec(e, &d.e);
            store(uo, ldu, d.u.as_ref());
        }
        None => {
            store_vec(e, &vec![f64::NAN; u(n)]);
            nan_fill(uo, u(n), u(n), ldu);
        }
    }
    d
}

unsafe fn eigh_primal<T: Scalar>(
    n: Dim,
    a: *const T,
    lda: Dim,
    e: *mut f64,
    uo: *mut T,
    ldu: Dim,
    _eps: f64,
) {
    eigh_run(n, a, lda, e, uo, ldu);
}

#[allow(clippy::too_many_arguments)]
unsafe fn eigh_jvp<T: Scalar>(
    n: Dim,
    a: *const T,
    da: *const T,
    lda: Dim,
    e: *mut f64,
    de: *mut f64,
    uo: *mut T,
    du: *mut T,
    ldu: Dim,
    eps: f64,
) {
    let Some(d) = eigh_run(n, a, lda, e, uo, ldu) else {
        return;
    };
    let zero = Mat::<T>::zeros(u(n), u(n));
    let dav = opt(da, u(n), u(n), lda).unwrap_or(zero.as_ref());
    let (dev, duv) = eigh::jvp(&d, dav, eps);
    store_vec(de, &dev);
    store(du, ldu, duv.as_ref());
}

unsafe fn eigh_aug<T: Scalar>(
    n: Dim,
    a: *const T,
    lda: Dim,
    e: *mut f64,
    uo: *mut T,
    ldu: Dim,
    _eps: f64,
) -> *mut c_void {
    eigh_run(n, a, lda, e, uo, ldu).map_or(std::ptr::null_mut(), tape)
}

#[allow(clippy::too_many_arguments)]
unsafe fn eigh_vjp<T: Scalar>(
    n: Dim,
    _a: *const T,
    da: *mut T,
    lda: Dim,
    _e: *mut f64,
    de: *mut f64,
    _u: *mut T,
    du: *mut T,
    ldu: Dim,
    eps: f64,
    t: *mut c_void,
) {
    let Some(d) = untape::<eigh::Eigh<T>>(t) else {
        return;
    };
    let eb = take_vec(de, u(n));
    let ub = take(du, u(n), u(n), ldu);
    let ab = eigh::vjp(&d, eb.as_deref(), ub.as_ref().map(|m| m.as_ref()), eps);
    accumulate(da, lda, ab.as_ref());
}

// ---- svd: A (m x n) = U diag(S) V^H, k = min(m, n); U m x k, S k, V n x k ----

#[allow(clippy::too_many_arguments)]
unsafe fn svd_run<T: Scalar>(
    m: Dim,
    n: Dim,
    a: *const T,
    lda: Dim,
    uo: *mut T,
    ldu: Dim,
    s: *mut f64,
    v: *mut T,
    ldv: Dim,
) -> Option<svd::Svd<T>> {
    let d = svd::primal(view(a, u(m), u(n), u(lda)));
    let k = u(m).min(u(n));
    match &d {
        Some(d) => {
            store(uo, ldu, d.u.as_ref());
            store_vec(s, &d.s);
            store(v, ldv, d.v.as_ref());
        }
        None => {
            nan_fill(uo, u(m), k, ldu);
            store_vec(s, &vec![f64::NAN; k]);
            nan_fill(v, u(n), k, ldv);
        }
    }
    d
}

#[allow(clippy::too_many_arguments)]
unsafe fn svd_primal<T: Scalar>(
    m: Dim,
    n: Dim,
    a: *const T,
    lda: Dim,
    uo: *mut T,
    ldu: Dim,
    s: *mut f64,
    v: *mut T,
    ldv: Dim,
    _eps: f64,
) {
    svd_run(m, n, a, lda, uo, ldu, s, v, ldv);
}

#[allow(clippy::too_many_arguments)]
unsafe fn svd_jvp<T: Scalar>(
    m: Dim,
    n: Dim,
    a: *const T,
    da: *const T,
    lda: Dim,
    uo: *mut T,
    du: *mut T,
    ldu: Dim,
    s: *mut f64,
    ds: *mut f64,
    v: *mut T,
    dv: *mut T,
    ldv: Dim,
    eps: f64,
) {
    let Some(d) = svd_run(m, n, a, lda, uo, ldu, s, v, ldv) else {
        return;
    };
    let zero = Mat::<T>::zeros(u(m), u(n));
    let dav = opt(da, u(m), u(n), lda).unwrap_or(zero.as_ref());
    let (duv, dsv, dvv) = svd::jvp(&d, dav, eps);
    store(du, ldu, duv.as_ref());
    store_vec(ds, &dsv);
    store(dv, ldv, dvv.as_ref());
}

#[allow(clippy::too_many_arguments)]
unsafe fn svd_aug<T: Scalar>(
    m: Dim,
    n: Dim,
    a: *const T,
    lda: Dim,
    uo: *mut T,
    ldu: Dim,
    s: *mut f64,
    v: *mut T,
    ldv: Dim,
    _eps: f64,
) -> *mut c_void {
    svd_run(m, n, a, lda, uo, ldu, s, v, ldv).map_or(std::ptr::null_mut(), tape)
}

#[allow(clippy::too_many_arguments)]
unsafe fn svd_vjp<T: Scalar>(
    m: Dim,
    n: Dim,
    _a: *const T,
    da: *mut T,
    lda: Dim,
    _u: *mut T,
    du: *mut T,
    ldu: Dim,
    _s: *mut f64,
    ds: *mut f64,
    _v: *mut T,
    dv: *mut T,
    ldv: Dim,
    eps: f64,
    t: *mut c_void,
) {
    let Some(d) = untape::<svd::Svd<T>>(t) else {
        return;
    };
    let k = u(m).min(u(n));
    let ub = take(du, u(m), k, ldu);
    let sb = take_vec(ds, k);
    let vb = take(dv, u(n), k, ldv);
    let ab = svd::vjp(
        &d,
        ub.as_ref().map(|x| x.as_ref()),
        sb.as_deref(),
        vb.as_ref().map(|x| x.as_ref()),
        eps,
    );
    accumulate(da, lda, ab.as_ref());
}

// ---- qr: A (m x n) = Q R, k = min(m, n); Q m x k, R k x n, diag(R) >= 0 ----

struct QrTape<T: Scalar> {
    d: qr::Qr<T>,
    a: Mat<T>,
}

#[allow(clippy::too_many_arguments)]
unsafe fn qr_run<T: Scalar>(
    m: Dim,
    n: Dim,
    a: *const T,
    lda: Dim,
    q: *mut T,
    ldq: Dim,
    r: *mut T,
    ldr: Dim,
) -> (qr::Qr<T>, MatRef<'static, T>) {
    let av = view(a, u(m), u(n), u(lda));
    let d = qr::primal(av);
    store(q, ldq, d.q.as_ref());
    store(r, ldr, d.r.as_ref());
    (d, av)
}

#[allow(clippy::too_many_arguments)]
unsafe fn qr_primal<T: Scalar>(
    m: Dim,
    n: Dim,
    a: *const T,
    lda: Dim,
    q: *mut T,
    ldq: Dim,
    r: *mut T,
    ldr: Dim,
) {
    qr_run(m, n, a, lda, q, ldq, r, ldr);
}

#[allow(clippy::too_many_arguments)]
unsafe fn qr_jvp<T: Scalar>(
    m: Dim,
    n: Dim,
    a: *const T,
    da: *const T,
    lda: Dim,
    q: *mut T,
    dq: *mut T,
    ldq: Dim,
    r: *mut T,
    dr: *mut T,
    ldr: Dim,
) {
    let av = view(a, u(m), u(n), u(lda)).to_owned();
    let (d, _) = qr_run(m, n, a, lda, q, ldq, r, ldr);
    let zero = Mat::<T>::zeros(u(m), u(n));
    let dav = opt(da, u(m), u(n), lda).unwrap_or(zero.as_ref());
    let (dqv, drv) = qr::jvp(&d, av.as_ref(), dav);
    store(dq, ldq, dqv.as_ref());
    store(dr, ldr, drv.as_ref());
}

#[allow(clippy::too_many_arguments)]
unsafe fn qr_aug<T: Scalar>(
    m: Dim,
    n: Dim,
    a: *const T,
    lda: Dim,
    q: *mut T,
    ldq: Dim,
    r: *mut T,
    ldr: Dim,
) -> *mut c_void {
    let av = view(a, u(m), u(n), u(lda)).to_owned();
    let (d, _) = qr_run(m, n, a, lda, q, ldq, r, ldr);
    tape(QrTape { d, a: av })
}

#[allow(clippy::too_many_arguments)]
unsafe fn qr_vjp<T: Scalar>(
    m: Dim,
    n: Dim,
    _a: *const T,
    da: *mut T,
    lda: Dim,
    _q: *mut T,
    dq: *mut T,
    ldq: Dim,
    _r: *mut T,
    dr: *mut T,
    ldr: Dim,
    t: *mut c_void,
) {
    let Some(t) = untape::<QrTape<T>>(t) else {
        return;
    };
    let k = u(m).min(u(n));
    let qb = take(dq, u(m), k, ldq);
    let rb = take(dr, k, u(n), ldr);
    let ab = qr::vjp(
        &t.d,
        t.a.as_ref(),
        qb.as_ref().map(|x| x.as_ref()),
        rb.as_ref().map(|x| x.as_ref()),
    );
    accumulate(da, lda, ab.as_ref());
}

// ---- solve: X (n x nrhs) = A^-1 B ----

#[allow(clippy::too_many_arguments)]
unsafe fn solve_run<T: Scalar>(
    n: Dim,
    nrhs: Dim,
    a: *const T,
    lda: Dim,
    b: *const T,
    ldb: Dim,
    x: *mut T,
    ldx: Dim,
) -> SolveTape<T> {
    let lu = solve::factor(view(a, u(n), u(n), u(lda)));
    let xv = solve::solve(&lu, view(b, u(n), u(nrhs), u(ldb)));
    store(x, ldx, xv.as_ref());
    SolveTape { lu, x: xv }
}

#[allow(clippy::too_many_arguments)]
unsafe fn solve_primal<T: Scalar>(
    n: Dim,
    nrhs: Dim,
    a: *const T,
    lda: Dim,
    b: *const T,
    ldb: Dim,
    x: *mut T,
    ldx: Dim,
) {
    solve_run(n, nrhs, a, lda, b, ldb, x, ldx);
}

#[allow(clippy::too_many_arguments)]
unsafe fn solve_jvp<T: Scalar>(
    n: Dim,
    nrhs: Dim,
    a: *const T,
    da: *const T,
    lda: Dim,
    b: *const T,
    db: *const T,
    ldb: Dim,
    x: *mut T,
    dx: *mut T,
    ldx: Dim,
) {
    let t = solve_run(n, nrhs, a, lda, b, ldb, x, ldx);
    let dxv = solve::solve_jvp(
        &t.lu,
        t.x.as_ref(),
        opt(da, u(n), u(n), lda),
        opt(db, u(n), u(nrhs), ldb),
    );
    store(dx, ldx, dxv.as_ref());
}

#[allow(clippy::too_many_arguments)]
unsafe fn solve_aug<T: Scalar>(
    n: Dim,
    nrhs: Dim,
    a: *const T,
    lda: Dim,
    b: *const T,
    ldb: Dim,
    x: *mut T,
    ldx: Dim,
) -> *mut c_void {
    tape(solve_run(n, nrhs, a, lda, b, ldb, x, ldx))
}

#[allow(clippy::too_many_arguments)]
unsafe fn solve_vjp<T: Scalar>(
    n: Dim,
    nrhs: Dim,
    _a: *const T,
    da: *mut T,
    lda: Dim,
    _b: *const T,
    db: *mut T,
    ldb: Dim,
    _x: *mut T,
    dx: *mut T,
    ldx: Dim,
    t: *mut c_void,
) {
    let Some(t) = untape::<SolveTape<T>>(t) else {
        return;
    };
    let Some(xb) = take(dx, u(n), u(nrhs), ldx) else {
        return;
    };
    let (ab, bb) = solve::solve_vjp(&t.lu, t.x.as_ref(), xb.as_ref());
    accumulate(da, lda, ab.as_ref());
    accumulate(db, ldb, bb.as_ref());
}

// ---- logdet: *out = log |det A| ----

unsafe fn logdet_run<T: Scalar>(n: Dim, a: *const T, lda: Dim, out: *mut f64) -> solve::Lu<T> {
    let lu = solve::factor(view(a, u(n), u(n), u(lda)));
    store_vec(out, &[solve::logdet(&lu)]);
    lu
}

unsafe fn logdet_primal<T: Scalar>(n: Dim, a: *const T, lda: Dim, out: *mut f64) {
    logdet_run(n, a, lda, out);
}

unsafe fn logdet_jvp<T: Scalar>(
    n: Dim,
    a: *const T,
    da: *const T,
    lda: Dim,
    out: *mut f64,
    dout: *mut f64,
) {
    let lu = logdet_run(n, a, lda, out);
    if let Some(dav) = opt(da, u(n), u(n), lda) {
        store_vec(dout, &[solve::logdet_jvp(&lu, dav)]);
    } else {
        store_vec(dout, &[0.0]);
    }
}

unsafe fn logdet_aug<T: Scalar>(n: Dim, a: *const T, lda: Dim, out: *mut f64) -> *mut c_void {
    tape(logdet_run(n, a, lda, out))
}

unsafe fn logdet_vjp<T: Scalar>(
    _n: Dim,
    _a: *const T,
    da: *mut T,
    lda: Dim,
    _out: *mut f64,
    dout: *mut f64,
    t: *mut c_void,
) {
    let Some(lu) = untape::<solve::Lu<T>>(t) else {
        return;
    };
    let Some(yb) = take_vec(dout, 1) else { return };
    accumulate(da, lda, solve::logdet_vjp(&lu, yb[0]).as_ref());
}

// ---- einsum: out = einsum(spec, A[, B[, C]]), shapes given per operand ----

struct EinsumTape<T: Scalar> {
    spec: einsum::Spec,
    dims: std::collections::BTreeMap<u8, usize>,
    ops: Vec<einsum::Tensor<T>>,
}

/// Read the spec and the operands it names (unused operand pointers may be null).
unsafe fn einsum_read<T: Scalar>(
    spec: *const c_char,
    ops: [(*const T, *const Dim); 3],
) -> Option<EinsumTape<T>> {
    let text = CStr::from_ptr(spec).to_string_lossy();
    let parsed = einsum::Spec::parse(&text).and_then(|sp| {
        let mut tensors = Vec::new();
        for (labels, (p, shape)) in sp.inputs.iter().zip(ops) {
            if p.is_null() || shape.is_null() {
                return Err(format!(
                    "einsum `{text}`: operand {} is null",
                    tensors.len()
                ));
            }
            let dims: Vec<usize> = std::slice::from_raw_parts(shape, labels.len())
                .iter()
                .map(|&d| u(d))
                .collect();
            let n = dims.iter().product();
            tensors.push(einsum::Tensor {
                shape: dims,
                data: std::slice::from_raw_parts(p, n).to_vec(),
            });
        }
        let shapes: Vec<&[usize]> = tensors.iter().map(|t| t.shape.as_slice()).collect();
        let dims = sp.dims(&shapes)?;
        Ok(EinsumTape {
            spec: sp,
            dims,
            ops: tensors,
        })
    });
    match parsed {
        Ok(t) => Some(t),
        Err(e) => {
            eprintln!("adc-runtime: {e}");
            None
        }
    }
}

impl<T: Scalar> EinsumTape<T> {
    fn out_len(&self) -> usize {
        self.spec.output.iter().map(|l| self.dims[l]).product()
    }
    fn eval(&self) -> einsum::Tensor<T> {
        let refs: Vec<&einsum::Tensor<T>> = self.ops.iter().collect();
        einsum::eval(&self.spec, &refs, &self.dims)
    }
}

unsafe fn write_slice<T: Scalar>(p: *mut T, v: &[T]) {
    if !p.is_null() {
        std::slice::from_raw_parts_mut(p, v.len()).copy_from_slice(v);
    }
}

unsafe fn einsum_primal<T: Scalar>(
    spec: *const c_char,
    a: *const T,
    sa: *const Dim,
    b: *const T,
    sb: *const Dim,
    c: *const T,
    sc: *const Dim,
    out: *mut T,
) {
    if let Some(t) = einsum_read(spec, [(a, sa), (b, sb), (c, sc)]) {
        write_slice(out, &t.eval().data);
    }
}

unsafe fn einsum_jvp<T: Scalar>(
    spec: *const c_char,
    _dspec: *const c_char,
    a: *const T,
    da: *const T,
    sa: *const Dim,
    _dsa: *const Dim,
    b: *const T,
    db: *const T,
    sb: *const Dim,
    _dsb: *const Dim,
    c: *const T,
    dc: *const T,
    sc: *const Dim,
    _dsc: *const Dim,
    out: *mut T,
    dout: *mut T,
) {
    let Some(t) = einsum_read(spec, [(a, sa), (b, sb), (c, sc)]) else {
        return;
    };
    write_slice(out, &t.eval().data);
    let tangents: Vec<Option<einsum::Tensor<T>>> = [da, db, dc]
        .iter()
        .zip(&t.ops)
        .map(|(p, op)| {
            (!p.is_null()).then(|| einsum::Tensor {
                shape: op.shape.clone(),
                data: std::slice::from_raw_parts(*p, op.data.len()).to_vec(),
            })
        })
        .collect();
    let trefs: Vec<Option<&einsum::Tensor<T>>> = tangents.iter().map(|x| x.as_ref()).collect();
    let refs: Vec<&einsum::Tensor<T>> = t.ops.iter().collect();
    write_slice(dout, &einsum::jvp(&t.spec, &refs, &trefs, &t.dims).data);
}

unsafe fn einsum_aug<T: Scalar>(
    spec: *const c_char,
    a: *const T,
    sa: *const Dim,
    b: *const T,
    sb: *const Dim,
    c: *const T,
    sc: *const Dim,
    out: *mut T,
) -> *mut c_void {
    let Some(t) = einsum_read(spec, [(a, sa), (b, sb), (c, sc)]) else {
        return std::ptr::null_mut();
    };
    write_slice(out, &t.eval().data);
    tape(t)
}

unsafe fn einsum_vjp<T: Scalar>(
    _spec: *const c_char,
    _dspec: *const c_char,
    _a: *const T,
    da: *mut T,
    _sa: *const Dim,
    _dsa: *const Dim,
    _b: *const T,
    db: *mut T,
    _sb: *const Dim,
    _dsb: *const Dim,
    _c: *const T,
    dc: *mut T,
    _sc: *const Dim,
    _dsc: *const Dim,
    _out: *mut T,
    dout: *mut T,
    t: *mut c_void,
) {
    let Some(t) = untape::<EinsumTape<T>>(t) else {
        return;
    };
    if dout.is_null() {
        return;
    }
    let bar = std::slice::from_raw_parts_mut(dout, t.out_len());
    let oshape = t.spec.output.iter().map(|l| t.dims[l]).collect();
    let out_bar = einsum::Tensor {
        shape: oshape,
        data: bar.to_vec(),
    };
    bar.fill(T::from_re(0.0));
    let refs: Vec<&einsum::Tensor<T>> = t.ops.iter().collect();
    for (k, p) in [da, db, dc].into_iter().enumerate().take(t.ops.len()) {
        if p.is_null() {
            continue;
        }
        let g = einsum::vjp(&t.spec, &refs, &out_bar, k, &t.dims);
        for (s, v) in std::slice::from_raw_parts_mut(p, g.data.len())
            .iter_mut()
            .zip(g.data)
        {
            *s += v;
        }
    }
}

/// The exported symbols of one element type: `adc_ROUTINE_SUFFIX`, `..._jvp`,
/// `..._aug`, `..._vjp` (see the module documentation and include/adc.h).
macro_rules! export {
    ($m:ident, $T:ty, $s:literal) => {
        #[allow(clippy::too_many_arguments, clippy::missing_safety_doc)]
        pub mod $m {
            use super::Dim;
            use std::ffi::{c_char, c_void};
            type T = $T;
            #[export_name = concat!("adc_matmul_", $s, "")]
            pub unsafe extern "C" fn matmul_primal(
                ta: i32,
                tb: i32,
                m: Dim,
                n: Dim,
                k: Dim,
                a: *const T,
                lda: Dim,
                b: *const T,
                ldb: Dim,
                c: *mut T,
                ldc: Dim,
            ) {
                super::matmul_primal::<T>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc)
            }
            #[export_name = concat!("adc_matmul_", $s, "_jvp")]
            pub unsafe extern "C" fn matmul_jvp(
                ta: i32,
                tb: i32,
                m: Dim,
                n: Dim,
                k: Dim,
                a: *const T,
                da: *const T,
                lda: Dim,
                b: *const T,
                db: *const T,
                ldb: Dim,
                c: *mut T,
                dc: *mut T,
                ldc: Dim,
            ) {
                super::matmul_jvp::<T>(ta, tb, m, n, k, a, da, lda, b, db, ldb, c, dc, ldc)
            }
            #[export_name = concat!("adc_matmul_", $s, "_aug")]
            pub unsafe extern "C" fn matmul_aug(
                ta: i32,
                tb: i32,
                m: Dim,
                n: Dim,
                k: Dim,
                a: *const T,
                lda: Dim,
                b: *const T,
                ldb: Dim,
                c: *mut T,
                ldc: Dim,
            ) -> *mut c_void {
                super::matmul_aug::<T>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc)
            }
            #[export_name = concat!("adc_matmul_", $s, "_vjp")]
            pub unsafe extern "C" fn matmul_vjp(
                ta: i32,
                tb: i32,
                m: Dim,
                n: Dim,
                k: Dim,
                a: *const T,
                da: *mut T,
                lda: Dim,
                b: *const T,
                db: *mut T,
                ldb: Dim,
                c: *mut T,
                dc: *mut T,
                ldc: Dim,
                tape: *mut c_void,
            ) {
                super::matmul_vjp::<T>(ta, tb, m, n, k, a, da, lda, b, db, ldb, c, dc, ldc, tape)
            }
            #[export_name = concat!("adc_eigh_", $s, "")]
            pub unsafe extern "C" fn eigh_primal(
                n: Dim,
                a: *const T,
                lda: Dim,
                e: *mut f64,
                u: *mut T,
                ldu: Dim,
                eps: f64,
            ) {
                super::eigh_primal::<T>(n, a, lda, e, u, ldu, eps)
            }
            #[export_name = concat!("adc_eigh_", $s, "_jvp")]
            pub unsafe extern "C" fn eigh_jvp(
                n: Dim,
                a: *const T,
                da: *const T,
                lda: Dim,
                e: *mut f64,
                de: *mut f64,
                u: *mut T,
                du: *mut T,
                ldu: Dim,
                eps: f64,
            ) {
                super::eigh_jvp::<T>(n, a, da, lda, e, de, u, du, ldu, eps)
            }
            #[export_name = concat!("adc_eigh_", $s, "_aug")]
            pub unsafe extern "C" fn eigh_aug(
                n: Dim,
                a: *const T,
                lda: Dim,
                e: *mut f64,
                u: *mut T,
                ldu: Dim,
                eps: f64,
            ) -> *mut c_void {
                super::eigh_aug::<T>(n, a, lda, e, u, ldu, eps)
            }
            #[export_name = concat!("adc_eigh_", $s, "_vjp")]
            pub unsafe extern "C" fn eigh_vjp(
                n: Dim,
                a: *const T,
                da: *mut T,
                lda: Dim,
                e: *mut f64,
                de: *mut f64,
                u: *mut T,
                du: *mut T,
                ldu: Dim,
                eps: f64,
                tape: *mut c_void,
            ) {
                super::eigh_vjp::<T>(n, a, da, lda, e, de, u, du, ldu, eps, tape)
            }
            #[export_name = concat!("adc_svd_", $s, "")]
            pub unsafe extern "C" fn svd_primal(
                m: Dim,
                n: Dim,
                a: *const T,
                lda: Dim,
                u: *mut T,
                ldu: Dim,
                s: *mut f64,
                v: *mut T,
                ldv: Dim,
                eps: f64,
            ) {
                super::svd_primal::<T>(m, n, a, lda, u, ldu, s, v, ldv, eps)
            }
            #[export_name = concat!("adc_svd_", $s, "_jvp")]
            pub unsafe extern "C" fn svd_jvp(
                m: Dim,
                n: Dim,
                a: *const T,
                da: *const T,
                lda: Dim,
                u: *mut T,
                du: *mut T,
                ldu: Dim,
                s: *mut f64,
                ds: *mut f64,
                v: *mut T,
                dv: *mut T,
                ldv: Dim,
                eps: f64,
            ) {
                super::svd_jvp::<T>(m, n, a, da, lda, u, du, ldu, s, ds, v, dv, ldv, eps)
            }
            #[export_name = concat!("adc_svd_", $s, "_aug")]
            pub unsafe extern "C" fn svd_aug(
                m: Dim,
                n: Dim,
                a: *const T,
                lda: Dim,
                u: *mut T,
                ldu: Dim,
                s: *mut f64,
                v: *mut T,
                ldv: Dim,
                eps: f64,
            ) -> *mut c_void {
                super::svd_aug::<T>(m, n, a, lda, u, ldu, s, v, ldv, eps)
            }
            #[export_name = concat!("adc_svd_", $s, "_vjp")]
            pub unsafe extern "C" fn svd_vjp(
                m: Dim,
                n: Dim,
                a: *const T,
                da: *mut T,
                lda: Dim,
                u: *mut T,
                du: *mut T,
                ldu: Dim,
                s: *mut f64,
                ds: *mut f64,
                v: *mut T,
                dv: *mut T,
                ldv: Dim,
                eps: f64,
                tape: *mut c_void,
            ) {
                super::svd_vjp::<T>(m, n, a, da, lda, u, du, ldu, s, ds, v, dv, ldv, eps, tape)
            }
            #[export_name = concat!("adc_qr_", $s, "")]
            pub unsafe extern "C" fn qr_primal(
                m: Dim,
                n: Dim,
                a: *const T,
                lda: Dim,
                q: *mut T,
                ldq: Dim,
                r: *mut T,
                ldr: Dim,
            ) {
                super::qr_primal::<T>(m, n, a, lda, q, ldq, r, ldr)
            }
            #[export_name = concat!("adc_qr_", $s, "_jvp")]
            pub unsafe extern "C" fn qr_jvp(
                m: Dim,
                n: Dim,
                a: *const T,
                da: *const T,
                lda: Dim,
                q: *mut T,
                dq: *mut T,
                ldq: Dim,
                r: *mut T,
                dr: *mut T,
                ldr: Dim,
            ) {
                super::qr_jvp::<T>(m, n, a, da, lda, q, dq, ldq, r, dr, ldr)
            }
            #[export_name = concat!("adc_qr_", $s, "_aug")]
            pub unsafe extern "C" fn qr_aug(
                m: Dim,
                n: Dim,
                a: *const T,
                lda: Dim,
                q: *mut T,
                ldq: Dim,
                r: *mut T,
                ldr: Dim,
            ) -> *mut c_void {
                super::qr_aug::<T>(m, n, a, lda, q, ldq, r, ldr)
            }
            #[export_name = concat!("adc_qr_", $s, "_vjp")]
            pub unsafe extern "C" fn qr_vjp(
                m: Dim,
                n: Dim,
                a: *const T,
                da: *mut T,
                lda: Dim,
                q: *mut T,
                dq: *mut T,
                ldq: Dim,
                r: *mut T,
                dr: *mut T,
                ldr: Dim,
                tape: *mut c_void,
            ) {
                super::qr_vjp::<T>(m, n, a, da, lda, q, dq, ldq, r, dr, ldr, tape)
            }
            #[export_name = concat!("adc_solve_", $s, "")]
            pub unsafe extern "C" fn solve_primal(
                n: Dim,
                nrhs: Dim,
                a: *const T,
                lda: Dim,
                b: *const T,
                ldb: Dim,
                x: *mut T,
                ldx: Dim,
            ) {
                super::solve_primal::<T>(n, nrhs, a, lda, b, ldb, x, ldx)
            }
            #[export_name = concat!("adc_solve_", $s, "_jvp")]
            pub unsafe extern "C" fn solve_jvp(
                n: Dim,
                nrhs: Dim,
                a: *const T,
                da: *const T,
                lda: Dim,
                b: *const T,
                db: *const T,
                ldb: Dim,
                x: *mut T,
                dx: *mut T,
                ldx: Dim,
            ) {
                super::solve_jvp::<T>(n, nrhs, a, da, lda, b, db, ldb, x, dx, ldx)
            }
            #[export_name = concat!("adc_solve_", $s, "_aug")]
            pub unsafe extern "C" fn solve_aug(
                n: Dim,
                nrhs: Dim,
                a: *const T,
                lda: Dim,
                b: *const T,
                ldb: Dim,
                x: *mut T,
                ldx: Dim,
            ) -> *mut c_void {
                super::solve_aug::<T>(n, nrhs, a, lda, b, ldb, x, ldx)
            }
            #[export_name = concat!("adc_solve_", $s, "_vjp")]
            pub unsafe extern "C" fn solve_vjp(
                n: Dim,
                nrhs: Dim,
                a: *const T,
                da: *mut T,
                lda: Dim,
                b: *const T,
                db: *mut T,
                ldb: Dim,
                x: *mut T,
                dx: *mut T,
                ldx: Dim,
                tape: *mut c_void,
            ) {
                super::solve_vjp::<T>(n, nrhs, a, da, lda, b, db, ldb, x, dx, ldx, tape)
            }
            #[export_name = concat!("adc_logdet_", $s, "")]
            pub unsafe extern "C" fn logdet_primal(n: Dim, a: *const T, lda: Dim, out: *mut f64) {
                super::logdet_primal::<T>(n, a, lda, out)
            }
            #[export_name = concat!("adc_logdet_", $s, "_jvp")]
            pub unsafe extern "C" fn logdet_jvp(
                n: Dim,
                a: *const T,
                da: *const T,
                lda: Dim,
                out: *mut f64,
                dout: *mut f64,
            ) {
                super::logdet_jvp::<T>(n, a, da, lda, out, dout)
            }
            #[export_name = concat!("adc_logdet_", $s, "_aug")]
            pub unsafe extern "C" fn logdet_aug(
                n: Dim,
                a: *const T,
                lda: Dim,
                out: *mut f64,
            ) -> *mut c_void {
                super::logdet_aug::<T>(n, a, lda, out)
            }
            #[export_name = concat!("adc_logdet_", $s, "_vjp")]
            pub unsafe extern "C" fn logdet_vjp(
                n: Dim,
                a: *const T,
                da: *mut T,
                lda: Dim,
                out: *mut f64,
                dout: *mut f64,
                tape: *mut c_void,
            ) {
                super::logdet_vjp::<T>(n, a, da, lda, out, dout, tape)
            }

            #[export_name = concat!("adc_einsum_", $s)]
            pub unsafe extern "C" fn einsum_primal(
                spec: *const c_char,
                a: *const T,
                sa: *const Dim,
                b: *const T,
                sb: *const Dim,
                c: *const T,
                sc: *const Dim,
                out: *mut T,
            ) {
                super::einsum_primal::<T>(spec, a, sa, b, sb, c, sc, out)
            }
            #[export_name = concat!("adc_einsum_", $s, "_jvp")]
            pub unsafe extern "C" fn einsum_jvp(
                spec: *const c_char,
                dspec: *const c_char,
                a: *const T,
                da: *const T,
                sa: *const Dim,
                dsa: *const Dim,
                b: *const T,
                db: *const T,
                sb: *const Dim,
                dsb: *const Dim,
                c: *const T,
                dc: *const T,
                sc: *const Dim,
                dsc: *const Dim,
                out: *mut T,
                dout: *mut T,
            ) {
                super::einsum_jvp::<T>(
                    spec, dspec, a, da, sa, dsa, b, db, sb, dsb, c, dc, sc, dsc, out, dout,
                )
            }
            #[export_name = concat!("adc_einsum_", $s, "_aug")]
            pub unsafe extern "C" fn einsum_aug(
                spec: *const c_char,
                a: *const T,
                sa: *const Dim,
                b: *const T,
                sb: *const Dim,
                c: *const T,
                sc: *const Dim,
                out: *mut T,
            ) -> *mut c_void {
                super::einsum_aug::<T>(spec, a, sa, b, sb, c, sc, out)
            }
            #[export_name = concat!("adc_einsum_", $s, "_vjp")]
            pub unsafe extern "C" fn einsum_vjp(
                spec: *const c_char,
                dspec: *const c_char,
                a: *const T,
                da: *mut T,
                sa: *const Dim,
                dsa: *const Dim,
                b: *const T,
                db: *mut T,
                sb: *const Dim,
                dsb: *const Dim,
                c: *const T,
                dc: *mut T,
                sc: *const Dim,
                dsc: *const Dim,
                out: *mut T,
                dout: *mut T,
                tape: *mut c_void,
            ) {
                super::einsum_vjp::<T>(
                    spec, dspec, a, da, sa, dsa, b, db, sb, dsb, c, dc, sc, dsc, out, dout, tape,
                )
            }
        }
    };
}

export!(f64_abi, f64, "f64");
export!(c64_abi, faer::c64, "c64");
