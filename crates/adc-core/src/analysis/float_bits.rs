//! Floats whose bits leave as integers (type punning): `memcpy(&u, &x, 8)`
//! with a `uint64_t u`, a union read as an integer, the fast inverse square
//! root. clang turns them into a `bitcast` of the float to an integer, and
//! an integer carries no derivative, so if those bits come back as a float
//! (a bitcast back, a store into memory, a call argument, a return) the
//! derivative is silently lost. Both modes refuse such a function with the
//! place the bits go; bits that only feed comparisons and integer
//! arithmetic that stays integer (a sign or exponent test) lose nothing.

use super::activity::ActivityAnalysis;
use crate::ir::{Function, Value};
use indexmap::IndexSet;
use llvm_sys::LLVMOpcode::*;

/// A punned float of `f` whose bits come back as data: (the bitcast, the
/// instruction they reach), if there is one.
pub fn escaping_float_bits(f: Function, activity: &ActivityAnalysis) -> Option<(Value, Value)> {
    for i in f.blocks().into_iter().flat_map(|b| b.instructions()) {
        let punned = matches!(i.opcode(), Some(LLVMBitCast))
            && i.operand(0).ty().is_float()
            && !i.ty().is_float()
            && !i.ty().is_pointer()
            && activity.is_varied(i.operand(0));
        if punned {
            if let Some(to) = escape(i) {
                return Some((i, to));
            }
        }
    }
    None
}

/// Where the integer bits of `start` go as data, following integer
/// computations.
fn escape(start: Value) -> Option<Value> {
    let mut seen = IndexSet::new();
    let mut work = vec![start];
    while let Some(v) = work.pop() {
        if !seen.insert(v) {
            continue;
        }
        for u in v.users() {
            match u.opcode() {
                // Decisions and numeric conversions: no derivative to lose.
                Some(LLVMICmp) | Some(LLVMCondBr) | Some(LLVMSwitch) | Some(LLVMSIToFP)
                | Some(LLVMUIToFP) => {}
                // Rebuilt as a float only to be rescaled (ir/fp_idioms.rs):
                // the derivative goes through adc.rescaled, not the bits.
                Some(LLVMBitCast)
                    if u.ty().is_float()
                        && !u.users().is_empty()
                        && u.users().iter().all(|w| {
                            w.called_function()
                                .is_some_and(|c| c.name().starts_with("adc.rescaled."))
                                && w.operand(1) == u
                        }) => {}
                Some(LLVMBitCast) if u.ty().is_float() => return Some(u),
                // Integer intrinsics (ctlz, abs, bswap): integer computations.
                Some(LLVMCall)
                    if u.ty().is_integer()
                        && u.called_function().is_some_and(|c| c.is_intrinsic()) =>
                {
                    work.push(u)
                }
                Some(LLVMStore)
                | Some(LLVMRet)
                | Some(LLVMInsertValue)
                | Some(LLVMIntToPtr)
                | Some(LLVMCall)
                | Some(LLVMInvoke) => {
                    // A store of something else at this address is no escape.
                    if u.opcode() == Some(LLVMStore) && u.operand(0) != v {
                        continue;
                    }
                    return Some(u);
                }
                Some(LLVMGetElementPtr) | Some(LLVMLoad) => {}
                _ if u.ty().is_integer() || u.ty().is_vector() => work.push(u),
                _ => return Some(u),
            }
        }
    }
    None
}

/// The error both modes give for [`escaping_float_bits`].
pub fn refuse(f: Function, activity: &ActivityAnalysis) -> crate::error::Result<()> {
    match escaping_float_bits(f, activity) {
        None => Ok(()),
        Some((cast, to)) => Err(crate::error::AdcError::unsupported(
            cast,
            format!(
                "the bits of an active float are read as an integer (type punning: a memcpy \
                 into an integer, a union, a bitcast) and come back as data at `{}`; an integer \
                 carries no derivative, so adc would lose it: keep the value a float, or mark the \
                 input it comes from const",
                to.print().trim()
            ),
        )),
    }
}
