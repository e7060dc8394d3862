//! Enzyme's `__enzyme_iter(n, k)`: an iteration count that is `n` in the
//! program and grows by `k` with each derivative taken of the code around
//! it. A truncated series (a Taylor polynomial of `sin` with `n` terms)
//! loses a term to each derivative; counting `k` more per order keeps its
//! higher derivatives as accurate as the function.
//!
//! A derivative's copy of the call counts `k` more ([`bump`], from
//! `clone::PrimalMap::clone_at`, which copies primal code into tangent and
//! adjoint functions), so a derivative of a derivative counts `2k` more;
//! once every derivative is built, each call is replaced by its count
//! ([`resolve`]).

use super::{functions, Builder, Value};
use llvm_sys::core::*;
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::LLVMOpcode;

/// The name (C's, or inside a C++ mangled one).
pub const NAME: &str = "__enzyme_iter";

/// Whether `call` is a call of `__enzyme_iter(n, k)`.
pub fn is_iter_call(call: Value) -> bool {
    call.opcode() == Some(LLVMOpcode::LLVMCall)
        && call.num_operands() == 3
        && call
            .called_function()
            .is_some_and(|f| f.is_declaration() && f.name().contains(NAME))
}

/// In `copy` (a derivative's copy of a call of `__enzyme_iter(n, k)`, at
/// the builder): count `n + k`.
pub fn bump(b: &Builder, copy: Value) {
    let (n, k) = (copy.operand(0), copy.operand(1));
    copy.set_operand(0, b.add(n, k));
}

/// Replace every call of `__enzyme_iter(n, k)` in module `m` by `n`.
pub fn resolve(m: LLVMModuleRef) {
    for f in functions(m) {
        if !(f.is_declaration() && f.name().contains(NAME)) {
            continue;
        }
        for u in f.0.users() {
            if is_iter_call(u) {
                unsafe {
                    LLVMReplaceAllUsesWith(u.0, u.operand(0).0);
                    LLVMInstructionEraseFromParent(u.0);
                }
            }
        }
    }
}
