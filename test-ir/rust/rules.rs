//! Derivative rules registered from Rust (see adc_rules.h): Enzyme's tables
//! as `#[no_mangle]` statics of function pointers. `fast_rsqrt`'s body
//! (float bits) cannot be differentiated: its forward and vjp rules make it
//! differentiable; `held` is declared inactive (a stop-gradient). Checked
//! by rules_main.rs in both modes.

#[repr(C)]
pub struct Dual {
    pub primal: f64,
    pub tangent: f64,
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn fast_rsqrt(x: f64) -> f64 {
    let i = 0x5fe6eb50c7b537a9u64.wrapping_sub(x.to_bits() >> 1);
    let mut y = f64::from_bits(i);
    for _ in 0..4 {
        y *= 1.5 - 0.5 * x * y * y;
    }
    y
}

pub extern "C" fn fast_rsqrt_fwd(x: f64, dx: f64) -> Dual {
    let r = fast_rsqrt(x);
    Dual { primal: r, tangent: -0.5 * r / x * dx }
}

pub extern "C" fn fast_rsqrt_vjp(x: f64, d_ret: f64) -> f64 {
    -0.5 * d_ret * fast_rsqrt(x) / x
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn held(x: f64) -> f64 {
    x * x
}

/// A table of function pointers the linker keeps as it is.
#[repr(transparent)]
pub struct Table<const N: usize>(pub [*const (); N]);
unsafe impl<const N: usize> Sync for Table<N> {}

#[no_mangle]
pub static __enzyme_register_derivative_fast_rsqrt: Table<2> =
    Table([fast_rsqrt as *const (), fast_rsqrt_fwd as *const ()]);
#[no_mangle]
pub static __adc_register_vjp_fast_rsqrt: Table<2> =
    Table([fast_rsqrt as *const (), fast_rsqrt_vjp as *const ()]);
#[no_mangle]
pub static __enzyme_inactivefn_held: Table<1> = Table([held as *const ()]);

/// sum_i x_i / sqrt(x_i^2 + 1) + x_0 * held(x_1)
#[no_mangle]
pub fn model(x: &[f64]) -> f64 {
    let s: f64 = x.iter().map(|v| fast_rsqrt(v * v + 1.0) * v).sum();
    s + x[0] * held(x[1])
}
