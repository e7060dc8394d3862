//! poor_besselj(2, z): primal, adc forward derivative, manual derivative and
//! a 5-point central difference, with ratios to the primal of the same run.

use adc_benches::*;
use criterion::{criterion_group, Criterion};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("besselj");
    let z = 0.5;
    g.bench_function("primal", |b| {
        b.iter(|| unsafe { poor_besselj(2, black_box(z)) })
    });
    g.bench_function("forward", |b| {
        b.iter(|| unsafe { poor_besselj_fwd(2, black_box(z), 1.0) })
    });
    g.bench_function("manual", |b| b.iter(|| besselj_manual(2, black_box(z))));
    g.bench_function("fd5", |b| b.iter(|| besselj_fd5(2, black_box(z))));
    g.finish();
}

criterion_group!(benches, bench);

/// Mean time (ns) criterion recorded for `group/name` in this run.
fn mean_ns(group: &str, name: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_string());
    let p = format!("{dir}/criterion/{group}/{name}/new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let Some(primal) = mean_ns("besselj", "primal") else {
        return; // e.g. `cargo test --benches` runs each once without measuring
    };
    println!("\npoor_besselj(2, 0.5)        ns/call   ratio to primal");
    for name in ["primal", "forward", "manual", "fd5"] {
        if let Some(t) = mean_ns("besselj", name) {
            println!("  {name:<24} {t:>8.2}   {:>6.2}x", t / primal);
        }
    }
}
