//! adc-runtime: dense linear algebra with forward (jvp) and reverse (vjp)
//! rules, the routines adc treats as intrinsics.
//!
//! Each routine exists for `f64` and complex `f64` ([`Scalar`]). The rules
//! are pure functions over faer matrices in one module per routine; `capi`
//! exposes them to C (and to code adc generates) with the calling convention
//! of `include/adc.h`.
//!
//! Complex convention: the adjoint of a complex value z for a real loss L is
//! the gradient dL/dRe(z) + i dL/dIm(z) (the conjugate of dL/dz; the
//! "gradient" convention of the reference notes, as in TensorFlow and
//! Zygote). Tangents are plain complex perturbations.

pub mod capi;
pub mod dense;
pub mod eigh;
pub mod einsum;
pub mod matmul;
pub mod qr;
mod scalar;
pub mod solve;
pub mod spectral;
pub mod svd;

pub use faer::c64;
pub use scalar::Scalar;
