//! Checkpointed reverse mode (`--checkpoint`): time-stepping loops from C
//! and Rust, reversed by the binomial schedule, against the plain gradient
//! of the same code (to 1e-12, and the primal's results exactly) and
//! central differences; valgrind on the snapshots; the loops it refuses.

mod common;

use common::{adc, bitcode, grad_into as grad, root, run_ok as run, rust_driver, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;

fn c_driver(dir: &Path, objects: &[&Path], name: &str) -> PathBuf {
    let exe = dir.join(name);
    let o = Command::new("cc")
        .arg(root().join("test-ir/c/checkpoint_main.c"))
        .args(objects)
        .args(["-O2", "-lm", "-pthread", "-o"])
        .arg(&exe)
        .output()
        .unwrap();
    assert!(o.status.success(), "cc: {}", stderr(&o));
    exe
}

const C_FUNCTIONS: [&str; 5] = ["heat", "oscillator", "two_phase", "relax", "until_stop"];

fn c_targets(suffix: &str) -> Vec<String> {
    C_FUNCTIONS
        .iter()
        .flat_map(|f| ["-f".to_string(), format!("{f}{suffix}")])
        .collect()
}

/// The heat equation (its state in memory, an inner loop with its own
/// tape), an oscillator (its state in registers), a function with two
/// checkpointed loops, one of which reads memory a later loop writes, and
/// two loops checkpointed online (a while loop, a loop with a break):
/// with 1 to 16 snapshots and the run-time default, each T up to 10^4,
/// from clang -O2 and -O0 input, with and without adc's cleanup.
#[test]
fn checkpointed_c_loops_equal_the_plain_gradient() {
    let dir = tempfile::tempdir().unwrap();
    let plain_bc = bitcode("c", "checkpoint.c", "-DSUFFIX=_plain");
    let targets = c_targets("_plain");
    let args: Vec<&str> = targets.iter().map(String::as_str).collect();
    let plain = grad(dir.path(), &plain_bc, &args, "plain.o");
    for (flags, snapshots, cleanup, big) in [
        ("-DSUFFIX=_ck", Some(4), true, 10_000),
        ("-DSUFFIX=_ck", Some(16), true, 10_000),
        ("-DSUFFIX=_ck", None, true, 10_000),
        ("-DSUFFIX=_ck", Some(2), false, 10_000),
        ("-DSUFFIX=_ck", Some(1), true, 300),
        ("-DSUFFIX=_ck -O0", Some(3), true, 10_000),
    ] {
        let bc = bitcode("c", "checkpoint.c", flags);
        let s = snapshots.map(|s| format!("={s}")).unwrap_or_default();
        let mut targets = c_targets("_ck");
        // By source line and by function and index.
        for spec in [
            "checkpoint.c:16",
            "checkpoint.c:33",
            "checkpoint.c:46",
            "two_phase_ck:5",
            "checkpoint.c:59",
            "until_stop_ck:0",
        ] {
            targets.extend(["--checkpoint".to_string(), format!("{spec}{s}")]);
        }
        if !cleanup {
            targets.push("--no-opt".into());
        }
        let args: Vec<&str> = targets.iter().map(String::as_str).collect();
        let ck = grad(dir.path(), &bc, &args, "ck.o");
        let exe = c_driver(dir.path(), &[&plain, &ck], "ck");
        let out = run(Command::new(&exe).arg(big.to_string()));
        assert!(out.contains("719 checks, 0 failed"), "{flags} {s}: {out}");
    }
}

/// The schedule's figures at run time: s + 2 states held at most, and
/// Griewank's number of forward steps, t T - eta(s + 1, t - 1).
#[test]
fn checkpoint_statistics_match_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let plain_bc = bitcode("c", "checkpoint.c", "-DSUFFIX=_plain");
    let targets = c_targets("_plain");
    let args: Vec<&str> = targets.iter().map(String::as_str).collect();
    let plain = grad(dir.path(), &plain_bc, &args, "plain.o");
    let bc = bitcode("c", "checkpoint.c", "-DSUFFIX=_ck");
    let mut targets = c_targets("_ck");
    targets.extend(["--checkpoint".into(), "heat_ck:0=16".into()]);
    targets.extend(["--checkpoint".into(), "relax_ck:0=8".into()]);
    let args: Vec<&str> = targets.iter().map(String::as_str).collect();
    let ck = grad(dir.path(), &bc, &args, "ck.o");
    let exe = c_driver(dir.path(), &[&plain, &ck], "ck");
    let o = Command::new(&exe)
        .arg("10000")
        .env("ADC_CHECKPOINT_STATS", "1")
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.contains("10000 iterations"))
        .unwrap_or_else(|| panic!("{err}"));
    let expected = adc_core::checkpoint::schedule::forward_steps(10_000, 16);
    assert!(
        line.contains(&format!("; {expected} iterations advanced")),
        "{line}"
    );
    assert!(line.contains("(18.00 states)"), "{line}");
    // Online: the entry state and at most 8 kept states, besides the end's.
    let online: Vec<&str> = err.lines().filter(|l| l.contains("(online)")).collect();
    assert_eq!(online.len(), 5, "{err}");
    for l in online {
        let states: f64 = l
            .split(" states)")
            .next()
            .unwrap()
            .rsplit('(')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(states <= 9.0, "{l}");
    }
}

/// Memcheck on the snapshots runtime and the generated sweeps.
#[test]
fn checkpointed_gradient_is_clean_under_valgrind() {
    let dir = tempfile::tempdir().unwrap();
    // Without debug info: this valgrind cannot read clang 23's DWARF 5.
    let plain_bc = bitcode("c", "checkpoint.c", "-DSUFFIX=_plain -g0");
    let targets = c_targets("_plain");
    let args: Vec<&str> = targets.iter().map(String::as_str).collect();
    let plain = grad(dir.path(), &plain_bc, &args, "plain.o");
    let bc = bitcode("c", "checkpoint.c", "-DSUFFIX=_ck -g0");
    let mut targets = c_targets("_ck");
    for spec in [
        "heat_ck:0=3",
        "oscillator_ck:0=2",
        "two_phase_ck:3",
        "two_phase_ck:5=4",
        "relax_ck:0=3",
        "until_stop_ck:0",
    ] {
        targets.extend(["--checkpoint".to_string(), spec.to_string()]);
    }
    let args: Vec<&str> = targets.iter().map(String::as_str).collect();
    let ck = grad(dir.path(), &bc, &args, "ck.o");
    let exe = c_driver(dir.path(), &[&plain, &ck], "ck");
    let o = Command::new("valgrind")
        .args([
            "--error-exitcode=3",
            "--leak-check=full",
            "--errors-for-leak-kinds=all",
            "-q",
        ])
        .arg(&exe)
        .arg("1000")
        .output()
        .expect("valgrind is installed on every machine of this project (scripts/setup checks)");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "memcheck: {}{out}", stderr(&o));
    assert!(out.contains("719 checks, 0 failed"), "{out}");
}

/// From Rust: the heat equation over slices (bounds checks that panic are
/// exits of the loop), a scalar recurrence, T up to 10^4, and a while loop
/// (online).
#[test]
fn checkpointed_rust_loops_equal_the_plain_gradient() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "checkpoint.rs", "");
    let mut args = vec![
        "-f",
        "heat_plain",
        "-f",
        "heat_ck",
        "-f",
        "orbit_plain",
        "-f",
        "orbit_ck",
        "-f",
        "settle_plain",
        "-f",
        "settle_ck",
        "--checkpoint",
        "settle_ck:0=4",
    ];
    args.extend(["--checkpoint", "heat_ck:0=5", "--checkpoint", "orbit_ck:0"]);
    let obj = grad(dir.path(), &bc, &args, "rs.o");
    let exe = rust_driver(dir.path(), "checkpoint_main.rs", &obj);
    let out = run(&mut Command::new(&exe));
    assert!(out.contains("427 checks, 0 failed"), "{out}");
}

/// Loops a snapshot cannot capture are refused with the reason and the
/// place; bad requests are usage errors.
/// Nothing is written.
#[test]
fn checkpoint_refusals_name_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "checkpoint_refused.c", "");
    let out = dir.path().join("x.o");
    let refused = |f: &str, extra: &[&str]| -> String {
        let mut args = vec!["grad", bc.to_str().unwrap(), "-f", f];
        args.extend(extra);
        args.extend(["-o", out.to_str().unwrap()]);
        let o = adc(&args);
        assert!(!o.status.success(), "{f} {extra:?} should be refused");
        assert!(!out.exists(), "no partial output");
        stderr(&o)
    };
    for (f, reason) in [
        (
            "swap_buffers",
            "a pointer changes from one iteration to the next",
        ),
        ("scratch", "allocates or frees memory in each iteration"),
        ("free_early", "may release memory the loop reads or writes"),
    ] {
        let spec = format!("{f}:0");
        let e = refused(f, &["--checkpoint", &spec]);
        assert!(
            e.contains(reason) && e.contains("checkpoint_refused.c:"),
            "{f}: {e}"
        );
        assert!(e.contains(&format!("function `{f}`")), "{f}: {e}");
    }
    let e = refused("scratch", &["--checkpoint", "scratch:0=0"]);
    assert!(e.contains("must be 1 to 128"), "{e}");
    let e = refused(
        "scratch",
        &["--checkpoint", "scratch:0", "--mode", "forward"],
    );
    assert!(
        e.contains("--checkpoint and --tape-limit are for reverse mode"),
        "{e}"
    );
    let e = refused("scratch", &["--checkpoint", "nowhere.c:3"]);
    assert!(
        e.contains("no such loop") && e.contains("scratch:0 (at "),
        "{e}"
    );
    let e = refused(
        "scratch",
        &["--checkpoint", "scratch:0", "--checkpoint", "scratch:0=2"],
    );
    assert!(e.contains("names loop scratch:0 again"), "{e}");
}

/// `--tape-limit`: adc picks the loops that step a state (the heat
/// equation's, the oscillator's, both of two_phase's, the while loop and
/// the loop with a break; not the reductions after them), shares the limit
/// among them and fits the snapshots in each share; a limit too small for
/// three states stops the program with the figures, and functions without
/// a loop it can checkpoint are an error that lists why.
#[test]
fn tape_limit_fits_the_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let plain_bc = bitcode("c", "checkpoint.c", "-DSUFFIX=_plain");
    let targets = c_targets("_plain");
    let args: Vec<&str> = targets.iter().map(String::as_str).collect();
    let plain = grad(dir.path(), &plain_bc, &args, "plain.o");
    let bc = bitcode("c", "checkpoint.c", "-DSUFFIX=_ck");
    let mut targets = c_targets("_ck");
    targets.extend(["--tape-limit".into(), "256K".into(), "--stats".into()]);
    let args: Vec<&str> = targets.iter().map(String::as_str).collect();
    let mut all = vec!["grad", bc.to_str().unwrap()];
    all.extend(&args);
    let ck = dir.path().join("ck.o");
    all.extend(["-o", ck.to_str().unwrap()]);
    let o = adc(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    let stats = String::from_utf8_lossy(&o.stdout);
    let chosen = stats
        .lines()
        .filter(|l| l.starts_with("checkpointed loop"))
        .count();
    assert_eq!(chosen, 6, "{stats}");
    let share = 256 * 1024 / 6;
    assert!(stats.contains(&format!("fit in {share} bytes")), "{stats}");
    let exe = c_driver(dir.path(), &[&plain, &ck], "ck");
    let o = Command::new(&exe)
        .env("ADC_CHECKPOINT_STATS", "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("719 checks, 0 failed"), "{out}");
    let err = stderr(&o);
    let mut lines = 0;
    for l in err.lines().filter(|l| l.contains("snapshots held at most")) {
        let held: u64 = l
            .split("snapshots held at most ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(held <= share as u64, "{l}");
        lines += 1;
    }
    assert!(lines > 20, "{err}");
    // Too small for three states of the heat equation's 32 cells.
    let mut targets = c_targets("_ck");
    targets.extend(["--tape-limit".into(), "1K".into()]);
    let args: Vec<&str> = targets.iter().map(String::as_str).collect();
    let small = grad(dir.path(), &bc, &args, "small.o");
    let exe = c_driver(dir.path(), &[&plain, &small], "small");
    let o = Command::new(&exe).output().unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("cannot hold its snapshots"),
        "{}",
        stderr(&o)
    );
    // Nothing to checkpoint.
    let refused_bc = bitcode("c", "checkpoint_refused.c", "");
    let out = dir.path().join("x.o");
    let o = adc(&[
        "grad",
        refused_bc.to_str().unwrap(),
        "-f",
        "swap_buffers",
        "-f",
        "scratch",
        "--tape-limit",
        "1M",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success() && !out.exists());
    let e = stderr(&o);
    assert!(
        e.contains("no loop of the functions differentiated can be checkpointed"),
        "{e}"
    );
    assert!(
        e.contains("swap_buffers:0") && e.contains("allocates or frees memory"),
        "{e}"
    );
    let o = adc(&[
        "grad",
        refused_bc.to_str().unwrap(),
        "-f",
        "scratch",
        "--tape-limit",
        "lots",
    ]);
    assert!(
        stderr(&o).contains("give a number of bytes"),
        "{}",
        stderr(&o)
    );
}

/// `adc info` lists the loops by the names `--checkpoint` takes.
#[test]
fn info_names_the_loops() {
    let bc = bitcode("c", "checkpoint.c", "-DSUFFIX=_ck");
    let o = adc(&["info", bc.to_str().unwrap(), "-f", "heat_ck"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("heat_ck:0 "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with("checkpoint.c:16"), "{line}");
}
