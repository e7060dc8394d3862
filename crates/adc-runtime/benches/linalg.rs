//! Each routine's reverse rule against its primal, n = 64, 256, 512, in the
//! same run: the primal is the routine as a user calls it (factorization and
//! outputs), the vjp is the rule given what the tape holds. Writes a markdown
//! table to $ADC_RUNTIME_TABLES for scripts/bench.

use adc_runtime::{eigh, matmul, qr, solve, svd};
use criterion::{BenchmarkId, Criterion};
use faer::Mat;
use std::hint::black_box;

const SIZES: [usize; 3] = [64, 256, 512];
const ROUTINES: [&str; 6] = ["matmul", "eigh", "svd", "qr", "solve", "logdet"];

fn rand_mat(n: usize, seed: u64) -> Mat<f64> {
    let mut s = seed | 1;
    Mat::from_fn(n, n, |_, _| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    })
}

fn bench(c: &mut Criterion) {
    for n in SIZES {
        let mut g = c.benchmark_group(format!("linalg/{n}"));
        g.sample_size(10);
        g.warm_up_time(std::time::Duration::from_millis(500));
        g.measurement_time(std::time::Duration::from_secs(2));
        let a = rand_mat(n, 1);
        let b = rand_mat(n, 2);
        let bar = rand_mat(n, 3);
        let e_bar: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();

        g.bench_function(BenchmarkId::new("matmul", "primal"), |x| {
            x.iter(|| matmul::primal(black_box(a.as_ref()), b.as_ref()))
        });
        g.bench_function(BenchmarkId::new("matmul", "vjp"), |x| {
            x.iter(|| matmul::vjp(black_box(a.as_ref()), b.as_ref(), bar.as_ref()))
        });

        g.bench_function(BenchmarkId::new("eigh", "primal"), |x| {
            x.iter(|| eigh::primal(black_box(a.as_ref())))
        });
        let d = eigh::primal(a.as_ref()).unwrap();
        g.bench_function(BenchmarkId::new("eigh", "vjp"), |x| {
            x.iter(|| eigh::vjp(&d, Some(&e_bar), Some(black_box(bar.as_ref())), 0.0))
        });

        g.bench_function(BenchmarkId::new("svd", "primal"), |x| {
            x.iter(|| svd::primal(black_box(a.as_ref())))
        });
        let d = svd::primal(a.as_ref()).unwrap();
        g.bench_function(BenchmarkId::new("svd", "vjp"), |x| {
            x.iter(|| {
                svd::vjp(
                    &d,
                    Some(black_box(bar.as_ref())),
                    Some(&e_bar),
                    Some(b.as_ref()),
                    0.0,
                )
            })
        });

        g.bench_function(BenchmarkId::new("qr", "primal"), |x| {
            x.iter(|| qr::primal(black_box(a.as_ref())))
        });
        let d = qr::primal(a.as_ref());
        g.bench_function(BenchmarkId::new("qr", "vjp"), |x| {
            x.iter(|| {
                qr::vjp(
                    &d,
                    a.as_ref(),
                    Some(black_box(bar.as_ref())),
                    Some(b.as_ref()),
                )
            })
        });

        g.bench_function(BenchmarkId::new("solve", "primal"), |x| {
            x.iter(|| {
                let f = solve::factor(black_box(a.as_ref()));
                solve::solve(&f, b.as_ref())
            })
        });
        let f = solve::factor(a.as_ref());
        let xs = solve::solve(&f, b.as_ref());
        g.bench_function(BenchmarkId::new("solve", "vjp"), |x| {
            x.iter(|| solve::solve_vjp(&f, xs.as_ref(), black_box(bar.as_ref())))
        });

        g.bench_function(BenchmarkId::new("logdet", "primal"), |x| {
            x.iter(|| solve::logdet(&solve::factor(black_box(a.as_ref()))))
        });
        g.bench_function(BenchmarkId::new("logdet", "vjp"), |x| {
            x.iter(|| solve::logdet_vjp(&f, black_box(1.0)))
        });
        g.finish();
    }
}

fn mean_ns(path: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").to_string());
    let p = format!("{dir}/criterion/{path}/new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut md = String::from(
        "| routine | n | primal (ms) | vjp (ms) | vjp / primal |\n|---|---:|---:|---:|---:|\n",
    );
    println!(
        "\n{:<8} {:>5} {:>12} {:>12} {:>8}",
        "routine", "n", "primal ms", "vjp ms", "ratio"
    );
    for r in ROUTINES {
        for n in SIZES {
            let (Some(p), Some(v)) = (
                mean_ns(&format!("linalg_{n}/{r}/primal")),
                mean_ns(&format!("linalg_{n}/{r}/vjp")),
            ) else {
                continue;
            };
            println!(
                "{r:<8} {n:>5} {:>12.3} {:>12.3} {:>7.2}x",
                p / 1e6,
                v / 1e6,
                v / p
            );
            md.push_str(&format!(
                "| {r} | {n} | {:.3} | {:.3} | {:.2}x |\n",
                p / 1e6,
                v / 1e6,
                v / p
            ));
        }
    }
    if let Ok(path) = std::env::var("ADC_RUNTIME_TABLES") {
        std::fs::write(&path, md).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}
