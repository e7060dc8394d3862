//! Constructs adc cannot differentiate, found before a derivative is built
//! so that both modes refuse them alike, with the reason, instead of
//! dropping a derivative in silence:
//!
//! - floating point other than float and double (`long double` as
//!   x86_fp80, `__float128`, `_Float16`) fed by active values: adc's rules
//!   and tangents are for float and double, and the other types read as
//!   integers would carry nothing;
//! - atomic read-modify-write and compare-exchange of active memory;
//! - OpenMP parallel regions (`__kmpc_fork_call`): the outlined body is
//!   reached only through the runtime, so its memory would look inactive;
//! - calls of variadic functions of the module given active values (the
//!   derivative of `va_arg` is not built);
//! - a float's bits leaving as an integer ([`super::float_bits`]).

use super::activity::ActivityAnalysis;
use crate::error::{AdcError, Result};
use crate::ir::{Function, Type, Value};
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

/// Floating-point types adc does not differentiate.
fn other_float(t: Type) -> Option<&'static str> {
    match t.scalar().kind() {
        LLVMTypeKind::LLVMX86_FP80TypeKind => Some("long double (x86_fp80)"),
        LLVMTypeKind::LLVMFP128TypeKind => Some("__float128 (fp128)"),
        LLVMTypeKind::LLVMPPC_FP128TypeKind => Some("ppc_fp128"),
        LLVMTypeKind::LLVMHalfTypeKind => Some("_Float16 (half)"),
        LLVMTypeKind::LLVMBFloatTypeKind => Some("bfloat"),
        _ => None,
    }
}

/// OpenMP's entry points that run an outlined region.
const PARALLEL_REGIONS: &[&str] = &[
    "__kmpc_fork_call",
    "__kmpc_fork_teams",
    "__kmpc_fork_call_if",
    "GOMP_parallel",
];

/// The first unsupported construct of `f` under `activity`, with why.
fn find(f: Function, activity: &ActivityAnalysis) -> Option<(Value, String)> {
    let varied_operand = |i: Value| i.operands().any(|o| activity.is_varied(o));
    if unsafe { llvm_sys::core::LLVMIsFunctionVarArg(f.fn_type().0) } != 0 {
        if let Some(first) = f.entry().instructions().first() {
            return Some((
                *first,
                format!(
                    "`{}` is variadic: adc does not differentiate `...` parameters (va_arg); \
                     pass an array instead",
                    f.name()
                ),
            ));
        }
    }
    for i in f.blocks().into_iter().flat_map(|b| b.instructions()) {
        let op = i.opcode();
        if let Some(c) = i.called_function() {
            let name = c.name();
            let variadic = unsafe { llvm_sys::core::LLVMIsFunctionVarArg(c.fn_type().0) } != 0;
            if variadic && !c.is_declaration() && varied_operand(i) {
                return Some((
                    i,
                    format!(
                        "a call of the variadic function `{name}` with active arguments: adc \
                         does not differentiate `...` parameters (va_arg); pass an array instead"
                    ),
                ));
            }
            if PARALLEL_REGIONS.contains(&name.as_str()) {
                return Some((
                    i,
                    "an OpenMP parallel region: adc does not differentiate parallel loops yet \
                     (compile without -fopenmp to differentiate the loop sequentially)"
                        .into(),
                ));
            }
        }
        if matches!(
            op,
            Some(LLVMOpcode::LLVMAtomicRMW) | Some(LLVMOpcode::LLVMAtomicCmpXchg)
        ) && varied_operand(i)
        {
            return Some((
                i,
                "an atomic read-modify-write of active memory (`_Atomic`, __atomic_*): adc does \
                 not differentiate atomics yet"
                    .into(),
            ));
        }
        let ty = other_float(i.ty()).or_else(|| i.operands().find_map(|o| other_float(o.ty())));
        if let Some(kind) = ty {
            let active_memory =
                op == Some(LLVMOpcode::LLVMLoad) && activity.is_varied(i.operand(0));
            if varied_operand(i) || active_memory {
                return Some((
                    i,
                    format!(
                        "{kind} arithmetic on an active value: adc differentiates float and \
                         double only; compute in double"
                    ),
                ));
            }
        }
    }
    None
}

/// Refuse `f` if it holds a construct adc cannot differentiate.
pub fn refuse(f: Function, activity: &ActivityAnalysis) -> Result<()> {
    if let Some((inst, why)) = find(f, activity) {
        return Err(AdcError::unsupported(inst, why));
    }
    super::float_bits::refuse(f, activity)
}
