//! Code that collects into Vecs, for debug builds (`-C opt-level=0` and
//! `1`): there, std's allocation behind `collect()` and its iterator
//! adaptors are calls of std functions the module does not contain; adc
//! links their bodies from std's bitcode (ir/rust_std.rs). Driver:
//! debug_collect_main.rs.

/// The variance of the squares.
#[no_mangle]
pub fn spread(x: &[f64]) -> f64 {
    let sq: Vec<f64> = x.iter().map(|v| v * v).collect();
    let m = sq.iter().sum::<f64>() / sq.len() as f64;
    sq.iter().map(|s| (s - m) * (s - m)).sum::<f64>()
}

/// Softmax-weighted sum, through two collected work vectors.
#[no_mangle]
pub fn soft(x: &[f64], w: &[f64]) -> f64 {
    let e: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    let z: f64 = e.iter().sum();
    let p: Vec<f64> = e.iter().map(|v| v / z).collect();
    p.iter().zip(w).map(|(a, b)| a * b).sum()
}

/// Pushes without reserving (the Vec grows through std's reallocation),
/// then a prefix sum in a zeroed `vec!` and a look at neighbours.
#[no_mangle]
pub fn grown(x: &[f64]) -> f64 {
    let mut v = Vec::new();
    for a in x {
        v.push(a.sin() * a);
    }
    let mut c = vec![0.0; v.len() + 1];
    for i in 0..v.len() {
        c[i + 1] = c[i] + v[i];
    }
    c.windows(2).map(|p| p[0] * p[1]).sum::<f64>() + c.iter().rev().step_by(2).sum::<f64>()
}

/// Sorting a copy (std's sort, through a comparison closure), then a
/// weighted sum by rank.
#[no_mangle]
pub fn ranked(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v.iter()
        .enumerate()
        .map(|(i, a)| (i + 1) as f64 * a * a)
        .sum()
}

/// Chunks, extend from an iterator, a boxed slice and a fold.
#[no_mangle]
pub fn chunked(x: &[f64]) -> f64 {
    let mut v: Vec<f64> = Vec::with_capacity(2);
    v.extend(x.chunks(2).map(|c| c.iter().product::<f64>()));
    v.extend(x.iter().skip(1).map(|a| a.cos()));
    let b: Box<[f64]> = v.into_boxed_slice();
    b.iter().fold(1.0, |acc, a| acc * 0.5 + a)
}
