//! Rust kernels over slices and vectors, with the Rust ABI (a slice is a
//! pointer and a length; a &Vec<f64> a pointer to the vector, whose buffer
//! pointer adc follows), checked by slices_main.rs in both modes.

#[no_mangle]
pub fn slice_dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

#[no_mangle]
pub fn slice_scale(x: &mut [f64], k: f64) -> f64 {
    for v in x.iter_mut() {
        *v = (*v * k).sin();
    }
    x.iter().map(|v| v * v).sum()
}

#[no_mangle]
pub fn vec_energy(v: &Vec<f64>) -> f64 {
    let springs: f64 = v.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    springs + v.iter().map(|x| x.sin()).sum::<f64>()
}

#[no_mangle]
pub fn vec_collect(x: &[f64]) -> f64 {
    let v: Vec<f64> = x.iter().map(|a| a.exp()).collect();
    v.iter().rev().enumerate().map(|(i, a)| a * (i as f64 + 1.0)).sum()
}

#[no_mangle]
pub fn vec_update(v: &mut Vec<f64>, k: f64) -> f64 {
    for i in 1..v.len() {
        v[i] += k * v[i - 1];
    }
    v.iter().sum()
}

/// A buffer grown with std::alloc::realloc (`__rust_realloc`, old size
/// known), filled, reduced, freed.
#[no_mangle]
pub fn rust_realloc_grow(x: &[f64]) -> f64 {
    use std::alloc::{alloc, dealloc, realloc, Layout};
    let layout = |n: usize| Layout::from_size_align(n * 8, 8).unwrap();
    unsafe {
        let (mut cap, mut len) = (1usize, 0usize);
        let mut p = alloc(layout(cap)) as *mut f64;
        for a in x {
            if len == cap {
                p = realloc(p as *mut u8, layout(cap), 2 * cap * 8) as *mut f64;
                cap *= 2;
            }
            *p.add(len) = a.sin() * a;
            len += 1;
        }
        let mut s = 0.0;
        for i in 0..len {
            s += *p.add(i) * *p.add(len - 1 - i);
        }
        dealloc(p as *mut u8, layout(cap));
        s
    }
}

/// A Vec grown by push: std's grow_one reallocates the buffer (through
/// `invoke`, with a cleanup that adc leaves out) and stores the new pointer
/// into the Vec, whose shadow gets the shadow buffer's.
#[no_mangle]
pub fn vec_push(x: &[f64]) -> f64 {
    let mut v = Vec::new();
    for a in x {
        v.push(a.sin() * a);
    }
    let n = v.len();
    (0..n).map(|i| v[i] * v[n - 1 - i] * (i as f64 + 1.0)).sum()
}

/// Push into the caller's vector: its shadow vector (same capacity) grows
/// with it in forward mode; in reverse mode it ends up holding the
/// adjoints of the vector's initial elements, in its own buffer again.
#[no_mangle]
pub fn vec_extend(v: &mut Vec<f64>, x: &[f64]) -> f64 {
    for a in x {
        v.push(a.sin() * v.len() as f64);
    }
    v.iter().map(|t| t * t).sum()
}

// Everyday Rust over a slice, each `fn(&[f64]) -> f64`; poly_struct's copy
// is read only by a method that is not inlined, which the type analysis
// follows.

/// std's stable sort (insertion sort, small sorts, merges of runs, a
/// quicksort with a stack or heap scratch buffer) moves the f64 elements as
/// i64 (also two at a time, as <2 x i64>) and bitcasts the ones it compares
/// back to f64: the casts and the comparisons say the words are doubles, so
/// adc moves them as doubles (no type hint needed).
#[no_mangle]
pub fn sorted_weights(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v.iter().enumerate().map(|(i, a)| a * (i as f64 + 1.0)).sum()
}

/// A Vec of Vecs, grown by push.
#[no_mangle]
pub fn nested_vecs(x: &[f64]) -> f64 {
    let mut m = Vec::new();
    for i in 0..3 {
        let row: Vec<f64> = x.iter().map(|a| a * (i as f64 + 1.0)).collect();
        m.push(row);
    }
    m.iter().map(|r| r.iter().map(|t| t.sin()).sum::<f64>()).sum()
}

pub struct Poly {
    c: Vec<f64>,
}

impl Poly {
    #[inline(never)]
    fn eval(&self, t: f64) -> f64 {
        self.c.iter().rev().fold(0.0, |acc, c| acc * t + c)
    }
}

/// A struct holding a Vec, read by a method that is not inlined.
#[no_mangle]
pub fn poly_struct(x: &[f64]) -> f64 {
    let p = Poly { c: x.to_vec() };
    p.eval(0.7) + p.eval(-0.3)
}

/// f64::max in a fold, then exp and ln.
#[no_mangle]
pub fn logsumexp(x: &[f64]) -> f64 {
    let m = x.iter().fold(f64::NEG_INFINITY, |m, &a| m.max(a));
    m + x.iter().map(|a| (a - m).exp()).sum::<f64>().ln()
}

/// A boxed slice collected from an iterator.
#[no_mangle]
pub fn boxed(x: &[f64]) -> f64 {
    let b: Box<[f64]> = x.iter().map(|a| a.exp()).collect();
    b.iter().sum::<f64>().ln()
}

/// extend_from_slice (a memcpy into a reserved buffer), push, extend.
#[no_mangle]
pub fn extend_push(x: &[f64]) -> f64 {
    let mut v = Vec::with_capacity(2);
    v.extend_from_slice(x);
    v.push(x[0] * x[1]);
    v.extend(x.iter().map(|a| a.cos()));
    v.iter().zip(v.iter().skip(1)).map(|(a, b)| a * b).sum()
}

/// Slices in chunks, each reduced to its norm.
#[no_mangle]
pub fn chunks_sum(x: &[f64]) -> f64 {
    x.chunks(3).map(|c| c.iter().map(|a| a * a).sum::<f64>().sqrt()).sum()
}

/// Vec::retain drops elements by a data-dependent test.
#[no_mangle]
pub fn retain_filter(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = x.iter().map(|a| a * 2.0).collect();
    v.retain(|a| *a > -0.5);
    v.iter().map(|a| a.exp()).sum()
}

/// The maximum, its position, and the spread around it.
#[no_mangle]
pub fn max_by(x: &[f64]) -> f64 {
    let m = x.iter().cloned().fold(f64::MIN, f64::max);
    let i = x.iter().position(|a| *a == m).unwrap();
    m * (i as f64 + 1.0) + x.iter().map(|a| (a - m).powi(2)).sum::<f64>()
}

/// A work array from `vec![0.0; n]` (rustc passes its pointer through an
/// integer phi: the block, or the dangling address when n is 0), filled
/// once per step and read by several loops, with an in-place update
/// between the reads (test-ir/c/memory.c's `reread_work`).
#[no_mangle]
pub fn reread_work(x: &[f64]) -> f64 {
    let n = x.len();
    let mut w = vec![0.0; n];
    let mut s = 0.0;
    for t in 0..4 {
        for i in 0..n {
            w[i] = (x[i] * (t + 1) as f64).sin() + x[(i + t) % n];
        }
        for i in 0..n {
            s += w[i] * x[i];
        }
        for i in 0..n {
            w[i] = w[i] * w[i] - x[i];
        }
        for i in 0..n {
            s += w[i] * w[(i + 1) % n];
        }
        for i in 0..n {
            for j in 0..n {
                s += 0.01 * (0.1 * w[i]).exp() * w[j] * x[(i + j) % n];
            }
        }
    }
    s
}
