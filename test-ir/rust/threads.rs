// std::thread in a function to differentiate: refused with the reason
// (crates/adc/tests/openmp.rs).
#[no_mangle]
pub extern "C" fn par_sq(x: *const f64, y: *mut f64, n: usize) {
    let x = unsafe { std::slice::from_raw_parts(x, n) };
    let y = unsafe { std::slice::from_raw_parts_mut(y, n) };
    let (a, b) = y.split_at_mut(n / 2);
    std::thread::scope(|s| {
        s.spawn(|| for i in 0..a.len() { a[i] = x[i] * x[i]; });
        s.spawn(|| for i in 0..b.len() { b[i] = x[n / 2 + i] * x[n / 2 + i]; });
    });
}
