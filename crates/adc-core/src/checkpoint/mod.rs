//! Checkpointing of loops in reverse mode (the notes' "Optimal
//! checkpointing"): instead of taping every iteration of a time-stepping
//! loop, keep a few snapshots of its state and recompute the iterations
//! between them. [`schedule`] holds the binomial (revolve) schedules and
//! their cost formulas; revolve.c the same schedule at run time, for loops
//! whose trip count is known only when they start.

pub mod schedule;

/// revolve.c compiled to IR (build.rs): `adc_revolve_init(state, steps,
/// snapshots)` and `adc_revolve_next(state)`, one action per call.
pub const RUNTIME_IR: &str = include_str!(concat!(env!("OUT_DIR"), "/revolve.ll"));
