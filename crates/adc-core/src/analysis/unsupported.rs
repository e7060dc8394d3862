//! Constructs adc cannot differentiate, found before a derivative is built
//! so that both modes refuse them alike, with the reason, instead of
//! dropping a derivative in silence:
//!
//! - PowerPC's double-double `ppc_fp128` fed by active values (a pair of
//!   doubles whose rules adc does not have; half, bfloat, x86_fp80 and
//!   fp128 are differentiated like float and double);
//! - atomics adc does not differentiate (compare-exchange of active memory,
//!   float min/max, pointer exchanges; see [`unsupported_atomic`]);
//! - OpenMP parallel regions adc did not expose (ir/openmp.rs: teams, forks
//!   of adc's own derivative tasks): the outlined body is reached only
//!   through the runtime, so its memory would look inactive;
//! - calls of variadic functions of the module given active values (the
//!   derivative of `va_arg` is not built);
//! - a float's bits leaving as an integer ([`super::float_bits`]);
//! - an exception caught inside the function, which then goes on
//!   ([`refuse_caught_exceptions`]);
//! - threads started with std::thread or pthread_create ([`refuse_threads`]).

use super::activity::ActivityAnalysis;
use crate::error::{AdcError, Result};
use crate::ir::atomics::FloatRmw;
use crate::ir::{Function, Type, Value};
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

/// Floating-point types adc does not differentiate.
fn other_float(t: Type) -> Option<&'static str> {
    match t.scalar().kind() {
        LLVMTypeKind::LLVMPPC_FP128TypeKind => Some("ppc_fp128 (double-double long double)"),
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

/// Why the atomic `i` cannot be differentiated, if it cannot: adc
/// differentiates atomicrmw fadd/fsub/xchg of floats ([`FloatRmw`]) into
/// memory with a shadow, and integer updates carry nothing.
fn unsupported_atomic(i: Value, activity: &ActivityAnalysis) -> Option<&'static str> {
    let varied = i.operands().any(|o| activity.is_varied(o));
    // (a CAS loop swaps a float's bits: `bitcast double %new to i64`)
    let float_bits =
        |o: Value| o.opcode() == Some(LLVMOpcode::LLVMBitCast) && activity.is_varied(o.operand(0));
    match i.opcode()? {
        LLVMOpcode::LLVMAtomicCmpXchg if varied || i.operands().any(float_bits) => Some(
            "a compare-and-swap of active memory (a `_Atomic double` updated with `+=`, \
             a CAS loop on a float's bits): adc does not differentiate it; use \
             atomic_fetch_add / __atomic_fetch_add, which it does",
        ),
        LLVMOpcode::LLVMAtomicRMW if i.ty().is_float() => match FloatRmw::of(i) {
            None if varied => Some(
                "an atomic min/max of active memory: adc differentiates atomic add, \
                 subtract and exchange of floats only",
            ),
            Some(_) if activity.is_varied(i.operand(1)) && !activity.is_varied(i.operand(0)) => {
                Some(
                    "an atomic update of memory adc has no shadow for with an active value: its \
                     derivative would be lost; pass that memory as `dup`",
                )
            }
            _ => None,
        },
        LLVMOpcode::LLVMAtomicRMW if i.ty().is_pointer() && varied => Some(
            "an atomic exchange of pointers into active memory: adc does not move their shadows",
        ),
        _ => None,
    }
}

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
                    "an OpenMP construct adc does not differentiate (teams, or a region adc \
                     itself forked: a derivative of a derivative of a parallel region); \
                     `#pragma omp parallel` regions are differentiated"
                        .into(),
                ));
            }
        }
        if let Some(why) = unsupported_atomic(i, activity) {
            return Some((i, why.into()));
        }
        let ty = other_float(i.ty()).or_else(|| i.operands().find_map(|o| other_float(o.ty())));
        if let Some(kind) = ty {
            let active_memory =
                op == Some(LLVMOpcode::LLVMLoad) && activity.is_varied(i.operand(0));
            if varied_operand(i) || active_memory {
                return Some((
                    i,
                    format!(
                        "{kind} arithmetic on an active value: adc has no rules for this type; \
                         compute in double"
                    ),
                ));
            }
        }
    }
    None
}

/// An invoke of `f` whose exception a `catch` of `f` handles and after
/// which `f` returns normally (the handler does not rethrow).
fn caught_exception(f: Function) -> Option<Value> {
    use llvm_sys::core::{LLVMGetClause, LLVMGetNumClauses, LLVMGetUnwindDest};
    for b in f.blocks() {
        let Some(inv) = b.terminator() else { continue };
        if inv.opcode() != Some(LLVMOpcode::LLVMInvoke) {
            continue;
        }
        let pad = crate::ir::Block(unsafe { LLVMGetUnwindDest(inv.0) });
        let Some(lp) = pad
            .instructions()
            .into_iter()
            .find(|i| i.opcode() == Some(LLVMOpcode::LLVMLandingPad))
        else {
            continue;
        };
        // A catch clause names a type (or null: catch (...)); a filter
        // clause (an exception specification) is an array.
        let catches = (0..unsafe { LLVMGetNumClauses(lp.0) }).any(|k| {
            let c = Value(unsafe { LLVMGetClause(lp.0, k) });
            c.ty().kind() != LLVMTypeKind::LLVMArrayTypeKind
        });
        if !catches {
            continue;
        }
        let mut seen = indexmap::IndexSet::new();
        let mut work = vec![pad];
        while let Some(x) = work.pop() {
            if !seen.insert(x) {
                continue;
            }
            if x.terminator().and_then(|t| t.opcode()) == Some(LLVMOpcode::LLVMRet) {
                return Some(inv);
            }
            work.extend(x.successors());
        }
    }
    None
}

/// Refuse `f` (the function as compiled, before adc's copy without its
/// unwind edges) if it catches an exception and goes on: adc
/// differentiates the path on which nothing unwinds, and the derivative
/// of the catching path would stop the program.
/// A call of `f` that starts a thread: `pthread_create`, Rust's
/// `std::thread::spawn` / `scope` (and Builder's spawns).
fn thread_start(f: Function) -> Option<Value> {
    f.blocks()
        .into_iter()
        .flat_map(|b| b.instructions())
        .find(|i| {
            i.called_function().is_some_and(|c| {
                let n = c.name();
                n == "pthread_create"
                    || (n.contains("3std6thread") && (n.contains("spawn") || n.contains("scope")))
            })
        })
}

/// Work handed to another thread is out of adc's sight: refused (OpenMP
/// regions are differentiated, see ir/openmp.rs).
pub fn refuse_threads(f: Function) -> Result<()> {
    match thread_start(f) {
        Some(call) => Err(AdcError::unsupported(
            call,
            "a thread started here (std::thread, pthread_create): adc does not differentiate \
             work done on other threads, whose derivative would be lost; differentiate the \
             function each thread runs, or write the parallel loop with OpenMP in C or C++",
        )),
        None => Ok(()),
    }
}

pub fn refuse_caught_exceptions(f: Function) -> Result<()> {
    match caught_exception(f) {
        Some(inv) => Err(AdcError::unsupported(
            inv,
            "an exception thrown by this call is caught inside the function, which then goes \
             on: adc differentiates the path on which nothing throws, and on this one the \
             derivative would stop the program (std::terminate); catch it outside the \
             function you differentiate, or test for the condition before the call",
        )),
        None => Ok(()),
    }
}

/// Refuse `f` if it holds a construct adc cannot differentiate.
pub fn refuse(f: Function, activity: &ActivityAnalysis) -> Result<()> {
    if let Some((inst, why)) = find(f, activity) {
        return Err(AdcError::unsupported(inst, why));
    }
    super::float_bits::refuse(f, activity)
}
