//! The gradient adc generated in the build script, against central
//! differences and the closed form, in both profiles; and the fit.
use adc_example_fit::{data, derivatives, fit, loss_and_gradient, model, penalty_and_gradient};

#[test]
fn gradient_matches_the_closed_form_and_differences() {
    let (x, y) = data([2.0, 1.3, 0.5], 50);
    let p = [1.7, 0.9, 0.2];
    let (_, g) = loss_and_gradient(&p, &x, &y);
    // d/dp of mean((a e^{-bx} + c - y)^2).
    let mut closed = [0.0; 3];
    for (xi, yi) in x.iter().zip(&y) {
        let e = (-p[1] * xi).exp();
        let r = p[0] * e + p[2] - yi;
        closed[0] += 2.0 * r * e;
        closed[1] += 2.0 * r * -p[0] * xi * e;
        closed[2] += 2.0 * r;
    }
    for k in 0..3 {
        closed[k] /= x.len() as f64;
        let h = 1e-5;
        let (mut up, mut down) = (p, p);
        up[k] += h;
        down[k] -= h;
        let fd = (model::loss(&up, &x, &y) - model::loss(&down, &x, &y)) / (2.0 * h);
        assert!(
            (g[k] - closed[k]).abs() <= 1e-12 * closed[k].abs().max(1.0),
            "{k}: {} vs {}",
            g[k],
            closed[k]
        );
        assert!(
            (g[k] - fd).abs() <= 1e-6 * fd.abs().max(1.0),
            "{k}: {} vs {fd}",
            g[k]
        );
    }
}

#[test]
fn tangent_is_the_directional_derivative() {
    let (x, y) = data([2.0, 1.3, 0.5], 50);
    let p = [1.7, 0.9, 0.2];
    let dir = [0.3, -0.2, 0.5];
    let t = derivatives::loss_fwd(&p, &dir, &x, &y);
    let (_, g) = loss_and_gradient(&p, &x, &y);
    let dot: f64 = g.iter().zip(dir).map(|(a, b)| a * b).sum();
    assert!(
        (t - dot).abs() <= 1e-12 * dot.abs().max(1.0),
        "{t} vs {dot}"
    );
}

#[test]
fn shadow_of_another_length_is_refused() {
    let (x, y) = data([2.0, 1.3, 0.5], 10);
    let mut short = vec![0.0; 2];
    let r = std::panic::catch_unwind(move || {
        derivatives::loss_grad(&[1.0, 1.0, 0.0], &mut short, &x, &y, 1.0)
    });
    assert!(r.is_err());
}

#[test]
fn fit_recovers_the_parameters() {
    let truth = [2.0, 1.3, 0.5];
    let (x, y) = data(truth, 200);
    let (p, l) = fit([1.0, 0.5, 0.0], &x, &y, 3000);
    assert!(l < 1e-4, "loss {l}");
    for k in 0..3 {
        assert!((p[k] - truth[k]).abs() < 0.02, "{p:?}");
    }
}

#[test]
fn c_penalty_gradient_matches_differences() {
    let p: Vec<f64> = (0..9).map(|i| (0.7 * i as f64).sin() * 2.0 + 1.0).collect();
    let (v, g) = penalty_and_gradient(&p);
    let penalty = |q: &[f64]| penalty_and_gradient(q).0;
    assert!(v.is_finite());
    for k in 0..p.len() {
        let h = 1e-6;
        let (mut up, mut down) = (p.clone(), p.clone());
        up[k] += h;
        down[k] -= h;
        let fd = (penalty(&up) - penalty(&down)) / (2.0 * h);
        assert!(
            (g[k] - fd).abs() <= 1e-6 * fd.abs().max(1.0),
            "{k}: {} vs {fd}",
            g[k]
        );
    }
}
