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

/// After OpenMP regions are exposed (ir/openmp.rs).
pub const TIDY_REGIONS: &str =
    "function(simplifycfg,instcombine<no-verify-fixpoint>,sroa,simplifycfg,loop-simplify,lcssa)";

/// Passes run on the finished module.
pub const POSTPROCESS: &str = "default<O2>";

pub fn run(module: &Module, pipeline: &str) -> Result<()> {
    let tm = target_machine(module)?;
    module
        .run_passes(pipeline, &tm, PassBuilderOptions::create())
        .map_err(|e| AdcError::Llvm(format!("pass pipeline `{pipeline}`: {e}")))
}

/// Whether the module looks unoptimized: some function keeps a scalar in
/// a stack slot it only loads and stores (mem2reg never ran). rustc at
/// `-C opt-level=0` marks nothing `optnone`, so this is how its output is
/// told apart from optimized code.
pub fn unoptimized(m: llvm_sys::prelude::LLVMModuleRef) -> bool {
    use llvm_sys::LLVMOpcode::{LLVMAlloca, LLVMLoad, LLVMStore};
    crate::ir::functions(m)
        .into_iter()
        .filter(|f| !f.is_declaration())
        .any(|f| {
            f.entry().instructions().into_iter().any(|a| {
                let users = a.users();
                a.opcode() == Some(LLVMAlloca)
                    && !users.is_empty()
                    && users.iter().all(|u| match u.opcode() {
                        Some(LLVMLoad) => (unsafe { llvm_sys::core::LLVMGetVolatile(u.0) } == 0),
                        Some(LLVMStore) => {
                            u.operand(1) == a
                                && unsafe { llvm_sys::core::LLVMGetVolatile(u.0) } == 0
                        }
                        _ => false,
                    })
            })
        })
}
