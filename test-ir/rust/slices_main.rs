//! Driver for slices.rs: calls adc's derivatives of Rust-ABI functions over
//! slices and vectors (linked in from adc's object) and compares every
//! reverse-mode gradient entry and forward-mode directional derivative with
//! a 4th-order central difference of the primal. Exit status 1 on a
//! mismatch.

extern "Rust" {
    fn slice_dot(x: &[f64], y: &[f64]) -> f64;
    fn slice_scale(x: &mut [f64], k: f64) -> f64;
    fn vec_energy(v: &Vec<f64>) -> f64;
    fn vec_collect(x: &[f64]) -> f64;
    fn vec_update(v: &mut Vec<f64>, k: f64) -> f64;
    fn rust_realloc_grow(x: &[f64]) -> f64;
    fn vec_push(x: &[f64]) -> f64;
    fn vec_extend(v: &mut Vec<f64>, x: &[f64]) -> f64;
    fn sorted_weights(x: &[f64]) -> f64;
    fn nested_vecs(x: &[f64]) -> f64;
    fn poly_struct(x: &[f64]) -> f64;
    fn logsumexp(x: &[f64]) -> f64;
    fn boxed(x: &[f64]) -> f64;
    fn extend_push(x: &[f64]) -> f64;
    fn chunks_sum(x: &[f64]) -> f64;
    fn retain_filter(x: &[f64]) -> f64;
    fn max_by(x: &[f64]) -> f64;
    fn reread_work(x: &[f64]) -> f64;
}

// adc's signatures: each slice's pointer is followed by its shadow, then the
// length; a &Vec by the shadow vector; the seed last; active scalars'
// adjoints returned. Forward mode: shadows carry tangents, the scalar's
// tangent follows it, the result's tangent is returned.
extern "C" {
    fn slice_dot_grad(x: *const f64, dx: *mut f64, n: usize, y: *const f64, dy: *mut f64, m: usize, d: f64);
    fn slice_dot_fwd(x: *const f64, tx: *const f64, n: usize, y: *const f64, ty: *const f64, m: usize) -> f64;
    fn slice_scale_grad(x: *mut f64, dx: *mut f64, n: usize, k: f64, d: f64) -> f64;
    fn slice_scale_fwd(x: *mut f64, tx: *mut f64, n: usize, k: f64, tk: f64) -> f64;
    fn vec_energy_grad(v: *const Vec<f64>, dv: *mut Vec<f64>, d: f64);
    fn vec_energy_fwd(v: *const Vec<f64>, tv: *const Vec<f64>) -> f64;
    fn vec_collect_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn vec_collect_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn vec_update_grad(v: *mut Vec<f64>, dv: *mut Vec<f64>, k: f64, d: f64) -> f64;
    fn vec_update_fwd(v: *mut Vec<f64>, tv: *mut Vec<f64>, k: f64, tk: f64) -> f64;
    fn rust_realloc_grow_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn rust_realloc_grow_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn vec_push_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn vec_push_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn vec_extend_grad(v: *mut Vec<f64>, dv: *mut Vec<f64>, x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn vec_extend_fwd(v: *mut Vec<f64>, tv: *mut Vec<f64>, x: *const f64, tx: *const f64, n: usize) -> f64;
    fn sorted_weights_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn sorted_weights_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn nested_vecs_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn nested_vecs_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn poly_struct_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn poly_struct_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn logsumexp_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn logsumexp_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn boxed_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn boxed_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn extend_push_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn extend_push_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn chunks_sum_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn chunks_sum_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn retain_filter_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn retain_filter_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn max_by_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn max_by_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
    fn reread_work_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn reread_work_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
}

/// A Rust-ABI `fn(&[f64]) -> f64` with adc's gradient and tangent.
type SliceFn = (
    &'static str,
    unsafe fn(&[f64]) -> f64,
    unsafe extern "C" fn(*const f64, *mut f64, usize, f64),
    unsafe extern "C" fn(*const f64, *const f64, usize) -> f64,
);

/// d/dh f(x + h e) at h = 0, 4th order.
fn fd(f: &dyn Fn(&[f64]) -> f64, x: &[f64], e: &[f64]) -> f64 {
    let h = 1e-4;
    let at = |s: f64| f(&x.iter().zip(e).map(|(a, b)| a + s * h * b).collect::<Vec<_>>());
    (at(-2.0) / 12.0 - 2.0 * at(-1.0) / 3.0 + 2.0 * at(1.0) / 3.0 - at(2.0) / 12.0) / h
}

struct Check {
    count: usize,
    worst: f64,
}

impl Check {
    fn see(&mut self, what: &str, got: f64, want: f64) {
        let err = (got - want).abs() / want.abs().max(1.0);
        self.count += 1;
        if err > self.worst {
            self.worst = err;
        }
        if !(err <= 1e-6) {
            println!("{what}: adc {got:.12e}, finite difference {want:.12e}");
        }
    }

    /// `f` of all inputs (flattened); `grad` its gradient; `tangent` the
    /// derivative along a direction.
    fn function(
        &mut self,
        name: &str,
        x: &[f64],
        f: &dyn Fn(&[f64]) -> f64,
        grad: &dyn Fn(&[f64]) -> Vec<f64>,
        tangent: &dyn Fn(&[f64], &[f64]) -> f64,
    ) {
        let g = grad(x);
        for i in 0..x.len() {
            let mut e = vec![0.0; x.len()];
            e[i] = 1.0;
            self.see(&format!("{name} reverse d/dx{i}"), g[i], fd(f, x, &e));
        }
        let dir: Vec<f64> = (0..x.len()).map(|i| ((i * 7 + 3) % 5) as f64 * 0.3 - 0.6).collect();
        self.see(&format!("{name} forward"), tangent(x, &dir), fd(f, x, &dir));
    }
}

fn main() {
    let n = 7;
    let base: Vec<f64> = (0..2 * n).map(|i| ((i * 37 % 11) as f64) * 0.17 - 0.8).collect();
    let mut c = Check { count: 0, worst: 0.0 };
    unsafe {
        // slice_dot(x, y): inputs x ++ y.
        c.function(
            "slice_dot",
            &base,
            &|z| slice_dot(&z[..n], &z[n..]),
            &|z| {
                let mut d = vec![0.0; 2 * n];
                let (dx, dy) = d.split_at_mut(n);
                slice_dot_grad(z.as_ptr(), dx.as_mut_ptr(), n, z[n..].as_ptr(), dy.as_mut_ptr(), n, 1.0);
                d
            },
            &|z, t| slice_dot_fwd(z.as_ptr(), t.as_ptr(), n, z[n..].as_ptr(), t[n..].as_ptr(), n),
        );
        // slice_scale(x, k): inputs x ++ [k]; x is overwritten, so copy.
        let xk: Vec<f64> = base[..n + 1].to_vec();
        c.function(
            "slice_scale",
            &xk,
            &|z| slice_scale(&mut z[..n].to_vec(), z[n]),
            &|z| {
                let (mut x, mut d) = (z[..n].to_vec(), vec![0.0; n + 1]);
                d[n] = slice_scale_grad(x.as_mut_ptr(), d.as_mut_ptr(), n, z[n], 1.0);
                d
            },
            &|z, t| {
                let (mut x, mut tx) = (z[..n].to_vec(), t[..n].to_vec());
                slice_scale_fwd(x.as_mut_ptr(), tx.as_mut_ptr(), n, z[n], t[n])
            },
        );
        c.function(
            "vec_energy",
            &base[..n],
            &|z| vec_energy(&z.to_vec()),
            &|z| {
                let (v, mut dv) = (z.to_vec(), vec![0.0; n]);
                vec_energy_grad(&v, &mut dv, 1.0);
                dv
            },
            &|z, t| vec_energy_fwd(&z.to_vec(), &t.to_vec()),
        );
        c.function(
            "vec_collect",
            &base[..n],
            &|z| vec_collect(z),
            &|z| {
                let mut d = vec![0.0; n];
                vec_collect_grad(z.as_ptr(), d.as_mut_ptr(), n, 1.0);
                d
            },
            &|z, t| vec_collect_fwd(z.as_ptr(), t.as_ptr(), n),
        );
        let vk: Vec<f64> = base[n - 1..].to_vec();
        c.function(
            "vec_update",
            &vk,
            &|z| vec_update(&mut z[..n].to_vec(), z[n]),
            &|z| {
                let (mut v, mut dv) = (z[..n].to_vec(), vec![0.0; n]);
                let dk = vec_update_grad(&mut v, &mut dv, z[n], 1.0);
                dv.push(dk);
                dv
            },
            &|z, t| {
                let (mut v, mut tv) = (z[..n].to_vec(), t[..n].to_vec());
                vec_update_fwd(&mut v, &mut tv, z[n], t[n])
            },
        );
        c.function(
            "rust_realloc_grow",
            &base[..n],
            &|z| rust_realloc_grow(z),
            &|z| {
                let mut d = vec![0.0; n];
                rust_realloc_grow_grad(z.as_ptr(), d.as_mut_ptr(), n, 1.0);
                d
            },
            &|z, t| rust_realloc_grow_fwd(z.as_ptr(), t.as_ptr(), n),
        );
        // 2n elements: the vector grows from 0 through capacities 4, 8, 16.
        c.function(
            "vec_push",
            &base,
            &|z| vec_push(z),
            &|z| {
                let mut d = vec![0.0; 2 * n];
                vec_push_grad(z.as_ptr(), d.as_mut_ptr(), 2 * n, 1.0);
                d
            },
            &|z, t| vec_push_fwd(z.as_ptr(), t.as_ptr(), 2 * n),
        );
        // vec_extend(v, x): inputs v ++ x, v of 3 (capacity 3) grown by n;
        // the shadow vector has the same capacity.
        let m = 3;
        c.function(
            "vec_extend",
            &base[..m + n],
            &|z| vec_extend(&mut z[..m].to_vec(), &z[m..]),
            &|z| {
                let (mut v, mut dv, mut dx) = (z[..m].to_vec(), vec![0.0; m], vec![0.0; n]);
                vec_extend_grad(&mut v, &mut dv, z[m..].as_ptr(), dx.as_mut_ptr(), n, 1.0);
                assert_eq!((dv.len(), dv.capacity()), (m, m), "the shadow vector is the caller's again");
                dv.extend(dx);
                dv
            },
            &|z, t| {
                let (mut v, mut tv) = (z[..m].to_vec(), t[..m].to_vec());
                let r = vec_extend_fwd(&mut v, &mut tv, z[m..].as_ptr(), t[m..].as_ptr(), n);
                // adc grew the tangent buffer with v's, but only v's length
                // and capacity fields were written: take them for tv.
                let mut tv = std::mem::ManuallyDrop::new(tv);
                let tv = Vec::from_raw_parts(tv.as_mut_ptr(), v.len(), v.capacity());
                assert!(tv.iter().all(|a| a.is_finite()));
                r
            },
        );
        let idioms: [SliceFn; 9] = [
            ("nested_vecs", nested_vecs, nested_vecs_grad, nested_vecs_fwd),
            ("poly_struct", poly_struct, poly_struct_grad, poly_struct_fwd),
            ("logsumexp", logsumexp, logsumexp_grad, logsumexp_fwd),
            ("boxed", boxed, boxed_grad, boxed_fwd),
            ("extend_push", extend_push, extend_push_grad, extend_push_fwd),
            ("chunks_sum", chunks_sum, chunks_sum_grad, chunks_sum_fwd),
            ("retain_filter", retain_filter, retain_filter_grad, retain_filter_fwd),
            ("max_by", max_by, max_by_grad, max_by_fwd),
            ("reread_work", reread_work, reread_work_grad, reread_work_fwd),
        ];
        for (name, f, grad, tangent) in idioms {
            c.function(
                name,
                &base[..n],
                &|z| f(z),
                &|z| {
                    let mut d = vec![0.0; n];
                    grad(z.as_ptr(), d.as_mut_ptr(), n, 1.0);
                    d
                },
                &|z, t| tangent(z.as_ptr(), t.as_ptr(), n),
            );
        }
        // Sorting 100 distinct values takes std's merging paths (up to 20
        // it is an insertion sort).
        let many: Vec<f64> = (0..100).map(|i| ((i * 7919 % 1013) as f64) * 0.0017 - 0.8).collect();
        let m = many.len();
        c.function(
            "sorted_weights",
            &many,
            &|z| sorted_weights(z),
            &|z| {
                let mut d = vec![0.0; m];
                sorted_weights_grad(z.as_ptr(), d.as_mut_ptr(), m, 1.0);
                d
            },
            &|z, t| sorted_weights_fwd(z.as_ptr(), t.as_ptr(), m),
        );
    }
    println!("rust slices and vectors: {} derivatives checked, worst relative error {:.2e}", c.count, c.worst);
    std::process::exit(if c.worst <= 1e-6 { 0 } else { 1 });
}
