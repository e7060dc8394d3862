//! Primal against derivatives, with ratios measured in the same run:
//! - poor_besselj(2, 0.5): forward, reverse, manual formula, 5-point FD;
//! - sum_i sin(x_i) x_{i+1} for n = 10^3, 10^4, 10^6: adc's reverse-mode
//!   gradient and a hand-written adjoint.

use adc_benches::*;
use criterion::{criterion_group, BenchmarkId, Criterion};
use std::hint::black_box;

const SIZES: [usize; 3] = [1_000, 10_000, 1_000_000];

fn besselj(c: &mut Criterion) {
    let mut g = c.benchmark_group("besselj");
    let z = 0.5;
    let st = adc_fd::Stencil::central(5, 1).expect("stencil");
    g.bench_function("primal", |b| {
        b.iter(|| unsafe { poor_besselj(2, black_box(z)) })
    });
    g.bench_function("forward", |b| {
        b.iter(|| unsafe { poor_besselj_fwd(2, black_box(z), 1.0) })
    });
    g.bench_function("reverse", |b| {
        b.iter(|| unsafe { poor_besselj_grad(2, black_box(z), 1.0) })
    });
    g.bench_function("manual", |b| b.iter(|| besselj_manual(2, black_box(z))));
    g.bench_function("fd5", |b| b.iter(|| besselj_fd5(st, 2, black_box(z))));
    g.finish();
}

fn sin_loop(c: &mut Criterion) {
    let mut g = c.benchmark_group("sin_dot");
    for n in SIZES {
        if n >= 1_000_000 {
            g.sample_size(20);
        }
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut dx = vec![0.0; n];
        g.bench_with_input(BenchmarkId::new("primal", n), &n, |b, &n| {
            b.iter(|| unsafe { sin_dot(black_box(x.as_ptr()), n as i32) })
        });
        g.bench_with_input(BenchmarkId::new("reverse", n), &n, |b, &n| {
            b.iter(|| unsafe {
                sin_dot_grad(black_box(x.as_ptr()), dx.as_mut_ptr(), n as i32, 1.0)
            })
        });
        g.bench_with_input(BenchmarkId::new("manual", n), &n, |b, &n| {
            b.iter(|| unsafe {
                sin_dot_manual_grad(black_box(x.as_ptr()), dx.as_mut_ptr(), n as i32, 1.0)
            })
        });
    }
    g.finish();
}

/// The ADBench GMM objective at d = 10, K = 25, n = 1000.
fn gmm(c: &mut Criterion) {
    let (d, k, n) = (10usize, 25usize, 1000usize);
    let icf_sz = d * (d + 1) / 2;
    let mut state = 0x2545F4914F6CDD1Du64;
    let mut rnd = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let alphas: Vec<f64> = (0..k).map(|_| rnd()).collect();
    let means: Vec<f64> = (0..k * d).map(|_| rnd()).collect();
    let icf: Vec<f64> = (0..k * icf_sz).map(|_| 0.2 * rnd()).collect();
    let x: Vec<f64> = (0..n * d).map(|_| rnd()).collect();
    let (mut da, mut dm, mut di) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * icf_sz]);
    let (d, k, n) = (d as i32, k as i32, n as i32);
    let mut g = c.benchmark_group("gmm");
    g.sample_size(30);
    g.bench_function("primal", |b| {
        b.iter(|| unsafe {
            gmm_objective(
                d,
                k,
                n,
                alphas.as_ptr(),
                means.as_ptr(),
                black_box(icf.as_ptr()),
                x.as_ptr(),
                1.0,
                0,
            )
        })
    });
    g.bench_function("reverse", |b| {
        b.iter(|| unsafe {
            gmm_objective_grad(
                d,
                k,
                n,
                alphas.as_ptr(),
                da.as_mut_ptr(),
                means.as_ptr(),
                dm.as_mut_ptr(),
                black_box(icf.as_ptr()),
                di.as_mut_ptr(),
                x.as_ptr(),
                1.0,
                0,
                1.0,
            )
        })
    });
    g.finish();
}

/// Dot product (n = 10^4) and ||A x||^2 (n = 300): gradients in both inputs.
fn dense(c: &mut Criterion) {
    let mut g = c.benchmark_group("dense");
    let n = 10_000usize;
    let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
    let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
    let (mut da, mut db) = (vec![0.0; n], vec![0.0; n]);
    g.bench_function("dot primal", |bn| {
        bn.iter(|| unsafe { dot_product(black_box(a.as_ptr()), b.as_ptr(), n as i32) })
    });
    g.bench_function("dot reverse", |bn| {
        bn.iter(|| unsafe {
            dot_product_grad(
                black_box(a.as_ptr()),
                da.as_mut_ptr(),
                b.as_ptr(),
                db.as_mut_ptr(),
                n as i32,
                1.0,
            )
        })
    });
    let m = 300usize;
    let big: Vec<f64> = (0..m * m).map(|i| (i as f64 * 0.013).sin()).collect();
    let x: Vec<f64> = (0..m).map(|i| (i as f64 * 0.7).cos()).collect();
    let (mut dbig, mut dx) = (vec![0.0; m * m], vec![0.0; m]);
    g.bench_function("matvec primal", |bn| {
        bn.iter(|| unsafe { matvec_loss(black_box(big.as_ptr()), x.as_ptr(), m as i32) })
    });
    g.bench_function("matvec reverse", |bn| {
        bn.iter(|| unsafe {
            matvec_loss_grad(
                black_box(big.as_ptr()),
                dbig.as_mut_ptr(),
                x.as_ptr(),
                dx.as_mut_ptr(),
                m as i32,
                1.0,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, besselj, sin_loop, gmm, dense);

/// Mean time (ns) criterion recorded for `path` (group/function[/input]).
fn mean_ns(path: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_string());
    let p = format!("{dir}/criterion/{path}/new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

/// Print a table and append it, as markdown, to `md`.
fn table(md: &mut String, title: &str, rows: &[(&str, String)], primal: &str) {
    let Some(p) = mean_ns(primal) else { return };
    println!("\n{title:<34} {:>12} {:>10}", "ns/call", "/ primal");
    md.push_str(&format!(
        "\n### {title}\n\n| | ns per call | ratio to primal |\n|---|---:|---:|\n"
    ));
    for (label, path) in rows {
        if let Some(t) = mean_ns(path) {
            println!("  {label:<32} {t:>12.1} {:>9.2}x", t / p);
            md.push_str(&format!("| {label} | {t:.1} | {:.2}x |\n", t / p));
        }
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if mean_ns("besselj/primal").is_none() {
        return; // `cargo test --benches` runs each once without measuring
    }
    let mut md = String::new();
    let rows: Vec<(&str, String)> = ["primal", "forward", "reverse", "manual", "fd5"]
        .iter()
        .map(|r| (*r, format!("besselj/{r}")))
        .collect();
    table(&mut md, "poor_besselj(2, 0.5)", &rows, "besselj/primal");
    for n in SIZES {
        let rows: Vec<(&str, String)> = ["primal", "reverse", "manual"]
            .iter()
            .map(|r| (*r, format!("sin_dot/{r}/{n}")))
            .collect();
        table(
            &mut md,
            &format!("sum sin(x_i) x_(i+1), n = {n}"),
            &rows,
            &format!("sin_dot/primal/{n}"),
        );
    }
    let rows: Vec<(&str, String)> = ["primal", "reverse"]
        .iter()
        .map(|r| (*r, format!("gmm/{r}")))
        .collect();
    table(
        &mut md,
        "GMM objective, d = 10, K = 25, n = 1000",
        &rows,
        "gmm/primal",
    );
    for (title, kernel) in [
        ("dot product, n = 10^4", "dot"),
        ("||A x||^2, n = 300", "matvec"),
    ] {
        let rows = vec![
            ("primal", format!("dense/{kernel} primal")),
            ("reverse", format!("dense/{kernel} reverse")),
        ];
        table(&mut md, title, &rows, &format!("dense/{kernel} primal"));
    }
    println!("\ntape bytes per block execution (adc --stats):");
    md.push_str("\n### Tape layout (bytes pushed per execution of each taping block)\n\n| function | bytes |\n|---|---:|\n");
    for line in TAPE_STATS.lines() {
        println!("  {line}");
        if let Some((f, b)) = line.split_once(' ') {
            md.push_str(&format!("| {f} | {b} |\n"));
        }
    }
    // scripts/bench collects the tables into benches/REPORT.md.
    if let Ok(path) = std::env::var("ADC_REPORT_TABLES") {
        std::fs::write(&path, md).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}
