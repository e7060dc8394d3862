//! In-process execution of a module (for `adc check` and tests).

use crate::error::{AdcError, Result};
use inkwell::execution_engine::ExecutionEngine;
use inkwell::module::Module;
use inkwell::targets::{InitializationConfig, Target};
use inkwell::OptimizationLevel;

/// A JIT-compiled module; function addresses stay valid while it lives.
pub struct Jit<'ctx> {
    engine: ExecutionEngine<'ctx>,
}

/// Register the native target with LLVM (idempotent; do it once before
/// creating engines on several threads).
pub fn initialize() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        Target::initialize_native(&InitializationConfig::default()).expect("LLVM native target");
    });
}

impl<'ctx> Jit<'ctx> {
    pub fn new(module: &Module<'ctx>) -> Result<Self> {
        initialize();
        let engine = module
            .create_jit_execution_engine(OptimizationLevel::Aggressive)
            .map_err(|e| AdcError::Llvm(e.to_string()))?;
        Ok(Jit { engine })
    }

    /// The address of a function, to be cast to its `extern "C"` type.
    pub fn address(&self, name: &str) -> Result<usize> {
        self.engine
            .get_function_address(name)
            .map_err(|e| AdcError::Llvm(format!("`{name}`: {e}")))
    }
}
