//! The reference function of the autodiff notes, in Rust.

fn factorial(n: i32) -> f64 {
    let mut f = 1.0;
    let mut i = 2;
    while i <= n {
        f *= i as f64;
        i += 1;
    }
    f
}

#[no_mangle]
pub extern "C" fn poor_besselj(nu: i32, z: f64) -> f64 {
    let mut k = 0;
    let mut s = (z / 2.0).powi(nu) / factorial(nu);
    let mut out = s;
    while s.abs() > f64::EPSILON {
        k += 1;
        s *= -1.0 / k as f64 / (k + nu) as f64 * ((z / 2.0) * (z / 2.0));
        out += s;
    }
    out
}
