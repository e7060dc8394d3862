//! Checkpointing of loops in reverse mode (the notes' "Optimal
//! checkpointing"): instead of taping every iteration of a time-stepping
//! loop, keep a few snapshots of its state and recompute the iterations
//! between them. [`schedule`] holds the binomial (revolve) schedules and
//! their cost formulas.

pub mod schedule;
