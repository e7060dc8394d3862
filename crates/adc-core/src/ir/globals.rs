//! Writable globals that hold derivatives. A global used by one function
//! only (a file-scope scratch buffer, say) and written with active values
//! gets a zero-initialized shadow global, cleared when a derivative of that
//! function starts, so it behaves like a stack object of the function. A
//! global that other functions also use would carry derivatives across calls
//! adc does not see; storing an active value into one stays an error.

use super::{Builder, Function, Type, Value};
use llvm_sys::core::*;
use llvm_sys::LLVMOpcode;

/// A global variable that is not constant.
pub fn is_writable_global(v: Value) -> bool {
    unsafe { !LLVMIsAGlobalVariable(v.0).is_null() && LLVMIsGlobalConstant(v.0) == 0 }
}

/// Instructions that use `v`, looking through constant expressions.
fn instruction_users(v: Value, out: &mut Vec<Value>) -> bool {
    for u in v.users() {
        if u.is_instruction() {
            out.push(u);
        } else if unsafe { !LLVMIsAConstantExpr(u.0).is_null() } {
            if !instruction_users(u, out) {
                return false;
            }
        } else {
            return false; // an initializer of another global, say
        }
    }
    true
}

/// Whether `f` can call itself (directly or through other module functions).
fn recursive(f: Function) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut work = vec![f];
    while let Some(g) = work.pop() {
        for bb in g.blocks() {
            for i in bb.instructions() {
                if !matches!(
                    i.opcode(),
                    Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke)
                ) {
                    continue;
                }
                let Some(c) = i.called_function() else {
                    continue;
                };
                if c == f {
                    return true;
                }
                if !c.is_declaration() && seen.insert(c) {
                    work.push(c);
                }
            }
        }
    }
    false
}

/// Whether `g` is a writable global that only `f` uses, and `f` is not
/// recursive: then a shadow global is exact.
pub fn local_to(g: Value, f: Function) -> bool {
    if !is_writable_global(g) {
        return false;
    }
    // Derivatives adc already made of `f` (`F.adc.KIND.PATTERN`, and the
    // public `F_fwd` / `F_grad` they may be inlined into) use it too.
    let derived = format!("{}.adc.", f.name());
    let public = [format!("{}_fwd", f.name()), format!("{}_grad", f.name())];
    let mut users = Vec::new();
    instruction_users(g, &mut users)
        && users.iter().all(|u| {
            let h = u.parent_function();
            let n = h.name();
            h == f || n.starts_with(&derived) || public.contains(&n)
        })
        && !recursive(f)
}

/// Replace constant-expression addresses of `g` (GEPs and casts) used by
/// instructions with equivalent instructions, so that analyses and shadows
/// see every access as an instruction of the function.
pub fn expand_constant_addresses(g: Value) {
    let mut users = Vec::new();
    if !instruction_users(g, &mut users) {
        return;
    }
    for inst in users {
        if inst.opcode() == Some(LLVMOpcode::LLVMPHI) {
            continue; // would need an insertion point in the predecessor
        }
        for i in 0..inst.num_operands() {
            let op = inst.operand(i);
            if let Some(new) = as_instruction(op, inst) {
                inst.set_operand(i, new);
            }
        }
    }
}

/// An instruction computing constant expression `c` (rooted at a global),
/// inserted before `before`.
fn as_instruction(c: Value, before: Value) -> Option<Value> {
    if unsafe { LLVMIsAConstantExpr(c.0).is_null() } {
        return None;
    }
    let b = Builder::new(unsafe { LLVMGetTypeContext(LLVMTypeOf(c.0)) });
    let base = c.operand(0);
    let base = as_instruction(base, before).unwrap_or(base);
    b.position_before(before);
    match unsafe { LLVMGetConstOpcode(c.0) } {
        LLVMOpcode::LLVMGetElementPtr => {
            let src = Type(unsafe { LLVMGetGEPSourceElementType(c.0) });
            let idx: Vec<Value> = (1..c.num_operands()).map(|i| c.operand(i)).collect();
            Some(b.gep_n(src, base, &idx))
        }
        _ => None,
    }
}

/// The shadow of `g`: `NAME.adc.shadow`, internal, zero-initialized.
pub fn shadow_global(g: Value) -> Value {
    let m = unsafe { LLVMGetGlobalParent(g.0) };
    let name = format!("{}.adc.shadow", g.name());
    if let Some(s) = unsafe {
        let n = std::ffi::CString::new(name.clone()).unwrap();
        let v = LLVMGetNamedGlobal(m, n.as_ptr());
        (!v.is_null()).then_some(Value(v))
    } {
        return s;
    }
    let ty = Type(unsafe { LLVMGlobalGetValueType(g.0) });
    let n = std::ffi::CString::new(name).unwrap();
    unsafe {
        let s = LLVMAddGlobal(m, ty.0, n.as_ptr());
        LLVMSetInitializer(s, LLVMConstNull(ty.0));
        LLVMSetLinkage(s, llvm_sys::LLVMLinkage::LLVMInternalLinkage);
        LLVMSetAlignment(s, LLVMGetAlignment(g.0).max(8));
        Value(s)
    }
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
