//! Checkpointing of loops in reverse mode (the notes' "Optimal
//! checkpointing"): instead of taping every iteration of a time-stepping
//! loop, keep a few snapshots of its state and recompute the iterations
//! between them.
//!
//! - [`schedule`]: the binomial (revolve) schedules and their cost
//!   formulas; revolve.c the same schedule at run time, for loops whose
//!   trip count is known only when they start.
//! - [`outline`]: the loop `--checkpoint` names ([`names`]), taken out of
//!   its function one iteration per call (with a probe that learns what it
//!   writes), with its trip count (trip_count.rs) and the reads its
//!   snapshots must hold too (hazards.rs).
//! - [`driver`]: its forward and reverse sweeps, which call snapshots.c.
//!
//! Reverse mode (reverse/mod.rs) calls a checkpointed loop's sweeps as it
//! calls an adc-runtime routine's `_aug` and `_vjp`.

pub mod driver;
mod hazards;
pub mod names;
pub mod outline;
pub mod schedule;
mod trip_count;

use crate::error::{AdcError, Result};
use crate::ir::{functions, get_function, Function};
use llvm_sys::prelude::LLVMModuleRef;

/// snapshots.c (with revolve.c) compiled to IR (build.rs).
pub const RUNTIME_IR: &str = include_str!(concat!(env!("OUT_DIR"), "/checkpoint.ll"));

/// The runtime's entry points (internal once linked).
const ENTRY_POINTS: [&str; 6] = [
    "adc_ckpt_begin",
    "adc_ckpt_grow",
    "adc_ckpt_forward",
    "adc_ckpt_reverse",
    "adc_revolve_init",
    "adc_revolve_next",
];

/// `--checkpoint LOOP[=S]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `FUNCTION:INDEX` or `FILE:LINE`.
    pub name: String,
    /// Snapshots; `None`: chosen at run time, the fewest with which the
    /// schedule runs each iteration at most three times forward.
    pub snapshots: Option<u32>,
    /// `--tape-limit`'s share for this loop: as many snapshots as fit in
    /// these bytes, chosen after its first iteration.
    pub budget: Option<u64>,
}

impl std::str::FromStr for Request {
    type Err = AdcError;
    fn from_str(s: &str) -> Result<Request> {
        let (name, snapshots) = match s.rsplit_once('=') {
            Some((n, k)) => match k.parse::<u32>() {
                Ok(k) if (1..=128).contains(&k) => (n, Some(k)),
                _ => {
                    return Err(AdcError::Usage(format!(
                        "--checkpoint {s}: the number of snapshots after `=` must be 1 to 128"
                    )))
                }
            },
            None => (s, None),
        };
        if name.is_empty() {
            return Err(AdcError::Usage(format!(
                "--checkpoint {s}: name a loop as FUNCTION:INDEX or FILE:LINE"
            )));
        }
        Ok(Request {
            name: name.to_string(),
            snapshots,
            budget: None,
        })
    }
}

/// `--tape-limit BYTES`: a number of bytes, with an optional K, M or G
/// (powers of 1024).
pub fn parse_bytes(s: &str) -> Result<u64> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], t[i..].trim()),
        None => (t, ""),
    };
    let scale: u64 = match unit.to_ascii_uppercase().trim_end_matches('B') {
        "" => 1,
        "K" | "KI" => 1 << 10,
        "M" | "MI" => 1 << 20,
        "G" | "GI" => 1 << 30,
        _ => 0,
    };
    match digits.parse::<u64>() {
        Ok(n) if scale > 0 && n > 0 => Ok(n.saturating_mul(scale)),
        _ => Err(AdcError::Usage(format!(
            "--tape-limit {s}: give a number of bytes, such as 64M or 2G"
        ))),
    }
}

/// Take the requested loops of `targets` out of their functions and link
/// the runtime; with `tape_limit`, also the loops adc chooses (see
/// [`outline::choose`]), which share it. Returns a line per loop for
/// `--stats`.
pub fn prepare(
    m: LLVMModuleRef,
    targets: &[Function],
    reqs: &[Request],
    tape_limit: Option<u64>,
) -> Result<Vec<String>> {
    let mut reqs = reqs.to_vec();
    let mut notes = Vec::new();
    if let Some(limit) = tape_limit {
        let (chosen, left) = outline::choose(targets, &reqs);
        if chosen.is_empty() {
            return Err(AdcError::Usage(format!(
                "--tape-limit: no loop of the functions differentiated can be checkpointed{}",
                if left.is_empty() {
                    " (they have no loops)".to_string()
                } else {
                    format!(":\n  {}", left.join("\n  "))
                }
            )));
        }
        let share = limit / chosen.len() as u64;
        for name in chosen {
            reqs.push(Request {
                name,
                snapshots: None,
                budget: Some(share),
            });
        }
        notes.extend(left.into_iter().map(|l| format!("not checkpointed: {l}")));
    }
    if reqs.is_empty() {
        return Ok(Vec::new());
    }
    let applied = outline::apply(m, targets, &reqs)?;
    notes.splice(0..0, applied);
    let linked = get_function(m, "adc_ckpt_begin").is_some_and(|f| !f.is_declaration());
    if !linked {
        crate::ir::module_io::link_ir(m, RUNTIME_IR, "checkpointing runtime")?;
    }
    for name in ENTRY_POINTS {
        if let Some(f) = get_function(m, name) {
            f.set_internal();
        }
    }
    Ok(notes)
}

/// After differentiation: the loop functions are ordinary functions again
/// (inlined back by the cleanup), and a later run of adc on the output
/// does not take them for checkpointed loops.
pub fn finish(m: LLVMModuleRef) {
    for f in functions(m) {
        if driver::is_loop(f) {
            let step = driver::step_of(f);
            for g in [f, step] {
                g.remove_fn_attr("noinline");
            }
            for key in [
                outline::LOOP_ATTR,
                outline::STEP_ATTR,
                outline::AUG_ATTR,
                outline::WHERE_ATTR,
            ] {
                f.remove_string_attr(key);
            }
        }
    }
}
