//! The `adc` command: arguments -> adc-core -> diagnostics.

use adc_core::error::AdcError;
use adc_core::inkwell::context::Context;
use adc_core::ir::module_io;
use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `adc --version`: adc's version and the LLVM it reads and writes.
fn long_version() -> &'static str {
    let v = format!(
        "{} (LLVM {})",
        env!("CARGO_PKG_VERSION"),
        module_io::llvm_version()
    );
    Box::leak(v.into_boxed_str())
}

#[derive(Parser)]
#[command(
    name = "adc",
    version = long_version(),
    about = "Automatic differentiation of LLVM IR (C, C++, Rust)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Reverse,
    Forward,
    /// Hessian-vector products `FN_hvp` (forward over reverse; also
    /// generates `FN_grad` and `FN_grad_fwd`)
    Hvp,
    /// A dense Jacobian `FN_jac` of an output array against an input
    /// array, from forward vector mode (columns) or reverse vector mode
    /// (rows) in chunks of --width (default 4)
    Jacobian,
}

/// How `FN_jac` computes the Jacobian.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum JacobianBy {
    /// Forward mode if the function has no more inputs than outputs, else
    /// reverse mode (decided at run time from n_in and n_out)
    Auto,
    Forward,
    Reverse,
}

#[derive(Subcommand)]
enum Command {
    /// Replace Enzyme call sites (__enzyme_autodiff, __enzyme_fwddiff,
    /// __enzyme_augmentfwd, __enzyme_reverse) with
    /// calls of derivatives adc generates (`adc grad` does this too).
    Lower {
        /// Input module (.bc or .ll).
        input: PathBuf,
        /// Output: .bc, .ll, .o (native, PIC) or .s [default: INPUT-adc.o]
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// What memory copies move where adc cannot tell from the code:
        /// `double` or `float`, at one place with `double@FUNCTION` or
        /// `double@FILE:LINE` (as adc's refusal names it). It never
        /// overrides what the code says.
        #[arg(long, value_parser = parse_hint)]
        type_hint: Option<adc_core::reverse::TypeHint>,
    },
    /// Compare a function's forward and reverse derivatives (adc's, or the
    /// module's own FN_fwd / FN_grad) with central finite differences;
    /// with --hessian, its second derivatives (FN_hvp).
    Check {
        /// Input module (.bc or .ll).
        input: PathBuf,
        #[arg(short = 'f', long = "function")]
        function: String,
        /// A point: one value per parameter, e.g. "2,0.5" (repeatable).
        #[arg(long = "at", allow_hyphen_values = true)]
        at: Vec<String>,
        /// Also check N random points (floats drawn in --box, integers from --at).
        #[arg(long)]
        points: Option<usize>,
        /// Box for random points: LO,HI.
        #[arg(long = "box", default_value = "-1,1", allow_hyphen_values = true)]
        range: String,
        /// Points of the central difference stencil (odd).
        #[arg(long, default_value_t = 7)]
        order: usize,
        /// Largest relative error accepted.
        #[arg(long, default_value_t = 1e-6)]
        tol: f64,
        /// Check the Hessian instead: every entry from Hessian-vector
        /// products (forward over reverse, or the module's own FN_hvp)
        /// against second-derivative and mixed central differences.
        #[arg(long)]
        hessian: bool,
        /// What memory copies move where adc cannot tell from the code:
        /// `double` or `float`, at one place with `double@FUNCTION` or
        /// `double@FILE:LINE` (as adc's refusal names it). It never
        /// overrides what the code says.
        #[arg(long, value_parser = parse_hint)]
        type_hint: Option<adc_core::reverse::TypeHint>,
    },
    /// Print the linker arguments for programs whose derivatives call
    /// adc-runtime (linear algebra): the static library next to this binary
    /// and the system libraries it needs.
    LinkFlags,
    /// Print a function's IR with the activity of each instruction and why.
    Info {
        /// Input module (.bc or .ll).
        input: PathBuf,
        #[arg(short = 'f', long = "function")]
        function: String,
        /// Per-parameter activity, e.g. `const,active`.
        #[arg(long)]
        activity: Option<String>,
    },
    /// Generate derivatives: FN_grad (reverse) or FN_fwd (forward).
    Grad {
        /// Input module: LLVM bitcode (.bc) or text IR (.ll) from clang or rustc.
        input: PathBuf,
        /// Function to differentiate (repeatable).
        #[arg(short = 'f', long = "function", required = true)]
        functions: Vec<String>,
        #[arg(long, value_enum, default_value = "reverse")]
        mode: Mode,
        /// Per-parameter activity, e.g. `const,active` (repeatable: the i-th
        /// list applies to the i-th -f).
        #[arg(long)]
        activity: Vec<String>,
        /// Write C prototypes of the generated functions here.
        #[arg(long)]
        header: Option<PathBuf>,
        /// Write Rust bindings of FN_grad / FN_fwd here: the raw `extern
        /// "C"` declarations (module `raw`) and safe wrappers over slices
        /// and references, typed from the primal's parameters (and its
        /// source file, when debug info names one on this machine).
        #[arg(long, value_name = "OUT.rs")]
        rust: Option<PathBuf>,
        /// Output: .bc, .ll, .o (native, PIC) or .s [default: INPUT-adc.o]
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Skip the O2 cleanup of the result.
        #[arg(long)]
        no_opt: bool,
        /// Vector mode. Forward: N tangents per call in `FN_fwdN`, each
        /// parameter followed by its N tangents (or shadow pointers), the N
        /// tangents of a floating-point result written to a last pointer
        /// parameter `d_ret`. Reverse: N seeds per call in `FN_gradN`, each
        /// duplicated pointer followed by its N shadows, the seed d_ret by
        /// N seeds, the N returned adjoints written to a last pointer `d_out`
        /// Jacobian mode: the chunk, columns or rows per call [default: 4]
        #[arg(long, value_name = "N")]
        width: Option<u32>,
        /// Jacobian mode: forward (columns), reverse (rows) or auto.
        #[arg(long, value_enum, default_value = "auto")]
        jacobian_by: JacobianBy,
        /// Print the tape layout: bytes per block execution, slots, direct uses.
        #[arg(long)]
        stats: bool,
        /// What memory copies move where adc cannot tell from the code:
        /// `double` or `float`, at one place with `double@FUNCTION` or
        /// `double@FILE:LINE` (as adc's refusal names it). It never
        /// overrides what the code says.
        #[arg(long, value_parser = parse_hint)]
        type_hint: Option<adc_core::reverse::TypeHint>,
        /// Reverse mode: reverse loop LOOP by binomial checkpointing with S
        /// snapshots of its state instead of a tape of every iteration
        /// (repeatable). LOOP is FUNCTION:INDEX (loops counted from 0 in
        /// the order of their headers) or FILE:LINE (where the loop starts);
        /// without =S, the fewest snapshots with which each iteration runs
        /// at most three times forward, chosen at run time.
        #[arg(long, value_name = "LOOP[=S]")]
        checkpoint: Vec<adc_core::checkpoint::Request>,
        /// Reverse mode: checkpoint every loop of the functions named with
        /// -f that steps a state (and is not inside another loop), with as
        /// many snapshots as fit in BYTES (K, M, G: powers of 1024), shared
        /// among those loops and chosen at run time from the bytes the
        /// loop's first iteration writes. An iteration's own tape comes on
        /// top. Loops it cannot checkpoint are listed by --stats.
        #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
        tape_limit: Option<u64>,
        /// Print the wall time of each phase (load, preprocessing, synthesis,
        /// verification, the O2 cleanup, writing) to stderr.
        #[arg(long)]
        time: bool,
    },
}

fn parse_bytes(s: &str) -> Result<u64, String> {
    adc_core::checkpoint::parse_bytes(s).map_err(|e| e.to_string())
}

fn parse_hint(s: &str) -> Result<adc_core::reverse::TypeHint, String> {
    adc_core::reverse::TypeHint::parse(s)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("adc: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `libadc_runtime.a` is built next to `adc` (same cargo profile directory);
/// Rust's standard library in it needs these system libraries.
fn link_flags() -> Result<String> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    let lib = dir.join("libadc_runtime.a");
    if !lib.exists() {
        anyhow::bail!(
            "{} not found: build the runtime with `cargo build -p adc-runtime` (same profile as adc)",
            lib.display()
        );
    }
    Ok(format!(
        "{} -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc",
        lib.display()
    ))
}

fn default_output(input: &Path) -> PathBuf {
    let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("out");
    input.with_file_name(format!("{stem}-adc.o"))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::LinkFlags => {
            println!("{}", link_flags()?);
            Ok(())
        }
        Command::Lower {
            input,
            output,
            type_hint,
        } => {
            let output = output.unwrap_or_else(|| default_output(&input));
            module_io::OutputKind::from_path(&output)?;
            module_io::check_distinct(&input, &[&output])?;
            let ctx = Context::create();
            let module = adc_core::ir::rust_std::link_std(&ctx, module_io::load(&ctx, &input)?)?;
            let opts = adc_core::Options {
                targets: vec![],
                mode: adc_core::Mode::Reverse,
                optimize: true,
                width: 1,
                type_hint,
                checkpoints: Vec::new(),
                tape_limit: None,
            };
            let out = adc_core::differentiate(&module, &opts)?;
            module_io::write(&module, &output)?;
            eprintln!(
                "adc: replaced {} Enzyme call site(s)",
                out.lowered_call_sites
            );
            Ok(())
        }
        Command::Check {
            input,
            function,
            at,
            points,
            range,
            order,
            tol,
            hessian,
            type_hint,
        } => {
            let parse_list = |s: &str| -> Result<Vec<f64>> {
                s.split(',')
                    .map(|v| {
                        v.trim()
                            .parse::<f64>()
                            .map_err(|_| anyhow::anyhow!("`{v}` in `{s}` is not a number"))
                    })
                    .collect()
            };
            let explicit = at
                .iter()
                .map(|s| parse_list(s))
                .collect::<Result<Vec<_>>>()?;
            let random = match points {
                None => None,
                Some(n) => match parse_list(&range)?.as_slice() {
                    [lo, hi] if lo < hi => Some((n, *lo, *hi)),
                    _ => anyhow::bail!("--box takes LO,HI with LO < HI"),
                },
            };
            let ctx = Context::create();
            let module = adc_core::ir::rust_std::link_std(&ctx, module_io::load(&ctx, &input)?)?;
            let opts = adc_core::check::CheckOptions {
                function,
                points: explicit,
                random,
                stencil_points: order,
                tol,
                type_hint,
            };
            let report = if hessian {
                adc_core::check::hessian::check_hessian(&module, &opts)?
            } else {
                adc_core::check::check(&module, &opts)?
            };
            print!("{}", report.table);
            if !report.passed {
                anyhow::bail!(
                    "derivative check failed: worst relative error {:.1e} exceeds {tol:.0e}",
                    report.worst
                );
            }
            Ok(())
        }
        Command::Info {
            input,
            function,
            activity,
        } => {
            let ctx = Context::create();
            let module = adc_core::ir::rust_std::link_std(&ctx, module_io::load(&ctx, &input)?)?;
            print!(
                "{}",
                adc_core::describe(&module, &function, activity.as_deref())?
            );
            Ok(())
        }
        Command::Grad {
            input,
            functions,
            mode,
            activity,
            header,
            rust,
            output,
            no_opt,
            width,
            jacobian_by,
            stats,
            type_hint,
            checkpoint,
            tape_limit,
            time,
        } => {
            let started = std::time::Instant::now();
            let width = width.unwrap_or(if mode == Mode::Jacobian { 4 } else { 1 });
            if activity.len() > functions.len() {
                return Err(AdcError::Usage(format!(
                    "{} --activity lists for {} functions",
                    activity.len(),
                    functions.len()
                ))
                .into());
            }
            if let Some(f) = functions
                .iter()
                .enumerate()
                .find_map(|(i, f)| functions[..i].contains(f).then_some(f))
            {
                return Err(AdcError::Usage(format!(
                    "`{f}` is named twice with -f: name each function once"
                ))
                .into());
            }
            let output = output.unwrap_or_else(|| default_output(&input));
            // Check the outputs before doing any work.
            module_io::OutputKind::from_path(&output)?;
            let mut outputs = vec![output.as_path()];
            outputs.extend(header.as_deref());
            outputs.extend(rust.as_deref());
            if rust.is_some() && !matches!(mode, Mode::Reverse | Mode::Forward) {
                return Err(AdcError::Usage(
                    "--rust writes bindings of FN_grad and FN_fwd (--mode reverse or forward)"
                        .into(),
                )
                .into());
            }
            module_io::check_distinct(&input, &outputs)?;
            let ctx = Context::create();
            let module = adc_core::ir::rust_std::link_std(&ctx, module_io::load(&ctx, &input)?)?;
            let loaded = started.elapsed();
            let opts = adc_core::Options {
                targets: functions
                    .iter()
                    .enumerate()
                    .map(|(i, name)| adc_core::Target {
                        name: name.clone(),
                        activity: activity.get(i).cloned(),
                    })
                    .collect(),
                mode: match mode {
                    Mode::Forward => adc_core::Mode::Forward,
                    Mode::Reverse | Mode::Hvp | Mode::Jacobian => adc_core::Mode::Reverse,
                },
                optimize: !no_opt,
                width,
                type_hint,
                checkpoints: checkpoint,
                tape_limit,
            };
            let (module, out) = if mode == Mode::Hvp {
                let out = adc_core::second_order::hessian_vector_products(&module, &opts)?;
                (module, out)
            } else if mode == Mode::Jacobian {
                use adc_core::jacobian::{jacobians, Strategy};
                let by = match jacobian_by {
                    JacobianBy::Auto => Strategy::Auto,
                    JacobianBy::Forward => Strategy::Forward,
                    JacobianBy::Reverse => Strategy::Reverse,
                };
                jacobians(module, &opts, by)?
            } else {
                let out = adc_core::differentiate(&module, &opts)?;
                (module, out)
            };
            // Both outputs or neither.
            let header = match &header {
                Some(h) => Some(
                    module_io::pending_bytes(h, adc_core::c_header(&out.generated).as_bytes())
                        .with_context(|| format!("cannot write `{}`", h.display()))?,
                ),
                None => None,
            };
            let bindings = match &rust {
                Some(r) => {
                    let text = adc_core::bindings::for_targets(module.as_mut_ptr(), &opts)?;
                    Some(
                        module_io::pending_bytes(r, text.as_bytes())
                            .with_context(|| format!("cannot write `{}`", r.display()))?,
                    )
                }
                None => None,
            };
            let object = module_io::pending(&module, &output)?;
            if let Some(h) = header {
                h.commit()?;
            }
            if let Some(r) = bindings {
                r.commit()?;
            }
            object.commit()?;
            if time {
                eprintln!("adc: time per phase (wall):");
                eprintln!("  {:<46} {:>9.3} s", "load", loaded.as_secs_f64());
                let mut sum = loaded;
                for (what, d) in &out.phases {
                    eprintln!("  {what:<46} {:>9.3} s", d.as_secs_f64());
                    sum += *d;
                }
                let rest = started.elapsed().saturating_sub(sum);
                eprintln!(
                    "  {:<46} {:>9.3} s",
                    "emit (object code) and write",
                    rest.as_secs_f64()
                );
                eprintln!(
                    "  {:<46} {:>9.3} s",
                    "total",
                    started.elapsed().as_secs_f64()
                );
            }
            for g in &out.generated {
                if let Some(t) = &g.c_typedef {
                    eprintln!("adc: generated {t}");
                }
                eprintln!("adc: generated {}", g.c_prototype);
            }
            if stats {
                for c in &out.checkpoints {
                    println!("{c}");
                }
                print_stats(&out.tape_stats);
            }
            Ok(())
        }
    }
}

fn print_stats(stats: &[adc_core::reverse::TapeStats]) {
    for s in stats {
        println!("tape of `{}`:", s.function);
        if s.pushed_per_block.is_empty() {
            println!("  nothing on the tape");
        }
        for (k, (block, bytes)) in s.pushed_per_block.iter().enumerate() {
            println!("  block {block:<24} {bytes:>4} bytes per execution");
            // Recorded alongside, one entry per taping block.
            for w in s
                .pushed_values
                .get(k)
                .map(|(_, w)| w.as_slice())
                .unwrap_or(&[])
            {
                println!("      {w}");
            }
        }
        for shot in &s.snapshots {
            println!("  {shot}");
        }
        println!(
            "  values stored on the tape: {}, in stack slots: {}, recomputed: {}",
            s.taped, s.slots, s.recomputed
        );
    }
}
