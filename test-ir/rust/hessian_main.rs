//! Driver for hessian.rs: Rosenbrock's Hessian from adc's `rosenbrock_hvp`
//! (forward over reverse, H.v column by column) and `rosenbrock_grad_fwd4`
//! (vector mode over the gradient, four columns per call) against the
//! closed form (tridiagonal) for n = 2 to 100, the two bit for bit equal,
//! and the gradient beside them against the closed form too. Prints "N
//! checks, M failed"; exit status 1 on a failure.

extern "C" {
    // Each slice is its pointer and length; its shadow follows the
    // pointer. FN_hvp: x, the direction v, the gradient g, H.v, n.
    fn rosenbrock_hvp(x: *const f64, v: *const f64, g: *mut f64, hv: *mut f64, n: usize);
    fn rosenbrock_grad_fwd4(
        x: *const f64,
        v0: *const f64,
        v1: *const f64,
        v2: *const f64,
        v3: *const f64,
        g: *mut f64,
        h0: *mut f64,
        h1: *mut f64,
        h2: *mut f64,
        h3: *mut f64,
        n: usize,
        d_ret: f64,
        t0: f64,
        t1: f64,
        t2: f64,
        t3: f64,
    );
}

fn hessian(x: &[f64], i: usize, j: usize) -> f64 {
    let n = x.len();
    if i == j {
        let own = if i + 1 < n { 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0 } else { 0.0 };
        own + if i > 0 { 200.0 } else { 0.0 }
    } else if j == i + 1 {
        -400.0 * x[i]
    } else if i == j + 1 {
        -400.0 * x[j]
    } else {
        0.0
    }
}

fn gradient(x: &[f64], i: usize) -> f64 {
    let n = x.len();
    let mut g = 0.0;
    if i + 1 < n {
        g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
    }
    if i > 0 {
        g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
    }
    g
}

fn main() {
    let (mut checks, mut failed) = (0, 0);
    let mut check = |what: &str, i: usize, j: usize, got: f64, want: f64, tol: f64| {
        checks += 1;
        let err = (got - want).abs() / want.abs().max(1.0);
        if !(err <= tol) {
            failed += 1;
            println!("{what}[{i}][{j}]: got {got:e} want {want:e} (rel err {err:.1e})");
        }
    };
    for (s, &n) in [2usize, 5, 8, 33, 100].iter().enumerate() {
        let x: Vec<f64> = (0..n).map(|i| 0.9 * (0.7 * i as f64 + s as f64).cos()).collect();
        for j0 in (0..n).step_by(4) {
            let mut seeds = vec![vec![0.0; n]; 4];
            for (k, seed) in seeds.iter_mut().enumerate() {
                if j0 + k < n {
                    seed[j0 + k] = 1.0;
                }
            }
            let mut cols = vec![vec![0.0; n]; 4];
            let mut g4 = vec![0.0; n];
            let [h0, h1, h2, h3] = &mut cols[..] else { unreachable!() };
            unsafe {
                rosenbrock_grad_fwd4(
                    x.as_ptr(),
                    seeds[0].as_ptr(),
                    seeds[1].as_ptr(),
                    seeds[2].as_ptr(),
                    seeds[3].as_ptr(),
                    g4.as_mut_ptr(),
                    h0.as_mut_ptr(),
                    h1.as_mut_ptr(),
                    h2.as_mut_ptr(),
                    h3.as_mut_ptr(),
                    n,
                    1.0,
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                );
            }
            for k in 0..4 {
                let j = j0 + k;
                if j >= n {
                    break;
                }
                let (mut g, mut hv) = (vec![0.0; n], vec![0.0; n]);
                unsafe { rosenbrock_hvp(x.as_ptr(), seeds[k].as_ptr(), g.as_mut_ptr(), hv.as_mut_ptr(), n) };
                for i in 0..n {
                    check("hvp", i, j, hv[i], hessian(&x, i, j), 1e-12);
                    check("width 4 = hvp", i, j, cols[k][i], hv[i], 0.0);
                    check("gradient", i, j, g[i], gradient(&x, i), 1e-12);
                    check("gradient, width 4 = hvp", i, j, g4[i], g[i], 0.0);
                }
            }
        }
    }
    println!("{checks} checks, {failed} failed");
    std::process::exit(i32::from(failed != 0));
}
