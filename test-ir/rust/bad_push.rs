//! Bad input for the error tests: a function that grows a Vec by push (so
//! its calls go through `invoke`) and passes an active value to a function
//! whose body adc cannot see. The message must still name the source line.

extern "C" {
    fn mystery(x: f64) -> f64;
}

#[no_mangle]
pub fn bad_push(x: &[f64]) -> f64 {
    let mut v = Vec::new();
    for a in x {
        v.push(unsafe { mystery(*a) });
    }
    v.iter().sum()
}
