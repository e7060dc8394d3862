//! Driver for rules.rs: the gradient and the tangent of `model`, built by
//! adc with the rules rules.rs registers, against the analytic values
//! (held is a constant: its derivative does not enter). Exit 1 on a
//! mismatch.

extern "C" {
    fn model_grad(x: *const f64, dx: *mut f64, n: usize, d: f64);
    fn model_fwd(x: *const f64, tx: *const f64, n: usize) -> f64;
}

fn main() {
    let x = [0.5, -1.25, 2.0];
    let want = |i: usize| {
        let v: f64 = x[i];
        let d = (v * v + 1.0).powf(-1.5);
        if i == 0 {
            d + x[1] * x[1]
        } else {
            d
        }
    };
    let mut dx = [0.0; 3];
    unsafe { model_grad(x.as_ptr(), dx.as_mut_ptr(), 3, 1.0) };
    let mut bad = 0;
    for i in 0..3 {
        let t = {
            let mut e = [0.0; 3];
            e[i] = 1.0;
            unsafe { model_fwd(x.as_ptr(), e.as_ptr(), 3) }
        };
        for (what, got) in [("reverse", dx[i]), ("forward", t)] {
            if (got - want(i)).abs() > 1e-12 * want(i).abs().max(1.0) {
                println!("{what} d/dx{i}: got {got} want {}", want(i));
                bad += 1;
            }
        }
    }
    println!("6 derivatives checked, {bad} wrong");
    std::process::exit((bad != 0) as i32);
}
