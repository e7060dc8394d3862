//! Every kernel of `benches/kernels.toml`: the primal and its derivatives
//! (adc forward and reverse, hand-written baselines, finite differences),
//! each case timed in the same run, then one table per kernel and case with
//! the ratio to that primal. `scripts/bench` collects the tables into
//! benches/REPORT.md.

use adc_benches::{Kernel, KERNELS, TAPE_STATS};
use criterion::{BenchmarkId, Criterion};

fn bench(c: &mut Criterion) {
    for k in KERNELS {
        let mut g = c.benchmark_group(k.group);
        g.sample_size(k.samples);
        for case in k.cases {
            for (label, mut f) in (case.setup)() {
                if case.id.is_empty() {
                    g.bench_function(label, |b| b.iter(&mut f));
                } else {
                    g.bench_function(BenchmarkId::new(label, case.id), |b| b.iter(&mut f));
                }
            }
        }
        g.finish();
    }
}

/// Mean time (ns) criterion recorded for `path` (group/function[/input]).
fn mean_ns(path: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_string());
    let p = format!("{dir}/criterion/{path}/new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

/// Print each case's table and append it, as markdown, to `md`.
fn tables(k: &Kernel, md: &mut String) {
    for case in k.cases {
        let Some(p) = mean_ns(&k.path(case, "primal")) else {
            continue;
        };
        let title = format!("{}{}", k.title, case.label);
        println!("\n{title:<50} {:>12} {:>10}", "ns/call", "/ primal");
        md.push_str(&format!(
            "\n### {title}\n\n| | ns per call | ratio to primal |\n|---|---:|---:|\n"
        ));
        for (label, _) in (case.setup)() {
            if let Some(t) = mean_ns(&k.path(case, label)) {
                println!("  {label:<48} {t:>12.1} {:>9.2}x", t / p);
                md.push_str(&format!("| {label} | {t:.1} | {:.2}x |\n", t / p));
            }
        }
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --benches` runs each once without measuring
    }
    let mut md = String::new();
    for k in KERNELS {
        tables(k, &mut md);
    }
    println!("\ntape bytes per block execution (adc --stats):");
    md.push_str("\n### Tape layout (bytes pushed per execution of each taping block)\n\n| function | bytes |\n|---|---:|\n");
    for line in TAPE_STATS.lines() {
        println!("  {line}");
        if let Some((f, b)) = line.split_once(' ') {
            md.push_str(&format!("| {f} | {b} |\n"));
        }
    }
    if let Ok(path) = std::env::var("ADC_REPORT_TABLES") {
        std::fs::write(&path, md).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}
