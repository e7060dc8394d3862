//! Dropping fast-math flags. LLVM's C API can only add flags
//! (`LLVMSetFastMathFlags` ORs them in), so an instruction that carries
//! some is rebuilt without them.
//!
//! adc does this to clang -O0 input before it optimizes it like -O2
//! (`prepare` in lib.rs): under `-ffast-math` those rewrites reassociate
//! sums, which changes a loop's trip count where it compares a float sum
//! (Boost's `integrate_const` at t = 8.1), and turn `x > y ? x : y` into
//! `maxnum`, whose derivative at a tie is not the side the source picked.
//! Dropping the flags is always a refinement: they only license rewrites.

use super::source_copy::copy_call_site;
use super::{Builder, Function, Value};
use llvm_sys::core::*;
use llvm_sys::LLVMOpcode::*;

/// Rebuild every instruction of `f` that has fast-math flags without them.
pub fn make_strict(f: Function) {
    let flagged: Vec<Value> = f
        .blocks()
        .into_iter()
        .flat_map(|b| b.instructions())
        .filter(|i| unsafe {
            LLVMCanValueUseFastMathFlags(i.0) != 0 && LLVMGetFastMathFlags(i.0) != 0
        })
        .collect();
    if flagged.is_empty() {
        return;
    }
    let b = Builder::new(f.0.ty().context());
    for i in flagged {
        if let Some(plain) = rebuild(&b, i) {
            i.replace_all_uses_with(plain);
            i.erase();
        }
    }
}

/// `i` built again before itself, without flags; `None` when adc cannot
/// (a call with operand bundles), which keeps it as it is.
fn rebuild(b: &Builder, i: Value) -> Option<Value> {
    b.position_before(i);
    let name = i.name();
    let op = |k| i.operand(k);
    let raw = unsafe {
        match i.opcode()? {
            o @ (LLVMFAdd | LLVMFSub | LLVMFMul | LLVMFDiv | LLVMFRem) => {
                LLVMBuildBinOp(b.raw(), o, op(0).0, op(1).0, c"".as_ptr())
            }
            LLVMFNeg => LLVMBuildFNeg(b.raw(), op(0).0, c"".as_ptr()),
            LLVMFCmp => LLVMBuildFCmp(b.raw(), i.fcmp_predicate(), op(0).0, op(1).0, c"".as_ptr()),
            LLVMSelect => LLVMBuildSelect(b.raw(), op(0).0, op(1).0, op(2).0, c"".as_ptr()),
            LLVMPHI => {
                let p = b.phi(i.ty(), "");
                for k in 0..i.count_incoming() {
                    let (v, from) = i.incoming(k);
                    p.add_incoming(v, from);
                }
                p.0
            }
            LLVMCall if LLVMGetNumOperandBundles(i.0) == 0 => {
                let c = b.call_typed(i.called_function_type(), i.called_value(), &i.call_args());
                copy_call_site(i, c);
                LLVMSetTailCallKind(c.0, LLVMGetTailCallKind(i.0));
                c.0
            }
            _ => return None,
        }
    };
    i.set_name("");
    let v = Value(raw);
    if v.is_instruction() {
        unsafe {
            llvm_sys::debuginfo::LLVMInstructionSetDebugLoc(
                raw,
                llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(i.0),
            );
        }
        v.set_name(&name);
    }
    Some(v)
}
