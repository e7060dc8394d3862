//! Kernels compiled as a debug build (`-C opt-level=0`): slicing and
//! indexing go through std's generic `index_mut`, not inlined, which
//! returns the subslice as a `{ptr, len}` pair. Forward mode lost the
//! shadow of such a returned pair and gave the derivative of the code
//! without the writes through it (found by the fuzzer).

/// Halve the tail from `n - 1` on, through a subslice, then read it back.
#[no_mangle]
pub extern "C" fn subslice_update(x: &mut [f64; 4], n: i32) -> f64 {
    let n = n as usize;
    {
        let p = &mut x[(n - 1) % 4..];
        p[0] = 0.5 * p[0] * p[0];
        if p.len() > 1 {
            p[1] = p[1] * x_sum(p);
        }
    }
    x[0] + 2.0 * x[1] + 3.0 * x[2] + 4.0 * x[3]
}

fn x_sum(p: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in p {
        s += *v;
    }
    s
}
