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

/// Arguments for a C function of scalar and pointer parameters, split by the
/// x86-64 System V classes: integers and pointers travel in the 6 integer
/// registers in order, floats in the 8 vector registers in order, whatever
/// their interleaving. So one function-pointer type calls any such
/// signature (an `f32` travels in the low half of a vector register). This
/// is what lets `adc check` call derivatives whose signature it only knows
/// at run time.
#[derive(Default, Clone, Debug)]
pub struct CallArgs {
    ints: Vec<i64>,
    floats: Vec<f64>,
}

/// Two floating-point results, returned in two vector registers
/// (`{double, double}` in LLVM, a struct of two doubles in C).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Pair(pub f64, pub f64);

type Universal<R> =
    unsafe extern "C" fn(i64, i64, i64, i64, i64, i64, f64, f64, f64, f64, f64, f64, f64, f64) -> R;

impl CallArgs {
    pub fn int(&mut self, v: i64) {
        self.ints.push(v);
    }
    pub fn f64(&mut self, v: f64) {
        self.floats.push(v);
    }
    pub fn f32(&mut self, v: f32) {
        self.floats.push(f64::from_bits(v.to_bits() as u64));
    }
    pub fn ptr<T>(&mut self, p: *mut T) {
        self.ints.push(p as i64);
    }
    /// Whether the arguments fit the registers (no stack arguments).
    pub fn fits(&self) -> bool {
        self.ints.len() <= 6 && self.floats.len() <= 8
    }

    unsafe fn invoke<R>(&self, addr: usize) -> R {
        assert!(self.fits(), "too many arguments for a register-only call");
        let mut i = [0i64; 6];
        let mut f = [0f64; 8];
        i[..self.ints.len()].copy_from_slice(&self.ints);
        f[..self.floats.len()].copy_from_slice(&self.floats);
        let fp: Universal<R> = std::mem::transmute::<usize, Universal<R>>(addr);
        fp(
            i[0], i[1], i[2], i[3], i[4], i[5], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
        )
    }

    /// Call a function returning one float (`f32` when `ret_f32`), or nothing.
    ///
    /// # Safety
    /// `addr` must be a function whose parameters match these arguments
    /// class by class, in order.
    pub unsafe fn call(&self, addr: usize, ret_f32: bool) -> f64 {
        let r: f64 = self.invoke(addr);
        if ret_f32 {
            f32::from_bits(r.to_bits() as u32) as f64
        } else {
            r
        }
    }

    /// Call a function returning two floats.
    ///
    /// # Safety
    /// As for [`CallArgs::call`].
    pub unsafe fn call_pair(&self, addr: usize, ret_f32: bool) -> (f64, f64) {
        let r: Pair = self.invoke(addr);
        if ret_f32 {
            (
                f32::from_bits(r.0.to_bits() as u32) as f64,
                f32::from_bits(r.1.to_bits() as u32) as f64,
            )
        } else {
            (r.0, r.1)
        }
    }
}
