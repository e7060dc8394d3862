//! Time stepping for checkpointed reverse mode from Rust (checkpoint_main.rs):
//! the same heat equation twice, `heat_plain` differentiated with a tape of
//! every step and `heat_ck` with `--checkpoint heat_ck:0` (its parameters in
//! another order: rustc would merge two identical functions into one).

/// An explicit heat equation in place over slices, with a nonlinear source;
/// the slices' bounds checks are exits of the loop that panic.
#[inline(always)]
fn heat(u: &mut [f64], work: &mut [f64], kappa: &[f64], steps: usize) -> f64 {
    let n = u.len();
    for _ in 0..steps {
        for i in 1..n - 1 {
            work[i] = u[i] + kappa[i] * (u[i - 1] - 2.0 * u[i] + u[i + 1]) + 1e-3 * u[i].sin();
        }
        u[1..n - 1].copy_from_slice(&work[1..n - 1]);
    }
    u.iter().map(|x| x * x).sum()
}

#[no_mangle]
pub fn heat_plain(u: &mut [f64], work: &mut [f64], kappa: &[f64], steps: usize) -> f64 {
    heat(u, work, kappa, steps)
}

#[no_mangle]
pub fn heat_ck(kappa: &[f64], u: &mut [f64], work: &mut [f64], steps: usize) -> f64 {
    heat(u, work, kappa, steps)
}

/// A state of numbers carried from step to step (a logistic map with
/// damping), returned at the end.
#[inline(always)]
fn orbit(x0: f64, r: f64, steps: u32) -> f64 {
    let (mut x, mut s) = (x0, 0.0);
    for k in 0..steps {
        x = r * x * (1.0 - x) + 1e-3 * (k as f64).cos();
        s = 0.99 * s + x;
    }
    x + s
}

#[no_mangle]
pub fn orbit_plain(x0: f64, r: f64, steps: u32) -> f64 {
    orbit(x0, r, steps)
}

#[no_mangle]
pub fn orbit_ck(r: f64, x0: f64, steps: u32) -> f64 {
    orbit(x0, r, steps)
}

/// A while loop over a slice (its trip count is not known at its entry:
/// checkpointed online).
#[inline(always)]
fn settle(u: &mut [f64], limit: u64) -> f64 {
    let mut t = 0u64;
    while t * t < limit {
        let mut prev = u[u.len() - 1];
        for x in u.iter_mut() {
            let here = *x;
            *x = here + 0.05 * (prev - here) + 0.01 * here.sin();
            prev = here;
        }
        t += 1;
    }
    u.iter().enumerate().map(|(i, x)| (i + 1) as f64 * x).sum()
}

#[no_mangle]
pub fn settle_plain(u: &mut [f64], limit: u64) -> f64 {
    settle(u, limit)
}

#[no_mangle]
pub fn settle_ck(limit: u64, u: &mut [f64]) -> f64 {
    settle(u, limit)
}
