//! Driver for debug_collect.rs's derivatives (gradients, or with
//! `--cfg forward` tangents) against central differences and, for soft's
//! weights, the closed form (d soft / d w_i = the softmax p_i).

#[cfg(not(forward))]
extern "C" {
    fn spread_grad(x: *const f64, dx: *mut f64, n: usize, d_ret: f64);
    fn grown_grad(x: *const f64, dx: *mut f64, n: usize, d_ret: f64);
    fn ranked_grad(x: *const f64, dx: *mut f64, n: usize, d_ret: f64);
    fn chunked_grad(x: *const f64, dx: *mut f64, n: usize, d_ret: f64);
    fn soft_grad(
        x: *const f64,
        dx: *mut f64,
        n: usize,
        w: *const f64,
        dw: *mut f64,
        nw: usize,
        d_ret: f64,
    );
}

#[cfg(forward)]
extern "C" {
    fn spread_fwd(x: *const f64, dx: *const f64, n: usize) -> f64;
    fn grown_fwd(x: *const f64, dx: *const f64, n: usize) -> f64;
    fn ranked_fwd(x: *const f64, dx: *const f64, n: usize) -> f64;
    fn chunked_fwd(x: *const f64, dx: *const f64, n: usize) -> f64;
    fn soft_fwd(
        x: *const f64,
        dx: *const f64,
        n: usize,
        w: *const f64,
        dw: *const f64,
        nw: usize,
    ) -> f64;
}

fn spread(x: &[f64]) -> f64 {
    let sq: Vec<f64> = x.iter().map(|v| v * v).collect();
    let m = sq.iter().sum::<f64>() / sq.len() as f64;
    sq.iter().map(|s| (s - m) * (s - m)).sum::<f64>()
}

fn grown(x: &[f64]) -> f64 {
    let mut v = Vec::new();
    for a in x {
        v.push(a.sin() * a);
    }
    let mut c = vec![0.0; v.len() + 1];
    for i in 0..v.len() {
        c[i + 1] = c[i] + v[i];
    }
    c.windows(2).map(|p| p[0] * p[1]).sum::<f64>() + c.iter().rev().step_by(2).sum::<f64>()
}

fn ranked(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v.iter()
        .enumerate()
        .map(|(i, a)| (i + 1) as f64 * a * a)
        .sum()
}

fn chunked(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = Vec::with_capacity(2);
    v.extend(x.chunks(2).map(|c| c.iter().product::<f64>()));
    v.extend(x.iter().skip(1).map(|a| a.cos()));
    let b: Box<[f64]> = v.into_boxed_slice();
    b.iter().fold(1.0, |acc, a| acc * 0.5 + a)
}

fn soft(x: &[f64], w: &[f64]) -> f64 {
    let e: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    let z: f64 = e.iter().sum();
    e.iter().map(|v| v / z).zip(w).map(|(a, b)| a * b).sum()
}

/// The functions of one slice: the primal here, adc's derivative there.
type Unary = (&'static str, fn(&[f64]) -> f64, Derivative);
#[cfg(not(forward))]
type Derivative = unsafe extern "C" fn(*const f64, *mut f64, usize, f64);
#[cfg(forward)]
type Derivative = unsafe extern "C" fn(*const f64, *const f64, usize) -> f64;

#[cfg(not(forward))]
const UNARY: [Unary; 4] = [
    ("spread", spread, spread_grad),
    ("grown", grown, grown_grad),
    ("ranked", ranked, ranked_grad),
    ("chunked", chunked, chunked_grad),
];
#[cfg(forward)]
const UNARY: [Unary; 4] = [
    ("spread", spread, spread_fwd),
    ("grown", grown, grown_fwd),
    ("ranked", ranked, ranked_fwd),
    ("chunked", chunked, chunked_fwd),
];

/// d f / d x from adc.
#[cfg(not(forward))]
fn unary(d: Derivative, x: &[f64]) -> Vec<f64> {
    let mut dx = vec![0.0; x.len()];
    unsafe { d(x.as_ptr(), dx.as_mut_ptr(), x.len(), 1.0) };
    dx
}

/// The same, one tangent per input direction.
#[cfg(forward)]
fn unary(d: Derivative, x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let mut e = vec![0.0; x.len()];
            e[i] = 1.0;
            unsafe { d(x.as_ptr(), e.as_ptr(), x.len()) }
        })
        .collect()
}

/// d soft / d x and d soft / d w from adc.
#[cfg(not(forward))]
fn soft_derivatives(x: &[f64], w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = x.len();
    let (mut dx, mut dw) = (vec![0.0; n], vec![0.0; n]);
    unsafe {
        soft_grad(
            x.as_ptr(),
            dx.as_mut_ptr(),
            n,
            w.as_ptr(),
            dw.as_mut_ptr(),
            n,
            1.0,
        )
    };
    (dx, dw)
}

/// The same, one tangent per input direction.
#[cfg(forward)]
fn soft_derivatives(x: &[f64], w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = x.len();
    let zero = vec![0.0; n];
    let (mut dx, mut dw) = (vec![0.0; n], vec![0.0; n]);
    for i in 0..n {
        let mut e = vec![0.0; n];
        e[i] = 1.0;
        unsafe {
            dx[i] = soft_fwd(x.as_ptr(), e.as_ptr(), n, w.as_ptr(), zero.as_ptr(), n);
            dw[i] = soft_fwd(x.as_ptr(), zero.as_ptr(), n, w.as_ptr(), e.as_ptr(), n);
        }
    }
    (dx, dw)
}

fn main() {
    let (mut checks, mut failed) = (0, 0);
    let mut check = |what: &str, got: f64, want: f64| {
        checks += 1;
        if (got - want).abs() > 1e-6 * want.abs().max(1.0) {
            failed += 1;
            println!("FAIL {what}: {got} vs {want}");
        }
    };
    let h = 1e-6;
    for n in [1usize, 2, 7, 40] {
        let x: Vec<f64> = (0..n).map(|i| (0.7 * i as f64).sin()).collect();
        let w: Vec<f64> = (0..n).map(|i| 1.0 + 0.3 * i as f64).collect();
        let moved = |i: usize, by: f64| {
            let mut y = x.clone();
            y[i] += by;
            y
        };
        for (name, f, d) in UNARY {
            let dx = unary(d, &x);
            for i in 0..n {
                let fd = (f(&moved(i, h)) - f(&moved(i, -h))) / (2.0 * h);
                check(&format!("{name} n = {n}, i = {i}"), dx[i], fd);
            }
        }
        let (dx, dw) = soft_derivatives(&x, &w);
        let z: f64 = x.iter().map(|v| v.exp()).sum();
        for i in 0..n {
            let fd = (soft(&moved(i, h), &w) - soft(&moved(i, -h), &w)) / (2.0 * h);
            check(&format!("soft x n = {n}, i = {i}"), dx[i], fd);
            check(&format!("soft w n = {n}, i = {i}"), dw[i], x[i].exp() / z);
        }
    }
    println!("{checks} checks, {failed} failed");
    std::process::exit(i32::from(failed != 0));
}
