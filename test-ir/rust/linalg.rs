//! Rust calling adc-runtime through `extern "C"` (the declarations mirror
//! include/adc.h): adc differentiates it like C, calling the routines' rules.

extern "C" {
    fn adc_matmul_f64(
        ta: i32, tb: i32, m: i64, n: i64, k: i64,
        a: *const f64, lda: i64, b: *const f64, ldb: i64, c: *mut f64, ldc: i64,
    );
    fn adc_logdet_f64(n: i64, a: *const f64, lda: i64, out: *mut f64);
}

/// log det(A^T A + I) for an n x n row-major A (n <= 4): the Gram matrix by
/// adc_matmul_f64 (A transposed), the log-determinant by adc_logdet_f64.
#[no_mangle]
pub extern "C" fn rust_gram_logdet(a: *const f64, n: i64) -> f64 {
    let mut g = [0.0f64; 16];
    let mut ld = 0.0f64;
    unsafe {
        adc_matmul_f64(1, 0, n, n, n, a, n, a, n, g.as_mut_ptr(), n);
        let mut i = 0;
        while i < n {
            *g.as_mut_ptr().add((i * n + i) as usize) += 1.0;
            i += 1;
        }
        adc_logdet_f64(n, g.as_ptr(), n, &mut ld);
    }
    ld
}
