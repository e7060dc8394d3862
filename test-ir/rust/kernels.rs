//! Forward/reverse-mode test kernels in Rust (rustc -O --emit=llvm-bc).
//! Each is listed in ../kernels.toml with its signature and test points.
#![allow(clippy::missing_safety_doc)]

extern "C" {
    fn erf(x: f64) -> f64;
    fn erfc(x: f64) -> f64;
}

#[no_mangle]
pub extern "C" fn arith(x: f64, y: f64) -> f64 {
    (x * y - x / y + 3.0) * (x - y) / (1.0 + y * y)
}

#[no_mangle]
pub extern "C" fn neg_rem(x: f64, y: f64) -> f64 {
    -x * (x % y) + x
}

#[no_mangle]
pub extern "C" fn f32_mix(x: f32) -> f32 {
    ((x as f64) * 1.5) as f32 + x * x + x.sin() * (0.5 * x).exp()
}

#[no_mangle]
pub extern "C" fn casts(n: i32, x: f64) -> f64 {
    x * n as f64 + ((n * n) as u32) as f64 * x * x
}

#[no_mangle]
pub extern "C" fn piecewise(x: f64) -> f64 {
    if x > 0.0 {
        x * x
    } else {
        -x * x.sin()
    }
}

#[no_mangle]
pub extern "C" fn switchy(n: i32, x: f64) -> f64 {
    match n {
        0 => x * x,
        1 => x.sin() * x,
        2 => x.exp() / (1.0 + x * x),
        _ => x,
    }
}

#[no_mangle]
pub extern "C" fn horner(n: i32, x: f64) -> f64 {
    let mut acc = 0.0;
    for i in 0..n {
        acc = acc * x + (i + 1) as f64 / (i + 2) as f64;
    }
    acc
}

#[no_mangle]
pub extern "C" fn newton_sqrt(x: f64) -> f64 {
    let mut y = if x > 1.0 { x } else { 1.0 };
    while (y * y - x).abs() > 1e-15 * x {
        y = 0.5 * (y + x / y);
    }
    y
}

#[no_mangle]
pub extern "C" fn nested(n: i32, x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..=i {
            s += (i as f64 * x).sin() * (j as f64 * y).cos();
        }
    }
    s
}

#[inline(never)]
fn sq_plus(a: f64, b: f64) -> f64 {
    a * a + b.sin()
}

#[no_mangle]
pub extern "C" fn call_helper(x: f64, y: f64) -> f64 {
    sq_plus(x, y) * sq_plus(y, 2.0) + sq_plus(0.5, x)
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn recursive(n: i32, x: f64) -> f64 {
    if n <= 0 {
        return x;
    }
    recursive(n - 1, x).sin() * x + 0.5 * recursive(n - 2, x)
}

#[no_mangle]
pub extern "C" fn libm_trig(x: f64) -> f64 {
    x.tan() + x.asin() * x.acos() + x.atan() + x.atan2(1.5) + x.sinh() * x.cosh() + x.tanh()
}

#[no_mangle]
pub extern "C" fn libm_exp(x: f64) -> f64 {
    x.exp() + x.exp_m1() + x.ln() * x.ln_1p() + x.powf(1.7) + 2.1f64.powf(x) + x.sqrt() + x.cbrt()
        + x.hypot(0.8)
        + unsafe { erf(x) + erfc(x) }
}

#[no_mangle]
pub extern "C" fn intrin_exp_log(x: f64) -> f64 {
    x.sqrt() + x.sin() * x.cos() + x.exp() + x.exp2() + x.ln() + x.log2() + x.log10()
}

#[no_mangle]
pub extern "C" fn intrin_pow(x: f64, y: f64) -> f64 {
    x.powf(y) + (x - 2.0 * y).abs() + x.mul_add(y, x) + x.min(y) * x.max(y) + x.copysign(-y)
        + x.powi(3)
}

#[no_mangle]
pub extern "C" fn intrin_round(x: f64) -> f64 {
    x.floor() * x + x.ceil() * x.sin() + x.trunc() * x + x.round()
}

#[no_mangle]
pub extern "C" fn libm_float(x: f32) -> f32 {
    x.sin() * x.cos() + x.tan() + x.exp() + x.ln() + x.sqrt() + x.powf(2.5) + x.atan2(2.0)
        + x.hypot(1.0)
        + x.tanh()
        + (x * 0.5).asin()
}

#[no_mangle]
pub extern "C" fn loop_swap(n: i32, x: f64, y: f64) -> f64 {
    let (mut a, mut b) = (x, y);
    for _ in 0..n {
        let t = a;
        a = b;
        b = t + b * x * 0.5;
    }
    a * b
}

#[no_mangle]
pub extern "C" fn multi_exit(n: i32, x: f64) -> f64 {
    let mut s = x;
    for _ in 0..n {
        s = s * s * 0.9 + 0.1 * x;
        if s > 10.0 {
            break;
        }
        if s < -10.0 {
            return -s;
        }
    }
    s
}

#[no_mangle]
pub extern "C" fn logistic(n: i32, r: f64, mut x: f64) -> f64 {
    for _ in 0..n {
        x = r * x * (1.0 - x);
    }
    x
}

/// sum_i sin(x_i) x_{i+1} over a slice (pointer + length).
#[no_mangle]
pub unsafe extern "C" fn sin_dot(x: *const f64, n: i32) -> f64 {
    let x = std::slice::from_raw_parts(x, n.max(0) as usize);
    x.windows(2).map(|w| w[0].sin() * w[1]).sum()
}

#[derive(Clone, Copy)]
#[repr(C)]
pub struct Cplx {
    re: f64,
    im: f64,
}

#[inline(never)]
fn cmul(a: Cplx, b: Cplx) -> Cplx {
    Cplx {
        re: a.re * b.re - a.im * b.im,
        im: a.re * b.im + a.im * b.re,
    }
}

#[no_mangle]
pub extern "C" fn struct_pass(x: f64, y: f64) -> f64 {
    let a = Cplx { re: x, im: y };
    let c = cmul(cmul(a, Cplx { re: y, im: 0.5 }), a);
    c.re * c.im
}

#[no_mangle]
pub extern "C" fn select_chain(x: f64, y: f64) -> f64 {
    let a = if x < y { x * y } else { x + y };
    let b = if a > 1.0 { a.copysign(y) } else { a * a };
    b + x.abs() * y
}

/// An iterator chain over a fixed-size array passed by reference.
#[no_mangle]
pub extern "C" fn array_norm(x: &[f64; 4]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt() + x.iter().fold(1.0, |p, v| p * v.cos())
}

/// Found by the fuzzer: std's asinh computes 1/|t|, infinite at t = 0,
/// which i = 0 reaches with a zero tangent; the derivative there is 0.
#[no_mangle]
pub extern "C" fn zero_tangent_pole(x: f64, s: f64) -> f64 {
    let mut r = s;
    for i in 0..3 {
        r += f64::sin(f64::asinh(f64::tanh(0.1 * (i as f64) / (1.5 + s * s)))) * x;
    }
    r
}

/// A double passed through a u64 argument of a function that is not
/// inlined (`f64::from_bits` in the callee).
#[inline(never)]
fn from_bits_scaled(bits: u64, k: f64) -> f64 {
    f64::from_bits(bits) * k + f64::from_bits(bits).sin()
}

#[no_mangle]
pub extern "C" fn bits_through_call(x: f64, y: f64) -> f64 {
    from_bits_scaled(x.to_bits(), y) * from_bits_scaled(y.to_bits(), 0.5)
}

/// pow's partials at the edges (see kernels.c).
#[no_mangle]
pub extern "C" fn pow_edges(x: f64, y: f64) -> f64 {
    x.powf(y) + x.powf(3.0) * y
}

/// sin and cos of the same angle (either order), sinh and cosh, in a loop
/// (see kernels.c).
#[no_mangle]
pub extern "C" fn trig_pairs(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for i in 1..=3 {
        let fi = i as f64;
        let a = x * fi + y;
        let (c, sn) = (a.cos(), a.sin());
        let b = y * fi - x;
        let (sb, cb) = (b.sin(), b.cos());
        s += c * sn * fi + sb / (2.0 + cb) + (0.3 * a).sinh() * (0.3 * a).cosh();
    }
    s
}
