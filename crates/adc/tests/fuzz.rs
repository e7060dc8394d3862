//! The differential fuzzer's fixed-seed run (tools/fuzz): random C and Rust
//! programs at -O0 to -O3, differentiated by this adc in both modes, must give no
//! wrong derivative, crash or internal error. At most 60 s; the long run is
//! `scripts/fuzz`.

mod common;

use adc_fuzz::{campaign, run::Tools, Plan};
use std::time::Duration;

#[test]
fn fixed_seed_fuzz_run_finds_no_defect() {
    let tools = Tools {
        adc: env!("CARGO_BIN_EXE_adc").into(),
        clang: common::clang(),
        cc: "cc".into(),
        rustc: "rustc".into(),
    };
    let plan = Plan {
        first_seed: 1,
        count: 300,
        time_limit: Some(Duration::from_secs(50)),
        jobs: 2,
        keep: None,
    };
    let s = campaign(&tools, &plan);
    println!("{}", s.report());
    assert!(s.total() >= 40, "too few programs ran:\n{}", s.report());
    assert!(s.defects.is_empty(), "{}", s.report());
    assert!(
        s.counts.get("pass").copied().unwrap_or(0) * 10 >= s.total() * 9,
        "{}",
        s.report()
    );
}
