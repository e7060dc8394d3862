//! Driver for checkpoint.rs: the checkpointed gradients (`heat_ck`,
//! `orbit_ck`) against the plain ones and central differences. Prints
//! "N checks, M failed"; exit status 1 on a failure.

extern "C" {
    // Each slice is its pointer, its shadow and its length.
    fn heat_plain_grad(
        u: *mut f64, du: *mut f64, nu: usize, w: *mut f64, dw: *mut f64, nw: usize,
        k: *const f64, dk: *mut f64, nk: usize, steps: usize, d_ret: f64,
    );
    fn heat_ck_grad(
        k: *const f64, dk: *mut f64, nk: usize, u: *mut f64, du: *mut f64, nu: usize,
        w: *mut f64, dw: *mut f64, nw: usize, steps: usize, d_ret: f64,
    );
    fn settle_plain_grad(u: *mut f64, du: *mut f64, n: usize, limit: u64, d_ret: f64);
    fn settle_ck_grad(limit: u64, u: *mut f64, du: *mut f64, n: usize, d_ret: f64);
    fn orbit_plain_grad(x0: f64, r: f64, steps: u32, d_ret: f64) -> Pair;
    fn orbit_ck_grad(r: f64, x0: f64, steps: u32, d_ret: f64) -> Pair;
}

/// The adjoints of the two float parameters, in their order.
#[repr(C)]
struct Pair {
    first: f64,
    second: f64,
}

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

fn orbit(x0: f64, r: f64, steps: u32) -> f64 {
    let (mut x, mut s) = (x0, 0.0);
    for k in 0..steps {
        x = r * x * (1.0 - x) + 1e-3 * (k as f64).cos();
        s = 0.99 * s + x;
    }
    x + s
}

/// Fourth-order central difference of `f` at 0.
fn central(f: impl Fn(f64) -> f64, h: f64) -> f64 {
    (-f(2.0 * h) + 8.0 * f(h) - 8.0 * f(-h) + f(-2.0 * h)) / (12.0 * h)
}

fn main() {
    let big: usize = std::env::args().nth(1).map_or(10_000, |s| s.parse().unwrap());
    let (mut checks, mut failed) = (0, 0);
    let mut expect = |what: String, got: f64, want: f64, tol: f64| {
        checks += 1;
        if !((got - want).abs() <= tol * want.abs().max(1.0)) {
            failed += 1;
            println!("FAIL {what}: {got:e}, expected {want:e}");
        }
    };
    for (n, steps) in [(3, 1), (8, 2), (16, 7), (32, 100), (32, big)] {
        let u0: Vec<f64> = (0..n).map(|i| (0.1 * i as f64).sin() + 0.5).collect();
        let k: Vec<f64> = (0..n).map(|i| 0.2 + 0.05 * (0.3 * i as f64).cos()).collect();
        let mut u = [u0.clone(), u0.clone()];
        let mut w = [vec![0.0; n], vec![0.0; n]];
        let mut du = [vec![0.0; n], vec![0.0; n]];
        let mut dw = [vec![0.0; n], vec![0.0; n]];
        let mut dk = [vec![0.0; n], vec![0.0; n]];
        unsafe {
            heat_plain_grad(
                u[0].as_mut_ptr(), du[0].as_mut_ptr(), n, w[0].as_mut_ptr(), dw[0].as_mut_ptr(), n,
                k.as_ptr(), dk[0].as_mut_ptr(), n, steps, 1.0,
            );
            heat_ck_grad(
                k.as_ptr(), dk[1].as_mut_ptr(), n, u[1].as_mut_ptr(), du[1].as_mut_ptr(), n,
                w[1].as_mut_ptr(), dw[1].as_mut_ptr(), n, steps, 1.0,
            );
        }
        for i in 0..n {
            expect(format!("heat({n}, {steps}) du[{i}]"), du[1][i], du[0][i], 1e-12);
            expect(format!("heat({n}, {steps}) dkappa[{i}]"), dk[1][i], dk[0][i], 1e-12);
            expect(format!("heat({n}, {steps}) u after[{i}]"), u[1][i], u[0][i], 0.0);
        }
        for i in (1..n).step_by((n / 3).max(1)) {
            let fd = central(
                |e| {
                    let mut u = u0.clone();
                    u[i] += e;
                    heat(&mut u, &mut vec![0.0; n], &k, steps)
                },
                1e-4,
            );
            expect(format!("heat({n}, {steps}) du[{i}] vs differences"), du[1][i], fd, 1e-6);
        }
    }
    for steps in [1, 2, 3, 10, 999, big as u32] {
        let (x0, r) = (0.3, 2.9);
        let p = unsafe { orbit_plain_grad(x0, r, steps, 1.0) };
        let c = unsafe { orbit_ck_grad(r, x0, steps, 1.0) };
        expect(format!("orbit({steps}) dx0"), c.second, p.first, 1e-12);
        expect(format!("orbit({steps}) dr"), c.first, p.second, 1e-12);
        if steps < 1000 {
            let fd = central(|e| orbit(x0 + e, r, steps), 1e-5);
            expect(format!("orbit({steps}) dx0 vs differences"), c.second, fd, 1e-6);
            let fd = central(|e| orbit(x0, r + e, steps), 1e-5);
            expect(format!("orbit({steps}) dr vs differences"), c.first, fd, 1e-6);
        }
    }
    for limit in [1u64, 2, 17, 1000, (big * big) as u64] {
        let n = 9;
        let u0: Vec<f64> = (0..n).map(|i| 0.4 + 0.3 * (1.7 * i as f64).sin()).collect();
        let mut u = [u0.clone(), u0.clone()];
        let mut du = [vec![0.0; n], vec![0.0; n]];
        unsafe {
            settle_plain_grad(u[0].as_mut_ptr(), du[0].as_mut_ptr(), n, limit, 1.0);
            settle_ck_grad(limit, u[1].as_mut_ptr(), du[1].as_mut_ptr(), n, 1.0);
        }
        for i in 0..n {
            expect(format!("settle({limit}) du[{i}]"), du[1][i], du[0][i], 1e-12);
            expect(format!("settle({limit}) u after[{i}]"), u[1][i], u[0][i], 0.0);
        }
        for i in (0..n).step_by(2) {
            let fd = central(
                |e| {
                    let mut u = u0.clone();
                    u[i] += e;
                    settle(&mut u, limit)
                },
                1e-4,
            );
            expect(format!("settle({limit}) du[{i}] vs differences"), du[1][i], fd, 1e-6);
        }
    }
    println!("{checks} checks, {failed} failed");
    std::process::exit(i32::from(failed != 0));
}
