//! Checkpointing of loops in reverse mode (the notes' "Optimal
//! checkpointing"): instead of taping every iteration of a time-stepping
//! loop, keep a few snapshots of its state and recompute the iterations
//! between them.
//!
//! - [`schedule`]: the binomial (revolve) schedules and their cost
//!   formulas; revolve.c the same schedule at run time, for loops whose
//!   trip count is known only when they start.
//! - [`outline`]: the loop `--checkpoint` names, taken out of its function
//!   one iteration per call (with a probe that learns what it writes).
//! - [`driver`]: its forward and reverse sweeps, which call snapshots.c.
//!
//! Reverse mode (reverse/mod.rs) calls a checkpointed loop's sweeps as it
//! calls an adc-runtime routine's `_aug` and `_vjp`.

pub mod driver;
pub mod outline;
pub mod schedule;

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
        })
    }
}

/// Take the requested loops of `targets` out of their functions and link
/// the runtime. Returns a line per loop for `--stats`.
pub fn prepare(m: LLVMModuleRef, targets: &[Function], reqs: &[Request]) -> Result<Vec<String>> {
    if reqs.is_empty() {
        return Ok(Vec::new());
    }
    let notes = outline::apply(m, targets, reqs)?;
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
