//! adc-fd: finite differences with exactly computed stencils.
//!
//! A stencil on grid points `g_j` (multiples of the step `h`) approximates the
//! `q`-th derivative: `f^(q)(x) ~ sum_j a_j f(x + g_j h) / h^q`. Matching the
//! Taylor series of `f(x + g h)` term by term gives the Vandermonde system
//! `sum_j a_j g_j^k = q! [k == q]` for `k = 0..p-1` (the `A^T a = e_q` of the
//! reference notes). It is solved in exact rational arithmetic and rounded
//! once, so the 5-point first-derivative stencil is exactly
//! `1/12, -2/3, 0, 2/3, -1/12`.

mod rational;
mod step;

pub use rational::Rational;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A finite-difference method: grid, derivative order and coefficients.
#[derive(Clone, Debug)]
pub struct Stencil {
    /// Grid points, in units of the step.
    pub grid: Vec<i64>,
    /// Derivative order.
    pub q: usize,
    /// Exact coefficients, one per grid point.
    pub exact: Vec<Rational>,
    /// The coefficients rounded once to f64.
    pub coefs: Vec<f64>,
    /// Leading truncation coefficient `sum_j a_j g_j^k / k!` (error ~ this *
    /// f^(k) h^(k-q)), for the first power `k >= p` whose moment does not
    /// vanish.
    pub truncation: f64,
    /// That power `k`: `p`, or `p + 1` for a central stencil of an even
    /// derivative on an odd number of points (its `p`-th moment vanishes by
    /// symmetry, so it is one order more accurate than its size says).
    pub leading: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FdError {
    #[error("a stencil of {p} points cannot approximate derivative order {q} (need p > q)")]
    TooFewPoints { p: usize, q: usize },
    #[error("grid points must be distinct")]
    RepeatedPoint,
    #[error("the stencil's exact coefficients overflow 128-bit rationals")]
    Overflow,
}

impl Stencil {
    /// The stencil on an arbitrary grid (coefficients solved exactly).
    pub fn on_grid(grid: &[i64], q: usize) -> Result<Stencil, FdError> {
        let p = grid.len();
        if p <= q {
            return Err(FdError::TooFewPoints { p, q });
        }
        let mut g = grid.to_vec();
        g.sort_unstable();
        g.dedup();
        if g.len() != p {
            return Err(FdError::RepeatedPoint);
        }
        // V a = q! e_q with V[k][j] = g_j^k.
        let mut m: Vec<Vec<Rational>> = (0..p)
            .map(|k| {
                let mut row: Vec<Rational> = grid
                    .iter()
                    .map(|&gj| Rational::from_int(gj).powi(k as u32))
                    .collect::<Option<Vec<_>>>()
                    .ok_or(FdError::Overflow)?;
                let rhs = if k == q {
                    Rational::from_int(factorial(q) as i64)
                } else {
                    Rational::zero()
                };
                row.push(rhs);
                Ok(row)
            })
            .collect::<Result<_, FdError>>()?;
        let exact = rational::solve(&mut m).ok_or(FdError::Overflow)?;
        let coefs = exact.iter().map(Rational::to_f64).collect();
        // The first moment past the exact ones that does not vanish
        // (exactly, in rationals).
        let moment = |k: usize| -> Option<Rational> {
            grid.iter()
                .zip(&exact)
                .try_fold(Rational::zero(), |acc, (&gj, a)| {
                    acc.checked_add(a.checked_mul(Rational::from_int(gj).powi(k as u32)?)?)
                })
        };
        let leading = if moment(p).ok_or(FdError::Overflow)?.is_zero() {
            p + 1
        } else {
            p
        };
        let truncation =
            moment(leading).ok_or(FdError::Overflow)?.to_f64() / factorial(leading) as f64;
        Ok(Stencil {
            grid: grid.to_vec(),
            q,
            exact,
            coefs,
            truncation,
            leading,
        })
    }

    /// `p`-point central stencil for derivative `q` (computed once, then shared).
    pub fn central(p: usize, q: usize) -> Result<&'static Stencil, FdError> {
        let lo = -((p as i64 - 1) / 2);
        let grid: Vec<i64> = if !p.is_multiple_of(2) {
            (lo..=-lo).collect()
        } else {
            // Even p: symmetric about 0 without the centre would need half
            // steps; use p points from -(p/2) to p/2 skipping 0.
            (-(p as i64 / 2)..=(p as i64 / 2))
                .filter(|&g| g != 0)
                .collect()
        };
        cached(grid, q)
    }

    /// `p`-point forward stencil (points 0, 1, ..., p-1).
    pub fn forward(p: usize, q: usize) -> Result<&'static Stencil, FdError> {
        cached((0..p as i64).collect(), q)
    }

    /// `p`-point backward stencil (points -(p-1), ..., 0).
    pub fn backward(p: usize, q: usize) -> Result<&'static Stencil, FdError> {
        cached((-(p as i64 - 1)..=0).collect(), q)
    }

    pub fn order(&self) -> usize {
        self.grid.len()
    }

    /// Apply with a given step `h`.
    pub fn apply_with_step(&self, f: &mut dyn FnMut(f64) -> f64, x: f64, h: f64) -> f64 {
        let s: f64 = self
            .grid
            .iter()
            .zip(&self.coefs)
            .filter(|(_, c)| **c != 0.0)
            .map(|(&g, c)| c * f(x + g as f64 * h))
            .sum();
        s / h.powi(self.q as i32)
    }

    /// Apply with an automatically chosen step (see [`step::choose`]).
    pub fn apply(&self, f: &mut dyn FnMut(f64) -> f64, x: f64) -> f64 {
        let h = step::choose(self, f, x);
        self.apply_with_step(f, x, h)
    }

    /// Richardson extrapolation: combine the estimates at `h` and `h/2`,
    /// cancelling the leading error term `~ h^(p-q)`.
    pub fn richardson(&self, f: &mut dyn FnMut(f64) -> f64, x: f64, h: f64) -> f64 {
        let k = (self.leading - self.q) as i32;
        let a = self.apply_with_step(f, x, h);
        let b = self.apply_with_step(f, x, h / 2.0);
        let w = 2f64.powi(k);
        (w * b - a) / (w - 1.0)
    }
}

fn factorial(n: usize) -> u128 {
    (1..=n as u128).product()
}

/// Stencils are solved once per (grid, order) and kept for the process's
/// life (there are only a handful), so callers get a cheap shared reference.
fn cached(grid: Vec<i64>, q: usize) -> Result<&'static Stencil, FdError> {
    type Cache = Mutex<HashMap<(Vec<i64>, usize), &'static Stencil>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = map.get(&(grid.clone(), q)) {
        return Ok(s);
    }
    let s: &'static Stencil = Box::leak(Box::new(Stencil::on_grid(&grid, q)?));
    map.insert((grid, q), s);
    Ok(s)
}

/// Central-difference gradient of `f: R^n -> R` (p points per direction).
pub fn gradient(
    f: &mut dyn FnMut(&[f64]) -> f64,
    x: &[f64],
    p: usize,
) -> Result<Vec<f64>, FdError> {
    let m = jacobian(&mut |v: &[f64]| vec![f(v)], x, p)?;
    Ok(m.into_iter().map(|col| col[0]).collect())
}

/// Jacobian of `f: R^n -> R^m` by columns: `result[j][i] = d f_i / d x_j`.
pub fn jacobian(
    f: &mut dyn FnMut(&[f64]) -> Vec<f64>,
    x: &[f64],
    p: usize,
) -> Result<Vec<Vec<f64>>, FdError> {
    let st = Stencil::central(p, 1)?;
    let mut cols = Vec::with_capacity(x.len());
    let mut xv = x.to_vec();
    for j in 0..x.len() {
        let m = f(x).len();
        let mut col = Vec::with_capacity(m);
        for i in 0..m {
            let mut fi = |t: f64| {
                xv[j] = t;
                let r = f(&xv)[i];
                xv[j] = x[j];
                r
            };
            col.push(st.apply(&mut fi, x[j]));
        }
        cols.push(col);
    }
    Ok(cols)
}
