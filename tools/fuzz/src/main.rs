//! `adc-fuzz`: run the differential fuzzer (see the library's docs).
//!
//!     cargo run --release -p adc-fuzz -- --count 2000 --jobs 2 --keep fuzz-out

use adc_fuzz::{campaign, run::Tools, Plan};
use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    about = "Random C and Rust programs differentiated by adc in both modes, checked against each other and finite differences"
)]
struct Args {
    /// First seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of programs.
    #[arg(long, default_value_t = 200)]
    count: u64,
    /// Stop starting programs after this many seconds.
    #[arg(long)]
    time: Option<u64>,
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// The adc binary (default: target/release/adc).
    #[arg(long)]
    adc: Option<PathBuf>,
    /// Keep each defect's program and verdict here.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Print the program of --seed and stop.
    #[arg(long)]
    show: bool,
}

fn main() {
    let a = Args::parse();
    if a.show {
        let lang = adc_fuzz::run::lang_of(a.seed);
        print!("{}", adc_fuzz::gen::program_in(a.seed, lang).source);
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let llvm = std::env::var_os("ADC_LLVM_PREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".toolchain/llvm"));
    let tools = Tools {
        adc: a.adc.unwrap_or_else(|| root.join("target/release/adc")),
        clang: llvm.join("bin/clang-23"),
        cc: "cc".into(),
        rustc: "rustc".into(),
    };
    let plan = Plan {
        first_seed: a.seed,
        count: a.count,
        time_limit: a.time.map(Duration::from_secs),
        jobs: a.jobs,
        keep: a.keep,
    };
    let s = campaign(&tools, &plan);
    print!("{}", s.report());
    std::process::exit(if s.defects.is_empty() { 0 } else { 1 });
}
