//! Pointers that travel through an integer phi. rustc lowers
//! `vec![0.0; n]` to `inttoptr (phi i64 [ptrtoint %block, ...], [8, ...])`:
//! the allocation, or the dangling address 8 when n is 0. Shadow memory
//! follows pointers, not integers, so the pointer is rebuilt as a phi of
//! pointers (`phi ptr [%block, ...], [inttoptr (i64 8), ...]`), which is
//! the same address on every path.

use super::{functions, Builder, Type, Value};
use llvm_sys::core::*;
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::LLVMOpcode;

/// The pointer an incoming value of the phi stands for: the operand of a
/// `ptrtoint` (instruction or constant expression), or an integer constant
/// as a constant address.
fn as_pointer(v: Value, ptr: Type) -> Option<Value> {
    let is_ptrtoint = if v.is_instruction() {
        v.opcode() == Some(LLVMOpcode::LLVMPtrToInt)
    } else {
        let opcode =
            unsafe { (!LLVMIsAConstantExpr(v.0).is_null()).then(|| LLVMGetConstOpcode(v.0)) };
        opcode == Some(LLVMOpcode::LLVMPtrToInt)
    };
    if is_ptrtoint {
        let p = v.operand(0);
        return (p.ty().0 == ptr.0).then_some(p);
    }
    (v.const_u64().is_some()).then(|| Value(unsafe { LLVMConstIntToPtr(v.0, ptr.0) }))
}

/// Rebuild, in every function of `m`, each `inttoptr` of an integer phi
/// whose incoming values are all pointers as integers or constants.
pub fn rebuild_phis(m: LLVMModuleRef) {
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let b = Builder::new(ctx);
    for f in functions(m) {
        if f.is_declaration() {
            continue;
        }
        // (Collected first: the rewrite erases instructions.)
        let mut found = Vec::new();
        for bb in f.blocks() {
            for inst in bb.instructions() {
                if inst.opcode() != Some(LLVMOpcode::LLVMIntToPtr) {
                    continue;
                }
                let phi = inst.operand(0);
                if phi.opcode() != Some(LLVMOpcode::LLVMPHI) {
                    continue;
                }
                let ptr = inst.ty();
                let incoming: Option<Vec<_>> = (0..phi.count_incoming())
                    .map(|i| {
                        let (v, from) = phi.incoming(i);
                        as_pointer(v, ptr).map(|p| (p, from))
                    })
                    .collect();
                if let Some(incoming) = incoming {
                    found.push((inst, phi, incoming));
                }
            }
        }
        for (inst, phi, incoming) in found {
            b.position_before(phi);
            let p = b.phi(inst.ty(), &format!("{}.ptr", phi.name()));
            for (v, from) in incoming {
                p.add_incoming(v, from);
            }
            inst.replace_all_uses_with(p);
            inst.erase();
            // The integer phi and its ptrtoints, now dead: other analyses
            // see the allocation used by the pointer phi only.
            if phi.users().is_empty() {
                let ints: Vec<Value> = (0..phi.count_incoming())
                    .map(|i| phi.incoming(i).0)
                    .filter(|v| v.is_instruction())
                    .collect();
                phi.erase();
                for v in ints {
                    if v.users().is_empty() {
                        v.erase();
                    }
                }
            }
        }
    }
}
