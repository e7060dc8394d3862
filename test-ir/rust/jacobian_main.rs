//! Driver for jacobian.rs: `layer_jac` (forward or reverse by shape) and
//! `layer_rows_jac` (reverse only) against the closed form
//! dy_i/dx_j = (1 - y_i^2) w_ij and a central difference, for shapes on
//! both sides of n = m. Prints "N checks, M failed"; exit status 1 on a
//! failure.

extern "C" {
    // Each slice is its pointer and length, then the Jacobian (row-major,
    // n_out rows of n_in) and its shape.
    fn layer_jac(x: *const f64, n: usize, y: *mut f64, m: usize, jac: *mut f64, n_in: i64, n_out: i64);
    fn layer_rows_jac(
        x: *const f64,
        n: usize,
        y: *mut f64,
        m: usize,
        jac: *mut f64,
        n_in: i64,
        n_out: i64,
    );
}

fn weight(i: usize, j: usize) -> f64 {
    ((i * 7 + j * 3) % 11) as f64 / 11.0 - 0.5
}

fn layer(x: &[f64], y: &mut [f64]) {
    for (i, yi) in y.iter_mut().enumerate() {
        let s: f64 = x.iter().enumerate().map(|(j, xj)| weight(i, j) * xj).sum();
        *yi = s.tanh();
    }
}

fn main() {
    let (mut checks, mut failed) = (0, 0);
    let mut check = |ok: bool, what: String| {
        checks += 1;
        if !ok {
            failed += 1;
            if failed < 20 {
                println!("FAIL {what}");
            }
        }
    };
    for (n, m) in [(1, 1), (2, 9), (9, 2), (8, 8), (17, 5), (5, 17), (40, 3)] {
        let x: Vec<f64> = (0..n).map(|j| 0.4 - 0.13 * j as f64).collect();
        let mut want = vec![0.0; m];
        layer(&x, &mut want);
        let jacs: [(&str, unsafe extern "C" fn(*const f64, usize, *mut f64, usize, *mut f64, i64, i64)); 2] =
            [("auto", layer_jac), ("reverse", layer_rows_jac)];
        for (name, jac_fn) in jacs {
            let mut y = vec![0.0; m];
            let mut jac = vec![f64::NAN; n * m];
            unsafe { jac_fn(x.as_ptr(), n, y.as_mut_ptr(), m, jac.as_mut_ptr(), n as i64, m as i64) };
            check(y == want, format!("{name} n={n} m={m}: y = {y:?}, want {want:?}"));
            for j in 0..n {
                let h = 1e-4;
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[j] += h;
                xm[j] -= h;
                let (mut yp, mut ym) = (vec![0.0; m], vec![0.0; m]);
                layer(&xp, &mut yp);
                layer(&xm, &mut ym);
                for i in 0..m {
                    let got = jac[i * n + j];
                    let closed = (1.0 - want[i] * want[i]) * weight(i, j);
                    let fd = (yp[i] - ym[i]) / (2.0 * h);
                    check(
                        (got - closed).abs() <= 1e-14,
                        format!("{name} n={n} m={m} J[{i}][{j}] = {got}, closed form {closed}"),
                    );
                    check(
                        (got - fd).abs() <= 1e-7,
                        format!("{name} n={n} m={m} J[{i}][{j}] = {got}, difference {fd}"),
                    );
                }
            }
        }
    }
    println!("{checks} checks, {failed} failed");
    std::process::exit(i32::from(failed != 0));
}
