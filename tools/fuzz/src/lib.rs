//! adc's differential fuzzer. [`gen`] writes random C and Rust programs of the
//! constructs numeric code is made of; [`run`] compiles one with clang or rustc,
//! differentiates it with `adc grad` in both modes and judges the
//! derivatives against each other and against finite differences;
//! [`campaign`] runs many, in parallel, within a time limit.
//!
//! Every defect it finds (a wrong derivative, a crash, an internal error)
//! becomes a regression test of its own in the project's suite.

pub mod gen;
pub mod run;

use run::{Case, Tools, Verdict};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub first_seed: u64,
    pub count: u64,
    /// Stop starting cases after this long.
    pub time_limit: Option<Duration>,
    pub jobs: usize,
    /// Where to keep the source and verdict of each defect.
    pub keep: Option<PathBuf>,
}

/// Counts by verdict, and the defects and refusals found.
#[derive(Default, Debug)]
pub struct Summary {
    pub counts: BTreeMap<&'static str, usize>,
    pub untrusted_inputs: usize,
    pub defects: Vec<(u64, &'static str, Verdict)>,
    pub refusals: BTreeMap<String, usize>,
    pub by_level: BTreeMap<&'static str, usize>,
    pub elapsed: Duration,
}

impl Summary {
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }
    fn add(&mut self, c: &Case) {
        *self.counts.entry(c.verdict.name()).or_default() += 1;
        *self.by_level.entry(c.opt).or_default() += 1;
        match &c.verdict {
            Verdict::Pass { untrusted } => self.untrusted_inputs += untrusted,
            Verdict::Refused(why) => *self.refusals.entry(why.clone()).or_default() += 1,
            v if v.is_defect() || matches!(v, Verdict::Generator(_)) => {
                self.defects.push((c.seed, c.opt, v.clone()))
            }
            _ => {}
        }
    }
    /// A table for people.
    pub fn report(&self) -> String {
        let mut s = format!(
            "{} programs in {:.0} s:",
            self.total(),
            self.elapsed.as_secs_f64()
        );
        for (k, n) in &self.counts {
            s.push_str(&format!(" {k} {n},"));
        }
        s.pop();
        s.push_str(&format!(
            "\n  by level: {:?}\n  inputs whose finite difference could not be trusted (skipped): {}\n",
            self.by_level, self.untrusted_inputs
        ));
        for (why, n) in &self.refusals {
            s.push_str(&format!("  refused x{n}: {why}\n"));
        }
        for (seed, opt, v) in &self.defects {
            s.push_str(&format!("  seed {seed} ({opt}): {} {v:?}\n", v.name()));
        }
        s
    }
}

/// Run the cases of `plan`, `jobs` at a time.
pub fn campaign(tools: &Tools, plan: &Plan) -> Summary {
    let start = Instant::now();
    let next = AtomicU64::new(plan.first_seed);
    let end = plan.first_seed + plan.count;
    let summary = Mutex::new(Summary::default());
    std::thread::scope(|scope| {
        for _ in 0..plan.jobs.max(1) {
            scope.spawn(|| loop {
                if plan.time_limit.is_some_and(|t| start.elapsed() > t) {
                    break;
                }
                let seed = next.fetch_add(1, Ordering::SeqCst);
                if seed >= end {
                    break;
                }
                let Ok(dir) = tempfile::tempdir() else { break };
                let c = run::case(tools, seed, dir.path());
                if let (Some(keep), true) = (&plan.keep, c.verdict.is_defect()) {
                    let _ = std::fs::create_dir_all(keep);
                    let ext = if c.opt.starts_with("rust") { "rs" } else { "c" };
                    let _ = std::fs::write(keep.join(format!("seed{seed}.{ext}")), &c.source);
                    let _ = std::fs::write(
                        keep.join(format!("seed{seed}.txt")),
                        format!("{} {:?}\n", c.opt, c.verdict),
                    );
                }
                summary.lock().expect("summary").add(&c);
            });
        }
    });
    let mut s = summary.into_inner().expect("summary");
    s.defects.sort_by_key(|d| d.0);
    s.elapsed = start.elapsed();
    s
}
