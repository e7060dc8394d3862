//! Memory kernels in Rust: slices, in-place updates, structs by reference.

/// In-place scaling of a mutable slice, then a reduction.
#[no_mangle]
pub extern "C" fn scale_in_place(x: &mut [f64; 5], k: f64) -> f64 {
    for v in x.iter_mut() {
        *v = (*v * k).sin();
    }
    x.iter().zip(x.iter().skip(1)).map(|(a, b)| a * b).sum()
}

#[repr(C)]
pub struct Body {
    pub pos: [f64; 3],
    pub mass: f64,
}

/// A struct passed by reference.
#[no_mangle]
pub extern "C" fn body_energy(b: &Body) -> f64 {
    let r2: f64 = b.pos.iter().map(|p| p * p).sum();
    b.mass * r2.sqrt() + b.mass.ln()
}
