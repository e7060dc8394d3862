//! Driver for `adc grad --rust`: the bindings adc wrote for checkpoint.rs's
//! `heat_plain`, `orbit_plain` and `settle_plain` (included from the path
//! in ADC_BINDINGS at compile time), called through their safe wrappers,
//! against central differences. Prints "N checks, M failed".

mod adc {
    include!(env!("ADC_BINDINGS"));
}

fn heat(u: &mut [f64], work: &mut [f64], kappa: &[f64], steps: usize) -> f64 {
    let n = u.len();
    for _ in 0..steps {
        for i in 1..n - 1 {
            work[i] = u[i] + kappa[i] * (u[i - 1] - 2.0 * u[i] + u[i + 1]) + 1e-3 * u[i].sin();
        }
        u[1..n - 1].copy_from_slice(&work[1..n - 1]);
    }
    u.iter().map(|x| x * x).sum()
}

fn orbit(x0: f64, r: f64, steps: u32) -> f64 {
    let (mut x, mut s) = (x0, 0.0);
    for k in 0..steps {
        x = r * x * (1.0 - x) + 1e-3 * (k as f64).cos();
        s = 0.99 * s + x;
    }
    x + s
}

fn central(f: impl Fn(f64) -> f64, h: f64) -> f64 {
    (-f(2.0 * h) + 8.0 * f(h) - 8.0 * f(-h) + f(-2.0 * h)) / (12.0 * h)
}

fn main() {
    let (mut checks, mut failed) = (0, 0);
    let mut expect = |what: &str, got: f64, want: f64| {
        checks += 1;
        if !((got - want).abs() <= 1e-6 * want.abs().max(1.0)) {
            failed += 1;
            println!("FAIL {what}: {got:e}, expected {want:e}");
        }
    };
    let n = 12;
    let u0: Vec<f64> = (0..n).map(|i| (0.1 * i as f64).sin() + 0.5).collect();
    let k: Vec<f64> = (0..n).map(|i| 0.2 + 0.05 * (0.3 * i as f64).cos()).collect();
    let (mut u, mut w) = (u0.clone(), vec![0.0; n]);
    let (mut du, mut dw, mut dk) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    // Slices and their shadows, usize from the source.
    adc::heat_plain_grad(&mut u, &mut du, &mut w, &mut dw, &k, &mut dk, 30usize, 1.0);
    for i in [1, 5, 10] {
        let fd = central(|e| { let mut u = u0.clone(); u[i] += e; heat(&mut u, &mut vec![0.0; n], &k, 30) }, 1e-4);
        expect("heat du", du[i], fd);
        let fd = central(|e| { let mut k2 = k.clone(); k2[i] += e; heat(&mut u0.clone(), &mut vec![0.0; n], &k2, 30) }, 1e-4);
        expect("heat dkappa", dk[i], fd);
    }
    // Two active floats: a struct of their adjoints, named as in the source.
    let g: adc::OrbitPlainGradAdjoints = adc::orbit_plain_grad(0.3, 2.9, 40u32, 1.0);
    expect("orbit dx0", g.d_x0, central(|e| orbit(0.3 + e, 2.9, 40), 1e-5));
    expect("orbit dr", g.d_r, central(|e| orbit(0.3, 2.9 + e, 40), 1e-5));
    // A shadow of another length is refused before the call.
    let short = std::panic::catch_unwind(|| {
        let (mut u, mut w, mut dw, mut dk) = (vec![0.5; 4], vec![0.0; 4], vec![0.0; 4], vec![0.0; 4]);
        adc::heat_plain_grad(&mut u, &mut vec![0.0; 3], &mut w, &mut dw, &[0.1; 4], &mut dk, 1, 1.0)
    });
    checks += 1;
    if short.is_ok() {
        failed += 1;
        println!("FAIL a short shadow was accepted");
    }
    println!("{checks} checks, {failed} failed");
    std::process::exit(i32::from(failed != 0));
}
