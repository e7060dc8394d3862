//! Every rule against a 7-point central finite difference of a scalar loss
//! L(A + t dA) along random directions: the jvp (dL from the output
//! tangents) and the vjp (dL = Re <A_bar, dA>) must both match. Losses of
//! eigenvectors and singular vectors are gauge invariant; real and complex;
//! square, tall and wide.

use adc_runtime::dense::axpy;
use adc_runtime::{c64, eigh, einsum, matmul, qr, solve, svd, Scalar};
use faer::{Mat, MatRef};

/// Deterministic uniform numbers in [-0.5, 0.5).
struct Rng(u64);
impl Rng {
    fn f(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

trait Random: Scalar {
    fn rand(r: &mut Rng) -> Self;
}
impl Random for f64 {
    fn rand(r: &mut Rng) -> Self {
        r.f()
    }
}
impl Random for c64 {
    fn rand(r: &mut Rng) -> Self {
        c64::new(r.f(), r.f())
    }
}

fn rand_mat<T: Random>(r: &mut Rng, m: usize, n: usize) -> Mat<T> {
    Mat::from_fn(m, n, |_, _| T::rand(r))
}

/// Re <x, y> = Re sum conj(x) y.
fn dot<T: Scalar>(x: MatRef<'_, T>, y: MatRef<'_, T>) -> f64 {
    let mut s = 0.0;
    for j in 0..x.ncols() {
        for i in 0..x.nrows() {
            s += (x[(i, j)].cj() * y[(i, j)]).re();
        }
    }
    s
}

/// d/dt L(t) at 0, 7-point central difference.
fn fd(l: &mut dyn FnMut(f64) -> f64) -> f64 {
    adc_fd::Stencil::central(7, 1)
        .unwrap()
        .apply_with_step(l, 0.0, 1e-3)
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    let err = (got - want).abs() / want.abs().max(1.0);
    assert!(
        err < tol,
        "{what}: {got} vs finite difference {want} (relative error {err:.2e})"
    );
}

/// Run `check` on real and complex data, three random directions each.
fn both(check: impl Fn(&mut Rng, bool)) {
    let mut r = Rng(0x9E3779B97F4A7C15);
    for _ in 0..3 {
        check(&mut r, false);
        check(&mut r, true);
    }
}

fn check_matmul<T: Random>(r: &mut Rng, (m, k, n): (usize, usize, usize)) {
    let (a, b) = (rand_mat::<T>(r, m, k), rand_mat::<T>(r, k, n));
    let (da, db) = (rand_mat::<T>(r, m, k), rand_mat::<T>(r, k, n));
    let w = rand_mat::<T>(r, m, n);
    let loss = |a: MatRef<T>, b: MatRef<T>| dot(w.as_ref(), matmul::primal(a, b).as_ref());
    let want = fd(&mut |t| {
        loss(
            axpy(a.as_ref(), t, da.as_ref()).as_ref(),
            axpy(b.as_ref(), t, db.as_ref()).as_ref(),
        )
    });
    let dc = matmul::jvp(a.as_ref(), Some(da.as_ref()), b.as_ref(), Some(db.as_ref()));
    close("matmul jvp", dot(w.as_ref(), dc.as_ref()), want, 1e-8);
    let (ab, bb) = matmul::vjp(a.as_ref(), b.as_ref(), w.as_ref());
    close(
        "matmul vjp",
        dot(ab.as_ref(), da.as_ref()) + dot(bb.as_ref(), db.as_ref()),
        want,
        1e-8,
    );
}

#[test]
fn matmul_rules() {
    for shape in [(4, 4, 4), (6, 3, 5), (2, 7, 3)] {
        both(|r, cplx| {
            if cplx {
                check_matmul::<c64>(r, shape)
            } else {
                check_matmul::<f64>(r, shape)
            }
        });
    }
}

/// L = sum c_i E_i + Re <W, U G U^H> (a gauge-invariant loss of the vectors).
/// `tie`: the first two eigenvalues are degenerate, so the loss weighs
/// their vectors alike (it must not depend on the basis of their plane).
fn check_eigh<T: Random>(r: &mut Rng, a: Mat<T>, eps: f64, tol: f64, tie: bool) {
    let n = a.nrows();
    let da = rand_mat::<T>(r, n, n);
    let mut c: Vec<f64> = (0..n).map(|_| r.f()).collect();
    let mut g: Vec<f64> = (0..n).map(|_| r.f()).collect();
    if tie {
        c[1] = c[0];
        g[1] = g[0];
    }
    let w = rand_mat::<T>(r, n, n);
    let ugu = |u: MatRef<T>| {
        let ug = Mat::from_fn(n, n, |i, j| u[(i, j)] * T::from_re(g[j]));
        adc_runtime::dense::mm(ug.as_ref(), adc_runtime::dense::adj(u).as_ref())
    };
    let loss = |a: MatRef<T>| {
        let d = eigh::primal(a).unwrap();
        (0..n).map(|i| c[i] * d.e[i]).sum::<f64>() + dot(w.as_ref(), ugu(d.u.as_ref()).as_ref())
    };
    let want = fd(&mut |t| loss(axpy(a.as_ref(), t, da.as_ref()).as_ref()));
    let d = eigh::primal(a.as_ref()).unwrap();
    let (de, du) = eigh::jvp(&d, da.as_ref(), eps);
    // U_bar = (W + W^H) U G
    let wh = axpy(
        w.as_ref(),
        1.0,
        adc_runtime::dense::adj(w.as_ref()).as_ref(),
    );
    let wu = adc_runtime::dense::mm(wh.as_ref(), d.u.as_ref());
    let ub = Mat::from_fn(n, n, |i, j| wu[(i, j)] * T::from_re(g[j]));
    let jvp: f64 = (0..n).map(|i| c[i] * de[i]).sum::<f64>() + dot(ub.as_ref(), du.as_ref());
    close("eigh jvp", jvp, want, tol);
    let ab = eigh::vjp(&d, Some(&c), Some(ub.as_ref()), eps);
    close("eigh vjp", dot(ab.as_ref(), da.as_ref()), want, tol);
}

#[test]
fn eigh_rules() {
    both(|r, cplx| {
        for n in [1, 3, 6] {
            if cplx {
                let a = rand_mat::<c64>(r, n, n);
                check_eigh(r, a, 0.0, 1e-7, false)
            } else {
                let a = rand_mat::<f64>(r, n, n);
                check_eigh(r, a, 0.0, 1e-7, false)
            }
        }
    });
}

/// A doubly degenerate spectrum: with eps = 0 the degenerate pair's F entry is
/// 0, exact for this loss (it sees the pair only through its projector);
/// Lorentzian broadening keeps everything finite and close.
#[test]
fn eigh_degenerate() {
    let mut r = Rng(7);
    let q = qr::primal(rand_mat::<f64>(&mut r, 4, 4).as_ref()).q;
    let e = [1.0, 1.0, 2.0, 3.5];
    let qe = Mat::from_fn(4, 4, |i, j| q[(i, j)] * e[j]);
    let a = adc_runtime::dense::mm(qe.as_ref(), adc_runtime::dense::adj(q.as_ref()).as_ref());
    check_eigh(&mut r, a.clone(), 0.0, 1e-6, true);
    let d = eigh::primal(a.as_ref()).unwrap();
    let ub = rand_mat::<f64>(&mut r, 4, 4);
    let ab = eigh::vjp(&d, None, Some(ub.as_ref()), 1e-6);
    assert!((0..4).all(|i| (0..4).all(|j| ab[(i, j)].is_finite())));
}

/// L = sum c_i s_i + Re <W, U V^H> + sum W2 |U|^2 (gauge invariant; the
/// first vector term exercises the complex gauge term).
fn check_svd<T: Random>(r: &mut Rng, m: usize, n: usize) {
    let k = m.min(n);
    let a = rand_mat::<T>(r, m, n);
    let da = rand_mat::<T>(r, m, n);
    let c: Vec<f64> = (0..k).map(|_| r.f()).collect();
    let w = rand_mat::<T>(r, m, n);
    let w2 = rand_mat::<f64>(r, m, k);
    use adc_runtime::dense::{adj, mm};
    let loss = |a: MatRef<T>| {
        let d = svd::primal(a).unwrap();
        let uv = mm(d.u.as_ref(), adj(d.v.as_ref()).as_ref());
        let mut l = (0..k).map(|i| c[i] * d.s[i]).sum::<f64>() + dot(w.as_ref(), uv.as_ref());
        for i in 0..m {
            for j in 0..k {
                l += w2[(i, j)] * d.u[(i, j)].abs2();
            }
        }
        l
    };
    let want = fd(&mut |t| loss(axpy(a.as_ref(), t, da.as_ref()).as_ref()));
    let d = svd::primal(a.as_ref()).unwrap();
    let wv = mm(w.as_ref(), d.v.as_ref());
    let ub = Mat::from_fn(m, k, |i, j| {
        wv[(i, j)] + d.u[(i, j)] * T::from_re(2.0 * w2[(i, j)])
    });
    let vb = mm(adj(w.as_ref()).as_ref(), d.u.as_ref());
    let (du, ds, dv) = svd::jvp(&d, da.as_ref(), 0.0);
    let jvp = (0..k).map(|i| c[i] * ds[i]).sum::<f64>()
        + dot(ub.as_ref(), du.as_ref())
        + dot(vb.as_ref(), dv.as_ref());
    close(&format!("svd jvp {m}x{n}"), jvp, want, 1e-7);
    let ab = svd::vjp(&d, Some(ub.as_ref()), Some(&c), Some(vb.as_ref()), 0.0);
    close(
        &format!("svd vjp {m}x{n}"),
        dot(ab.as_ref(), da.as_ref()),
        want,
        1e-7,
    );
}

#[test]
fn svd_rules() {
    both(|r, cplx| {
        for (m, n) in [(4, 4), (6, 3), (3, 5), (1, 4)] {
            if cplx {
                check_svd::<c64>(r, m, n)
            } else {
                check_svd::<f64>(r, m, n)
            }
        }
    });
}

/// Rank-deficient input: losses of S alone stay exact (sum s^2 = ||A||_F^2,
/// gradient 2A) and nothing is infinite or NaN.
#[test]
fn svd_rank_deficient() {
    let mut r = Rng(11);
    let x = rand_mat::<f64>(&mut r, 5, 2);
    let y = rand_mat::<f64>(&mut r, 2, 4);
    let a = adc_runtime::dense::mm(x.as_ref(), y.as_ref());
    let d = svd::primal(a.as_ref()).unwrap();
    let sb: Vec<f64> = d.s.iter().map(|s| 2.0 * s).collect();
    let ab = svd::vjp(&d, None, Some(&sb), None, 0.0);
    for i in 0..5 {
        for j in 0..4 {
            assert!((ab[(i, j)] - 2.0 * a[(i, j)]).abs() < 1e-12);
        }
    }
    let ub = rand_mat::<f64>(&mut r, 5, 4);
    let ab = svd::vjp(&d, Some(ub.as_ref()), Some(&sb), None, 0.0);
    assert!((0..5).all(|i| (0..4).all(|j| ab[(i, j)].is_finite())));
}

/// L = Re <W1, Q> + Re <W2, R> (QR is unique with diag(R) > 0).
fn check_qr<T: Random>(r: &mut Rng, m: usize, n: usize) {
    let k = m.min(n);
    let a = rand_mat::<T>(r, m, n);
    let da = rand_mat::<T>(r, m, n);
    let w1 = rand_mat::<T>(r, m, k);
    let w2 = rand_mat::<T>(r, k, n);
    let loss = |a: MatRef<T>| {
        let d = qr::primal(a);
        dot(w1.as_ref(), d.q.as_ref()) + dot(w2.as_ref(), d.r.as_ref())
    };
    let want = fd(&mut |t| loss(axpy(a.as_ref(), t, da.as_ref()).as_ref()));
    let d = qr::primal(a.as_ref());
    let (dq, dr) = qr::jvp(&d, a.as_ref(), da.as_ref());
    close(
        &format!("qr jvp {m}x{n}"),
        dot(w1.as_ref(), dq.as_ref()) + dot(w2.as_ref(), dr.as_ref()),
        want,
        1e-7,
    );
    let ab = qr::vjp(&d, a.as_ref(), Some(w1.as_ref()), Some(w2.as_ref()));
    close(
        &format!("qr vjp {m}x{n}"),
        dot(ab.as_ref(), da.as_ref()),
        want,
        1e-7,
    );
}

#[test]
fn qr_rules() {
    both(|r, cplx| {
        for (m, n) in [(4, 4), (6, 3), (3, 5)] {
            if cplx {
                check_qr::<c64>(r, m, n)
            } else {
                check_qr::<f64>(r, m, n)
            }
        }
    });
}

fn check_solve<T: Random>(r: &mut Rng, n: usize, nrhs: usize) {
    let a = rand_mat::<T>(r, n, n);
    let a = Mat::from_fn(n, n, |i, j| {
        a[(i, j)] + T::from_re(if i == j { 2.0 } else { 0.0 })
    });
    let b = rand_mat::<T>(r, n, nrhs);
    let (da, db) = (rand_mat::<T>(r, n, n), rand_mat::<T>(r, n, nrhs));
    let w = rand_mat::<T>(r, n, nrhs);
    let c = r.f();
    let loss = |a: MatRef<T>, b: MatRef<T>| {
        let f = solve::factor(a);
        dot(w.as_ref(), solve::solve(&f, b).as_ref()) + c * solve::logdet(&f)
    };
    let want = fd(&mut |t| {
        loss(
            axpy(a.as_ref(), t, da.as_ref()).as_ref(),
            axpy(b.as_ref(), t, db.as_ref()).as_ref(),
        )
    });
    let f = solve::factor(a.as_ref());
    let x = solve::solve(&f, b.as_ref());
    let dx = solve::solve_jvp(&f, x.as_ref(), Some(da.as_ref()), Some(db.as_ref()));
    let jvp = dot(w.as_ref(), dx.as_ref()) + c * solve::logdet_jvp(&f, da.as_ref());
    close("solve/logdet jvp", jvp, want, 1e-7);
    let (ab, bb) = solve::solve_vjp(&f, x.as_ref(), w.as_ref());
    let lb = solve::logdet_vjp(&f, c);
    let vjp = dot(ab.as_ref(), da.as_ref())
        + dot(bb.as_ref(), db.as_ref())
        + dot(lb.as_ref(), da.as_ref());
    close("solve/logdet vjp", vjp, want, 1e-7);
}

#[test]
fn solve_and_logdet_rules() {
    both(|r, cplx| {
        if cplx {
            check_solve::<c64>(r, 5, 2)
        } else {
            check_solve::<f64>(r, 5, 3)
        }
    });
}

/// einsum by brute force over every label assignment.
fn naive_einsum<T: Scalar>(
    spec: &einsum::Spec,
    ops: &[&einsum::Tensor<T>],
    dims: &std::collections::BTreeMap<u8, usize>,
) -> Vec<T> {
    let labels: Vec<u8> = dims.keys().copied().collect();
    let sizes: Vec<usize> = labels.iter().map(|l| dims[l]).collect();
    let flat = |ls: &[u8], idx: &[usize]| {
        ls.iter().fold(0, |acc, l| {
            acc * dims[l] + idx[labels.iter().position(|x| x == l).unwrap()]
        })
    };
    let osize: usize = spec.output.iter().map(|l| dims[l]).product();
    let mut out = vec![T::from_re(0.0); osize];
    let mut idx = vec![0; labels.len()];
    for _ in 0..sizes.iter().product::<usize>() {
        let mut p = T::from_re(1.0);
        for (t, ls) in ops.iter().zip(&spec.inputs) {
            p *= t.data[flat(ls, &idx)];
        }
        out[flat(&spec.output, &idx)] += p;
        for k in (0..idx.len()).rev() {
            idx[k] += 1;
            if idx[k] < sizes[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

fn check_einsum<T: Random>(r: &mut Rng, s: &str) {
    let spec = einsum::Spec::parse(s).unwrap();
    let size = |l: u8| 2 + (l as usize % 3);
    let shapes: Vec<Vec<usize>> = spec
        .inputs
        .iter()
        .map(|ls| ls.iter().map(|&l| size(l)).collect())
        .collect();
    let shape_refs: Vec<&[usize]> = shapes.iter().map(|v| v.as_slice()).collect();
    let dims = spec.dims(&shape_refs).unwrap();
    let rt = |r: &mut Rng, sh: &[usize]| einsum::Tensor {
        shape: sh.to_vec(),
        data: (0..sh.iter().product())
            .map(|_| T::rand(r))
            .collect::<Vec<T>>(),
    };
    let ops: Vec<einsum::Tensor<T>> = shapes.iter().map(|sh| rt(r, sh)).collect();
    let dops: Vec<einsum::Tensor<T>> = shapes.iter().map(|sh| rt(r, sh)).collect();
    let refs: Vec<&einsum::Tensor<T>> = ops.iter().collect();
    let out = einsum::eval(&spec, &refs, &dims);
    let want = naive_einsum(&spec, &refs, &dims);
    for (a, b) in out.data.iter().zip(&want) {
        assert!(
            (*a - *b).abs2().sqrt() < 1e-12,
            "einsum {s}: {a:?} vs {b:?}"
        );
    }
    let oshape: Vec<usize> = spec.output.iter().map(|l| dims[l]).collect();
    let w = rt(r, &oshape);
    let dotv = |x: &[T], y: &[T]| {
        x.iter()
            .zip(y)
            .map(|(a, b)| (a.cj() * *b).re())
            .sum::<f64>()
    };
    let loss = |t: f64| {
        let moved: Vec<einsum::Tensor<T>> = ops
            .iter()
            .zip(&dops)
            .map(|(o, d)| einsum::Tensor {
                shape: o.shape.clone(),
                data: o
                    .data
                    .iter()
                    .zip(&d.data)
                    .map(|(a, b)| *a + T::from_re(t) * *b)
                    .collect(),
            })
            .collect();
        let mr: Vec<&einsum::Tensor<T>> = moved.iter().collect();
        dotv(&w.data, &einsum::eval(&spec, &mr, &dims).data)
    };
    let want = fd(&mut |t| loss(t));
    let dr: Vec<Option<&einsum::Tensor<T>>> = dops.iter().map(Some).collect();
    let jvp = einsum::jvp(&spec, &refs, &dr, &dims);
    close(
        &format!("einsum {s} jvp"),
        dotv(&w.data, &jvp.data),
        want,
        1e-8,
    );
    let vjp: f64 = (0..ops.len())
        .map(|k| dotv(&einsum::vjp(&spec, &refs, &w, k, &dims).data, &dops[k].data))
        .sum();
    close(&format!("einsum {s} vjp"), vjp, want, 1e-8);
}

#[test]
fn einsum_rules() {
    for s in [
        "ij,jk->ik",
        "bij,bjk->bik",
        "ii->",
        "ii->i",
        "i,i->",
        "i,j->ij",
        "ij->ji",
        "ij->",
        "ij,ij->ij",
        "ij,jk,kl->il",
        "abc,cd,db->a",
        "ijk,jl->ilk",
        "ij,jk",
        "ab,bc,cd",
    ] {
        both(|r, cplx| {
            if cplx {
                check_einsum::<c64>(r, s)
            } else {
                check_einsum::<f64>(r, s)
            }
        });
    }
}
