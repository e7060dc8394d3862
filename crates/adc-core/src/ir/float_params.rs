//! Floats passed as integers: a parameter of integer type whose every use
//! reinterprets its bits as a float of the same width (`bitcast i64 %p to
//! double`, what `memcpy(&d, &bits, 8)` becomes). C code that moves a
//! double through a `uint64_t` argument does this (Enzyme's
//! subdoublestore); after instcombine the use may also be a store of the
//! integer that clang's TBAA tags as a double. An integer carries no derivative, so the caller's float
//! would be refused as type punning; but the bits are only ever a float,
//! so the function is equivalent to one taking that float. [`retype`] gives
//! such functions that signature: the body moves into a private function
//! with the float parameter, direct calls pass the float (the caller's own
//! float where the argument is its bitcast), and the original stays as a
//! thunk for calls through pointers and from outside the module.

use super::{add_function, functions, Block, Builder, Function, Type, Value};
use llvm_sys::core::*;
use llvm_sys::debuginfo::{LLVMGetSubprogram, LLVMSetSubprogram};
use llvm_sys::LLVMOpcode;

/// Suffix of the retyped functions.
const SUFFIX: &str = ".adc.floats";

/// Bits of a float type (0 for other types).
fn float_width(t: Type) -> u32 {
    use llvm_sys::LLVMTypeKind::*;
    match unsafe { LLVMGetTypeKind(t.0) } {
        LLVMDoubleTypeKind => 64,
        LLVMFloatTypeKind => 32,
        LLVMHalfTypeKind | LLVMBFloatTypeKind => 16,
        _ => 0,
    }
}

/// The float type a use of integer `p` reads its bits as: a bitcast to
/// it, or a store that clang's TBAA tags as an access of it (instcombine
/// turns `*(double *)q = (bitcast)p` into a store of the integer).
fn use_as_float(u: Value, p: Value) -> Option<Type> {
    let t = match u.opcode()? {
        LLVMOpcode::LLVMBitCast => u.ty(),
        LLVMOpcode::LLVMStore if u.operand(0) == p && u.operand(1) != p => {
            let name = super::metadata::tbaa_access_name(u)?;
            super::metadata::float_named(&name, p.ty().context())?
        }
        _ => return None,
    };
    (float_width(t) == p.ty().int_width()).then_some(t)
}

/// The float type every use of integer parameter `p` takes it as, if any.
fn float_in_disguise(p: Value) -> Option<Type> {
    let t = p.ty();
    if !t.is_integer() || !matches!(t.int_width(), 16 | 32 | 64) {
        return None;
    }
    let users = p.users();
    let to = use_as_float(*users.first()?, p)?;
    users
        .iter()
        .all(|u| use_as_float(*u, p) == Some(to))
        .then_some(to)
}

/// Whether `f` may be retyped: a body adc sees whole, called directly.
fn candidate(f: Function, keep: &dyn Fn(Function) -> bool) -> bool {
    !f.is_declaration()
        && !f.is_intrinsic()
        && !f.name().ends_with(SUFFIX)
        && unsafe { LLVMIsFunctionVarArg(f.fn_type().0) } == 0
        && !keep(f)
        && f.0.users().iter().any(|u| is_direct_call_of(*u, f))
}

fn is_direct_call_of(u: Value, f: Function) -> bool {
    matches!(
        u.opcode(),
        Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke)
    ) && u.called_value() == f.0
}

/// Retype every function of `m` with float parameters in disguise (except
/// those `keep` names: the targets, functions with rules). Returns how
/// many functions were retyped.
pub fn retype(m: llvm_sys::prelude::LLVMModuleRef, keep: &dyn Fn(Function) -> bool) -> usize {
    let mut n = 0;
    for f in functions(m) {
        if !candidate(f, keep) {
            continue;
        }
        let floats: Vec<Option<Type>> = f.params().into_iter().map(float_in_disguise).collect();
        if floats.iter().all(Option::is_none) {
            continue;
        }
        retype_one(f, &floats);
        n += 1;
    }
    n
}

/// Integer-only attributes that a float parameter may not carry.
const INTEGER_ATTRS: [&str; 3] = ["zeroext", "signext", "range"];

fn remove_integer_attrs(v: Value, idx: u32, call_site: bool) {
    for name in INTEGER_ATTRS {
        unsafe {
            let kind = LLVMGetEnumAttributeKindForName(name.as_ptr() as *const _, name.len());
            if call_site {
                LLVMRemoveCallSiteEnumAttribute(v.0, idx, kind);
            } else {
                LLVMRemoveEnumAttributeAtIndex(v.0, idx, kind);
            }
        }
    }
}

fn retype_one(f: Function, floats: &[Option<Type>]) {
    let m = f.module();
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let params = f.params();
    let new_types: Vec<Type> = params
        .iter()
        .zip(floats)
        .map(|(p, fl)| fl.unwrap_or(p.ty()))
        .collect();
    let g = add_function(
        m,
        &format!("{}{SUFFIX}", f.name()),
        Type::function(f.return_type(), &new_types),
    );
    g.set_internal();
    unsafe {
        LLVMSetFunctionCallConv(g.raw(), LLVMGetFunctionCallConv(f.raw()));
        for idx in std::iter::once(u32::MAX).chain(0..=params.len() as u32) {
            let n = LLVMGetAttributeCountAtIndex(f.raw(), idx);
            let mut attrs = vec![std::ptr::null_mut(); n as usize];
            LLVMGetAttributesAtIndex(f.raw(), idx, attrs.as_mut_ptr());
            for a in attrs {
                LLVMAddAttributeAtIndex(g.raw(), idx, a);
            }
        }
        // The body's debug locations belong to f's subprogram: it moves too.
        LLVMSetSubprogram(g.raw(), LLVMGetSubprogram(f.raw()));
        LLVMSetSubprogram(f.raw(), std::ptr::null_mut());
    }
    for (i, fl) in floats.iter().enumerate() {
        if fl.is_some() {
            remove_integer_attrs(g.0, i as u32 + 1, false);
        }
    }
    // Move the body: blocks after a placeholder entry, which then goes.
    let placeholder = g.append_block(ctx, "");
    let mut last = placeholder;
    for b in f.blocks() {
        unsafe { LLVMMoveBasicBlockAfter(b.0, last.0) };
        last = b;
    }
    unsafe { LLVMDeleteBasicBlock(placeholder.0) };
    for ((p, q), fl) in params.iter().zip(g.params()).zip(floats) {
        q.set_name(&p.name());
        if fl.is_some() {
            for u in p.users() {
                if u.opcode() == Some(LLVMOpcode::LLVMStore) {
                    u.set_operand(0, q);
                } else {
                    u.replace_all_uses_with(q);
                    u.erase();
                }
            }
            // What still names p (its debug records) may not outlive f.
            p.replace_all_uses_with(Value(unsafe { LLVMGetPoison(p.ty().0) }));
        } else {
            p.replace_all_uses_with(q);
        }
    }
    // Direct calls go to g.
    let b = Builder::new(ctx);
    for u in f.0.users() {
        if is_direct_call_of(u, f) {
            redirect(&b, u, g, floats);
        }
    }
    // f: a thunk for everything else.
    let entry = f.append_block(ctx, "entry");
    b.position_at_end(entry);
    let args: Vec<Value> = params
        .iter()
        .zip(floats)
        .map(|(p, fl)| fl.map_or(*p, |t| as_float(&b, *p, t)))
        .collect();
    let r = b.call(g, &args);
    if f.return_type().is_void() {
        b.ret_void();
    } else {
        b.ret(r);
    }
}

/// `v` (an integer) as float type `t`: the float it was cast from, or a cast.
fn as_float(b: &Builder, v: Value, t: Type) -> Value {
    if v.opcode() == Some(LLVMOpcode::LLVMBitCast) && v.operand(0).ty() == t {
        return v.operand(0);
    }
    if v.is_constant() {
        return Value(unsafe { LLVMConstBitCast(v.0, t.0) });
    }
    b.cast(LLVMOpcode::LLVMBitCast, v, t)
}

/// Replace call or invoke `call` of the original by one of `g`.
fn redirect(b: &Builder, call: Value, g: Function, floats: &[Option<Type>]) {
    b.position_before(call);
    let old_args = call.call_args();
    let args: Vec<Value> = old_args
        .iter()
        .zip(floats)
        .map(|(a, fl)| fl.map_or(*a, |t| as_float(b, *a, t)))
        .collect();
    let new = if call.opcode() == Some(LLVMOpcode::LLVMInvoke) {
        let (normal, unwind) = unsafe { (LLVMGetNormalDest(call.0), LLVMGetUnwindDest(call.0)) };
        b.invoke(g, &args, Block(normal), Block(unwind))
    } else {
        b.call(g, &args)
    };
    super::source_copy::copy_call_site(call, new);
    for (i, fl) in floats.iter().enumerate() {
        if fl.is_some() {
            remove_integer_attrs(new, i as u32 + 1, true);
        }
    }
    if call.opcode() == Some(LLVMOpcode::LLVMCall) {
        unsafe { LLVMSetTailCallKind(new.0, LLVMGetTailCallKind(call.0)) };
    }
    call.replace_all_uses_with(new);
    call.erase();
    for a in old_args {
        if a.opcode() == Some(LLVMOpcode::LLVMBitCast) && a.users().is_empty() {
            a.erase();
        }
    }
}
