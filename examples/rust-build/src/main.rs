//! Fit the decay curve to samples of a known one and print the result.
use adc_example_fit::{data, fit};

fn main() {
    let truth = [2.0, 1.3, 0.5];
    let (x, y) = data(truth, 200);
    let (p, l) = fit([1.0, 0.5, 0.0], &x, &y, 3000);
    println!(
        "fitted a = {:.4}, b = {:.4}, c = {:.4} (truth {truth:?}); loss {l:.3e}",
        p[0], p[1], p[2]
    );
    let close = p.iter().zip(truth).all(|(a, b)| (a - b).abs() < 0.02);
    if !close {
        eprintln!("the fit did not converge to the truth");
        std::process::exit(1);
    }
}
