//! Thin SVD A = U diag(S) V^H, A m x n, k = min(m, n): U m x k, S k
//! (descending), V n x k.
//!
//! jvp, with P = U^H dA V and F_ij = 1 / (s_j^2 - s_i^2):
//!   dS = Re diag(P)
//!   dU = U (F o (P S + S P^H) + i Im diag(P) S^-1) + (I - U U^H) dA V S^-1
//!   dV = V (F o (S P + P^H S)) + (I - V V^H) dA^H U S^-1
//! (the phase of each singular pair is put on U; gauge-invariant losses do
//! not see the choice). vjp (notes, "SVD", gradient convention), with
//! J = F o (U^H U_bar), K = F o (V^H V_bar):
//!   A_bar = U [diag(S_bar) + (J + J^H) S + S (K + K^H) + i Im diag(U^H U_bar) S^-1] V^H
//!         + (I - U U^H) U_bar S^-1 V^H + U S^-1 V_bar^H (I - V V^H)
//! The last two terms vanish for square A; the i Im term for real A.
//! Rank deficiency: S^-1 is the pseudo-inverse (0 for s <= tol, tol =
//! max(m, n) * 2^-52 * s_max), so rules that need 1/s of a zero singular
//! value drop that term; losses of S alone stay exact.

use crate::dense::{add_into, mm, mm_add, mm_hn, scale};
use crate::spectral::f_matrix;
use crate::Scalar;
use faer::{Mat, MatRef};

pub struct Svd<T: Scalar> {
    pub u: Mat<T>,
    pub s: Vec<f64>,
    pub v: Mat<T>,
}

impl<T: Scalar> Svd<T> {
    /// Pseudo-inverse of the singular values.
    fn s_inv(&self) -> Vec<f64> {
        let smax = self.s.first().copied().unwrap_or(0.0);
        let tol = (self.u.nrows().max(self.v.nrows()) as f64) * f64::EPSILON * smax;
        self.s
            .iter()
            .map(|&s| if s > tol { 1.0 / s } else { 0.0 })
            .collect()
    }
    fn f(&self, eps: f64) -> Mat<f64> {
        let s2: Vec<f64> = self.s.iter().map(|s| s * s).collect();
        f_matrix(&s2, eps)
    }
}

pub fn primal<T: Scalar>(a: MatRef<'_, T>) -> Option<Svd<T>> {
    let svd = a.thin_svd().ok()?;
    let k = a.nrows().min(a.ncols());
    let s = svd.S().column_vector();
    Some(Svd {
        u: svd.U().to_owned(),
        s: (0..k).map(|i| s[i].re()).collect(),
        v: svd.V().to_owned(),
    })
}

/// (dU, dS, dV) for the tangent `da`.
pub fn jvp<T: Scalar>(d: &Svd<T>, da: MatRef<'_, T>, eps: f64) -> (Mat<T>, Vec<f64>, Mat<T>) {
    let k = d.s.len();
    let (u, v) = (d.u.as_ref(), d.v.as_ref());
    let dav = mm(da, v);
    let p = mm_hn(u, dav.as_ref());
    let f = d.f(eps);
    let sinv = d.s_inv();
    let ds = (0..k).map(|i| p[(i, i)].re()).collect();
    let s = &d.s;
    let dc = Mat::from_fn(k, k, |i, j| {
        if i == j {
            T::from_im(p[(i, i)].im() * sinv[i])
        } else {
            (p[(i, j)] * T::from_re(s[j]) + T::from_re(s[i]) * p[(j, i)].cj())
                * T::from_re(f[(i, j)])
        }
    });
    let dw = Mat::from_fn(k, k, |i, j| {
        (T::from_re(s[i]) * p[(i, j)] + p[(j, i)].cj() * T::from_re(s[j])) * T::from_re(f[(i, j)])
    });
    // (I - U U^H) dA V S^-1 = (dA V - U P) S^-1
    let mut du = mm(u, dc.as_ref());
    let mut dv = mm(v, dw.as_ref());
    if u.nrows() > k {
        let mut r = dav;
        mm_add(r.as_mut(), u, p.as_ref(), -1.0);
        add_into(du.as_mut(), scale(r.as_ref(), &sinv, false).as_ref());
    }
    if v.nrows() > k {
        // (I - V V^H) dA^H U S^-1 = (dA^H U - V P^H) S^-1
        let mut r = mm_hn(da, u);
        mm_add(r.as_mut(), v, p.adjoint(), -1.0);
        add_into(dv.as_mut(), scale(r.as_ref(), &sinv, false).as_ref());
    }
    (du, ds, dv)
}

/// A_bar for adjoints of U, S and V (`None`: zero).
pub fn vjp<T: Scalar>(
    d: &Svd<T>,
    u_bar: Option<MatRef<'_, T>>,
    s_bar: Option<&[f64]>,
    v_bar: Option<MatRef<'_, T>>,
    eps: f64,
) -> Mat<T> {
    let k = d.s.len();
    let (u, v) = (d.u.as_ref(), d.v.as_ref());
    let f = d.f(eps);
    let sinv = d.s_inv();
    let s = &d.s;
    let mut g: Mat<T> = Mat::zeros(k, k);
    if let Some(sb) = s_bar {
        for i in 0..k {
            g[(i, i)] = T::from_re(sb[i]);
        }
    }
    let mut out: Mat<T> = Mat::zeros(u.nrows(), v.nrows());
    if let Some(ub) = u_bar {
        let ju = mm_hn(u, ub);
        let j = Mat::from_fn(k, k, |a, b| ju[(a, b)] * T::from_re(f[(a, b)]));
        for a in 0..k {
            for b in 0..k {
                g[(a, b)] += (j[(a, b)] + j[(b, a)].cj()) * T::from_re(s[b]);
            }
            g[(a, a)] += T::from_im(ju[(a, a)].im() * sinv[a]);
        }
        if u.nrows() > k {
            // (I - U U^H) U_bar S^-1 V^H
            let mut r = ub.to_owned();
            mm_add(r.as_mut(), u, ju.as_ref(), -1.0);
            mm_add(
                out.as_mut(),
                scale(r.as_ref(), &sinv, false).as_ref(),
                v.adjoint(),
                1.0,
            );
        }
    }
    if let Some(vb) = v_bar {
        let jv = mm_hn(v, vb);
        let kk = Mat::from_fn(k, k, |a, b| jv[(a, b)] * T::from_re(f[(a, b)]));
        for a in 0..k {
            for b in 0..k {
                g[(a, b)] += T::from_re(s[a]) * (kk[(a, b)] + kk[(b, a)].cj());
            }
        }
        if v.nrows() > k {
            // U S^-1 V_bar^H (I - V V^H) = U S^-1 (V_bar - V Jv)^H
            let mut r = vb.to_owned();
            mm_add(r.as_mut(), v, jv.as_ref(), -1.0);
            mm_add(
                out.as_mut(),
                scale(u, &sinv, false).as_ref(),
                r.adjoint(),
                1.0,
            );
        }
    }
    mm_add(out.as_mut(), mm(u, g.as_ref()).as_ref(), v.adjoint(), 1.0);
    out
}
