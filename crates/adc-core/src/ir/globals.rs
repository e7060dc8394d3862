//! Writable globals that hold derivatives. A writable global that the
//! differentiated function or its callees write floats (or pointers) into
//! gets a zero-initialized shadow global, cleared when a derivative is
//! entered from outside (the public `FN_fwd` / `FN_grad` and lowered Enzyme
//! call sites), shared by the derivatives of every function in the call
//! tree: within one derivative call it behaves like memory of the caller.
//! This is exact when adc sees every access during the call: the global's
//! address does not escape, and either it is internal to the module or the
//! call tree calls no function adc cannot see. Otherwise storing an active
//! value into it stays an error.
use super::{Builder, Function, Type, Value};
use llvm_sys::core::*;
use llvm_sys::LLVMOpcode;

/// A global variable that is not constant.
pub fn is_writable_global(v: Value) -> bool {
    unsafe { !LLVMIsAGlobalVariable(v.0).is_null() && LLVMIsGlobalConstant(v.0) == 0 }
}

/// Instructions that use `v`, looking through constant expressions.
/// (`false`: something else uses it too, an initializer of another global
/// say; `out` still gets every instruction.)
fn instruction_users(v: Value, out: &mut Vec<Value>) -> bool {
    let mut all = true;
    for u in v.users() {
        if u.is_instruction() {
            out.push(u);
        } else if unsafe { !LLVMIsAConstantExpr(u.0).is_null() } {
            all &= instruction_users(u, out);
        } else {
            all = false;
        }
    }
    all
}

/// The module functions `f` may run, itself included.
pub fn call_tree(f: Function) -> Vec<Function> {
    let mut tree = vec![f];
    let mut i = 0;
    while i < tree.len() {
        for bb in tree[i].blocks() {
            for inst in bb.instructions() {
                let call = matches!(
                    inst.opcode(),
                    Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke)
                );
                if let Some(c) = inst.called_function().filter(|_| call) {
                    if !c.is_declaration() && !tree.contains(&c) {
                        tree.push(c);
                    }
                }
            }
        }
        i += 1;
    }
    tree
}

/// Whether `inst` may run code adc does not see (and that could touch a
/// global by name): calls of declarations other than intrinsics, functions
/// of the rule table, heap functions and adc-runtime routines; indirect calls.
fn opaque_call(inst: Value) -> bool {
    if !matches!(
        inst.opcode(),
        Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke)
    ) {
        return false;
    }
    match inst.called_function() {
        None => true,
        Some(c) => {
            let n = c.name();
            c.is_declaration()
                && !c.is_intrinsic()
                && crate::rules::lookup_callee(c).is_none()
                && crate::ir::heap::HeapFn::of(inst).is_none()
                && !crate::rules::runtime::is_runtime_routine(&n)
        }
    }
}

/// The instructions that access `g`'s memory or take its address, seen
/// through address arithmetic (`None` when a non-instruction uses it).
fn accesses(g: Value) -> Option<Vec<Value>> {
    let (all, found) = accesses_seen(g);
    all.then_some(found)
}

/// The instructions that access `g`'s memory or take its address, and
/// whether nothing else uses it.
fn accesses_seen(g: Value) -> (bool, Vec<Value>) {
    let mut work = Vec::new();
    let all = instruction_users(g, &mut work);
    let mut out = Vec::new();
    let mut seen = indexmap::IndexSet::new();
    while let Some(u) = work.pop() {
        if !seen.insert(u) {
            continue;
        }
        match u.opcode() {
            Some(LLVMOpcode::LLVMGetElementPtr) | Some(LLVMOpcode::LLVMBitCast) => {
                work.extend(u.users())
            }
            _ => out.push(u),
        }
    }
    (all, out)
}

/// Whether something in the module stores floats or pointers into `g`, or
/// copies into it.
fn written_with_data(g: Value) -> bool {
    accesses(g).into_iter().flatten().any(|u| match u.opcode() {
        Some(LLVMOpcode::LLVMStore) => {
            let t = u.operand(0).ty();
            t.contains_float() || t.is_pointer()
        }
        Some(LLVMOpcode::LLVMCall) => {
            let copy = u.called_function().is_some_and(|c| {
                c.name().starts_with("llvm.memcpy") || c.name().starts_with("llvm.memmove")
            });
            copy && crate::analysis::types::root_object(u.operand(0)) == g
        }
        _ => false,
    })
}

/// The globals that carry derivatives while `f` runs: writable globals
/// that `f` or its callees use, that something stores data into, and whose
/// every access during the call adc sees (see the module doc).
pub fn shadowed_globals(f: Function) -> Vec<Value> {
    let tree = call_tree(f);
    let opaque = tree.iter().any(|h| {
        h.blocks()
            .into_iter()
            .flat_map(|b| b.instructions())
            .any(opaque_call)
    });
    let mut out = Vec::new();
    for g in writable_globals(f.module()) {
        if !used_in(g, &tree) || super::constants::is_inactive_global(g) {
            continue;
        }
        let internal = unsafe {
            matches!(
                LLVMGetLinkage(g.0),
                llvm_sys::LLVMLinkage::LLVMInternalLinkage
                    | llvm_sys::LLVMLinkage::LLVMPrivateLinkage
            )
        };
        if (internal || !opaque)
            && !crate::analysis::memory::address_escapes(g)
            && written_with_data(g)
        {
            out.push(g);
        }
    }
    out
}

/// Whether a function of `tree` uses global `g`.
pub fn used_in(g: Value, tree: &[Function]) -> bool {
    let mut users = Vec::new();
    instruction_users(g, &mut users);
    users.iter().any(|u| tree.contains(&u.parent_function()))
}

/// Clear the shadows of the globals `f` shadows, at the builder's position:
/// what an entry into a derivative of `f` does first.
pub fn clear_shadows_for(b: &Builder, f: Function) {
    for g in shadowed_globals(f) {
        clear_shadow(b, g, shadow_global(g));
    }
    for g in mixed_inactive_globals(f) {
        clear_shadow(b, g, super::constant_tables::inactive_stand_in(g));
    }
}

/// The inactive writable globals whose address `f` or its callees pass on
/// as a value (into a phi, a select or a call): where a derivative may use
/// their stand-in shadow (`constant_tables::inactive_stand_in`).
pub fn mixed_inactive_globals(f: Function) -> Vec<Value> {
    let tree = call_tree(f);
    writable_globals(f.module())
        .into_iter()
        .filter(|g| super::constants::is_inactive_global(*g))
        .filter(|g| {
            // (Its registration, `__enzyme_inactive_global_NAME = &NAME`, is
            // a use outside instructions: only instructions matter here.)
            accesses_seen(*g).1.into_iter().any(|u| {
                let passed = match u.opcode() {
                    Some(LLVMOpcode::LLVMPHI) | Some(LLVMOpcode::LLVMSelect) => true,
                    Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke) => {
                        !u.called_function().is_some_and(|c| c.is_intrinsic())
                    }
                    _ => false,
                };
                passed && tree.contains(&u.parent_function())
            })
        })
        .collect()
}

/// The shadow of `g`: `NAME.adc.shadow`, internal, zero-initialized.
pub fn shadow_global(g: Value) -> Value {
    super::constant_tables::zeroed_twin(g, &format!("{}.adc.shadow", g.name()), false)
}

/// Clear `shadow` (a shadow global of `g`) at the builder's position.
pub fn clear_shadow(b: &Builder, g: Value, shadow: Value) {
    let ty = Type(unsafe { LLVMGlobalGetValueType(g.0) });
    let size = Value(unsafe { LLVMSizeOf(ty.0) });
    let i8t = Type::i8(b.context());
    b.memset(shadow, i8t.const_int(0), size, 8);
}

/// The module's writable globals.
pub fn writable_globals(m: llvm_sys::prelude::LLVMModuleRef) -> Vec<Value> {
    let mut out = Vec::new();
    let mut g = unsafe { LLVMGetFirstGlobal(m) };
    while !g.is_null() {
        if is_writable_global(Value(g)) {
            out.push(Value(g));
        }
        g = unsafe { LLVMGetNextGlobal(g) };
    }
    out
}

/// `g` and the constant-expression addresses inside it (constant GEPs stay
/// constants; the IR builder folds them), each paired with the same address
/// in `g`'s shadow global: what a derivative maps them to.
pub fn shadow_addresses(g: Value) -> Vec<(Value, Value)> {
    let shadow = shadow_global(g);
    let mut out = vec![(g, shadow)];
    let mut work = vec![(g, shadow)];
    while let Some((v, s)) = work.pop() {
        for u in v.users() {
            if unsafe { LLVMIsAConstantExpr(u.0).is_null() } || u.operand(0) != v {
                continue;
            }
            let su = unsafe {
                match LLVMGetConstOpcode(u.0) {
                    LLVMOpcode::LLVMGetElementPtr => {
                        let mut idx: Vec<_> =
                            (1..u.num_operands()).map(|i| u.operand(i).0).collect();
                        Value(LLVMConstGEP2(
                            LLVMGetGEPSourceElementType(u.0),
                            s.0,
                            idx.as_mut_ptr(),
                            idx.len() as u32,
                        ))
                    }
                    _ => continue,
                }
            };
            out.push((u, su));
            work.push((u, su));
        }
    }
    out
}
