//! Analyses over a function, each one struct with a `compute` entry and a
//! query API (LLVM's C API has no LoopInfo or DominatorTree, so adc has its own).

pub mod activity;
pub mod captures;
pub mod cfg;
pub mod dominators;
pub mod float_bits;
pub mod loops;
pub mod memory;
pub mod snapshots;
pub mod tbaa;
pub mod types;
pub mod unsupported;

pub use activity::ActivityAnalysis;
pub use cfg::ControlFlowGraph;
pub use dominators::DominatorTree;
pub use loops::LoopAnalysis;
