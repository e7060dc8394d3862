//! LLVM pass pipelines run before and after synthesis (new pass manager).
//!
//! AD works best on optimized IR: before synthesis adc runs SROA/mem2reg and
//! simplification so that scalar code is in SSA form; after synthesis an
//! O2-like pipeline folds the zero tangents and fuses primal and derivative code.

use crate::error::{AdcError, Result};
use crate::ir::module_io::target_machine;
use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;

/// Passes run before analysis: SSA form, simplified CFG, canonical loops.
pub const PREPROCESS: &str =
    "function(sroa,mem2reg,early-cse,instcombine<no-verify-fixpoint>,simplifycfg,loop-simplify,lcssa)";

/// Passes run on the finished module.
pub const POSTPROCESS: &str = "default<O2>";

pub fn run(module: &Module, pipeline: &str) -> Result<()> {
    let tm = target_machine(module)?;
    module
        .run_passes(pipeline, &tm, PassBuilderOptions::create())
        .map_err(|e| AdcError::Llvm(format!("pass pipeline `{pipeline}`: {e}")))
}
