//! Exact rationals over i128, enough for stencils of up to ~15 points.

use std::cmp::Ordering;
use std::fmt;

/// `num / den` in lowest terms with `den > 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rational {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rational {
    pub fn new(num: i128, den: i128) -> Option<Rational> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let s = if den < 0 { -1 } else { 1 };
        Some(Rational {
            num: s * num / g,
            den: s * den / g,
        })
    }
    pub fn from_int(n: i64) -> Rational {
        Rational {
            num: n as i128,
            den: 1,
        }
    }
    pub fn zero() -> Rational {
        Rational::from_int(0)
    }
    pub fn is_zero(&self) -> bool {
        self.num == 0
    }
    pub fn numer(&self) -> i128 {
        self.num
    }
    pub fn denom(&self) -> i128 {
        self.den
    }
    pub fn to_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }
    pub fn checked_add(self, o: Rational) -> Option<Rational> {
        let g = gcd(self.den, o.den);
        let l = (self.den / g).checked_mul(o.den)?;
        let a = self.num.checked_mul(l / self.den)?;
        let b = o.num.checked_mul(l / o.den)?;
        Rational::new(a.checked_add(b)?, l)
    }
    pub fn checked_sub(self, o: Rational) -> Option<Rational> {
        self.checked_add(Rational {
            num: -o.num,
            den: o.den,
        })
    }
    pub fn checked_mul(self, o: Rational) -> Option<Rational> {
        let g1 = gcd(self.num, o.den).max(1);
        let g2 = gcd(o.num, self.den).max(1);
        Rational::new(
            (self.num / g1).checked_mul(o.num / g2)?,
            (self.den / g2).checked_mul(o.den / g1)?,
        )
    }
    pub fn checked_div(self, o: Rational) -> Option<Rational> {
        if o.num == 0 {
            return None;
        }
        self.checked_mul(Rational {
            num: o.den * o.num.signum(),
            den: o.num.abs(),
        })
    }
    pub fn powi(self, k: u32) -> Option<Rational> {
        let mut r = Rational::from_int(1);
        for _ in 0..k {
            r = r.checked_mul(self)?;
        }
        Some(r)
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Rational {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.num * o.den).cmp(&(o.num * self.den))
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// Solve the augmented system `m = [A | b]` exactly (Gauss-Jordan).
pub fn solve(m: &mut [Vec<Rational>]) -> Option<Vec<Rational>> {
    let n = m.len();
    for c in 0..n {
        let piv = (c..n).find(|&r| !m[r][c].is_zero())?;
        m.swap(c, piv);
        let p = m[c][c];
        for x in &mut m[c][c..] {
            *x = x.checked_div(p)?;
        }
        let pivot_row = m[c].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != c && !row[c].is_zero() {
                let f = row[c];
                for (x, pv) in row[c..].iter_mut().zip(&pivot_row[c..]) {
                    *x = x.checked_sub(f.checked_mul(*pv)?)?;
                }
            }
        }
    }
    Some(m.iter().map(|row| row[n]).collect())
}
