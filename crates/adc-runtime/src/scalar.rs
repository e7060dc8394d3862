//! The two element types the runtime serves, f64 and complex f64, behind one
//! trait so every rule is written once.

use faer::c64;
use faer::traits::ComplexField;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub};

/// An element type: `f64` or [`c64`] (C's `double _Complex`).
pub trait Scalar:
    ComplexField
    + Copy
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + MulAssign
{
    fn cj(self) -> Self;
    fn re(self) -> f64;
    fn im(self) -> f64;
    fn from_re(x: f64) -> Self;
    /// `i * x` (zero for real scalars: their derivatives have no phase).
    fn from_im(x: f64) -> Self;
    /// `x / |x|`, or 1 at 0: the phase that makes a diagonal entry real and positive.
    fn phase(self) -> Self;
    fn abs2(self) -> f64 {
        let (r, i) = (self.re(), self.im());
        r * r + i * i
    }
}

impl Scalar for f64 {
    fn cj(self) -> Self {
        self
    }
    fn re(self) -> f64 {
        self
    }
    fn im(self) -> f64 {
        0.0
    }
    fn from_re(x: f64) -> Self {
        x
    }
    fn from_im(_: f64) -> Self {
        0.0
    }
    fn phase(self) -> Self {
        if self < 0.0 {
            -1.0
        } else {
            1.0
        }
    }
}

impl Scalar for c64 {
    fn cj(self) -> Self {
        self.conj()
    }
    fn re(self) -> f64 {
        self.re
    }
    fn im(self) -> f64 {
        self.im
    }
    fn from_re(x: f64) -> Self {
        c64::new(x, 0.0)
    }
    fn from_im(x: f64) -> Self {
        c64::new(0.0, x)
    }
    fn phase(self) -> Self {
        let a = self.norm();
        if a == 0.0 {
            c64::new(1.0, 0.0)
        } else {
            self / a
        }
    }
}
