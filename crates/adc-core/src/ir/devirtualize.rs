//! Calls through function pointers, made direct where adc can name the
//! possible callees.
//!
//! A derivative needs the callee's code, and a function pointer hides it
//! (Boost's odeint calls the user's system through one; a C allocator
//! wrapper calls `malloc` through a global). The callee of an indirect call
//! is one of the functions whose address the module takes, or code outside
//! the module. So an indirect call of type `T` whose possible callees are
//! the few address-taken functions of type `T` becomes a direct call of a
//! dispatcher,
//!
//! ```text
//! T.dispatch(args..., fp):
//!   if fp == @f1: return f1(args...)
//!   ...
//!   return fp(args...)        ; tagged: the fallback
//! ```
//!
//! which the primal runs exactly as before, and which differentiates like
//! any function of the module. The fallback is reached only by code adc
//! never saw; in a derivative it stops the program with a message
//! ([`trap_before`]) instead of returning a derivative that misses the
//! callee's part.

use super::debug_loc::SourceLoc;
use super::{functions, Builder, Function, Type, Value};
use indexmap::{IndexMap, IndexSet};
use llvm_sys::core::*;
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::LLVMOpcode;

/// More possible callees than this: the call is left as it is.
const MAX_CANDIDATES: usize = 8;

/// The name of every dispatcher starts so.
const DISPATCH: &str = "adc.dispatch.";

/// The metadata kind that tags a dispatcher's fallback call.
const FALLBACK: &str = "adc.indirect.fallback";

/// Make the indirect calls of `roots` and of the functions they may call
/// direct where their possible callees are known (see the module docs).
/// `known` says which functions adc can differentiate a call of (those
/// with a body, and declarations with a rule); the others are left to the
/// fallback, so that a pointer that never holds them costs nothing.
pub fn promote(m: LLVMModuleRef, roots: &[Function], known: &dyn Fn(Function) -> bool) {
    let taken: Vec<Function> = address_taken(m).into_iter().filter(|f| known(*f)).collect();
    let mut dispatchers: IndexMap<Type, Option<Function>> = IndexMap::new();
    let mut seen: IndexSet<Function> = roots.iter().copied().collect();
    let mut i = 0;
    while i < seen.len() {
        let f = seen[i];
        i += 1;
        for inst in f.blocks().into_iter().flat_map(|b| b.instructions()) {
            if inst.opcode() != Some(LLVMOpcode::LLVMCall) {
                continue;
            }
            if let Some(c) = inst.called_function() {
                if !c.is_declaration() {
                    seen.insert(c);
                }
                continue;
            }
            if is_fallback(inst) || super::inline_asm::is_asm_call(inst) || !promotable(inst) {
                continue;
            }
            let ty = inst.called_function_type();
            let d = *dispatchers
                .entry(ty)
                .or_insert_with(|| dispatcher(m, ty, &taken));
            if let Some(d) = d {
                redirect(inst, d);
                seen.insert(d);
            }
        }
    }
}

/// Whether `v` is only ever called (a code pointer loaded to be called,
/// or passed to a dispatcher as what to call): it carries no derivative,
/// even when it comes from memory that does.
pub fn only_called(v: Value) -> bool {
    let users = v.users();
    !users.is_empty()
        && users.into_iter().all(|u| {
            if u.opcode() != Some(LLVMOpcode::LLVMCall) {
                return false;
            }
            let args = u.call_args();
            match u.called_function() {
                None => u.called_value() == v && !args.contains(&v),
                Some(d) if d.name().starts_with(DISPATCH) => {
                    args.iter().position(|a| *a == v) == Some(args.len() - 1)
                }
                Some(_) => false,
            }
        })
}

/// Whether `call` is a dispatcher's fallback: a call of code adc never saw.
pub fn is_fallback(call: Value) -> bool {
    let ctx = call.ty().context();
    let kind = unsafe {
        LLVMGetMDKindIDInContext(ctx, FALLBACK.as_ptr() as *const _, FALLBACK.len() as u32)
    };
    unsafe { !LLVMGetMetadata(call.0, kind).is_null() }
}

/// In a derivative, before the copy of fallback call `call`: stop the
/// program, saying why (the message the dispatcher's tag holds).
pub fn trap_before(b: &Builder, call: Value) {
    let m = call.parent_function().module();
    let mut msg = tag_text(call).unwrap_or_else(|| "adc: an indirect call in a derivative".into());
    let within = call.parent_function().name();
    if !within.starts_with(DISPATCH) {
        msg.push_str(&format!(" (in `{within}`"));
        if let Some(l) = SourceLoc::of(call) {
            msg.push_str(&format!(" at {l}"));
        }
        msg.push(')');
    }
    super::stop::stop(b, m, &msg);
}

/// The message in a fallback call's tag.
fn tag_text(call: Value) -> Option<String> {
    unsafe {
        let ctx = call.ty().context();
        let kind =
            LLVMGetMDKindIDInContext(ctx, FALLBACK.as_ptr() as *const _, FALLBACK.len() as u32);
        let node = LLVMGetMetadata(call.0, kind);
        if node.is_null() || LLVMGetMDNodeNumOperands(node) == 0 {
            return None;
        }
        let mut ops = [std::ptr::null_mut()];
        LLVMGetMDNodeOperands(node, ops.as_mut_ptr());
        let mut len = 0u32;
        let p = LLVMGetMDString(ops[0], &mut len);
        (!p.is_null()).then(|| {
            String::from_utf8_lossy(std::slice::from_raw_parts(p as *const u8, len as usize))
                .into_owned()
        })
    }
}

/// Functions whose address the module's own code may call: used other
/// than as a call's callee, or as an argument of a function without a body
/// (an OpenMP region handed to `__kmpc_fork_call`, a comparator to `qsort`:
/// the library calls those, not the module).
fn address_taken(m: LLVMModuleRef) -> Vec<Function> {
    functions(m)
        .into_iter()
        .filter(|f| !f.is_intrinsic() && !f.name().starts_with("adc."))
        .filter(|f| {
            f.0.users().into_iter().any(|u| {
                let calls = matches!(
                    u.opcode(),
                    Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke)
                );
                if !calls {
                    return true;
                }
                let callee = u.called_value();
                let passed = u.call_args().contains(&f.0);
                let to_library = u.called_function().is_some_and(|c| c.is_declaration());
                passed && !(to_library && callee != f.0)
            })
        })
        .collect()
}

/// Calls whose arguments a dispatcher can pass on unchanged: no varargs,
/// no operand bundles, the C calling convention, no argument passed in memory (`byval`, `sret`, ...).
fn promotable(call: Value) -> bool {
    let ty = call.called_function_type();
    if unsafe { LLVMIsFunctionVarArg(ty.0) } != 0
        || unsafe { LLVMGetNumOperandBundles(call.0) } != 0
        || unsafe { LLVMGetInstructionCallConv(call.0) } != 0
    {
        return false;
    }
    let memory_kinds = ["byval", "sret", "inalloca", "preallocated", "byref"]
        .map(|n| unsafe { LLVMGetEnumAttributeKindForName(n.as_ptr() as *const _, n.len()) });
    (1..=call.num_call_args()).all(|idx| {
        memory_kinds
            .iter()
            .all(|k| unsafe { LLVMGetCallSiteEnumAttribute(call.0, idx, *k).is_null() })
    })
}

/// The dispatcher of calls of type `ty`, or `None` when no address-taken
/// function has that type or too many do.
fn dispatcher(m: LLVMModuleRef, ty: Type, taken: &[Function]) -> Option<Function> {
    let cands: Vec<Function> = taken
        .iter()
        .copied()
        .filter(|f| unsafe { LLVMGlobalGetValueType(f.raw()) } == ty.0)
        .collect();
    if cands.is_empty() || cands.len() > MAX_CANDIDATES {
        return None;
    }
    let ctx = ty.context();
    let ret = Type(unsafe { LLVMGetReturnType(ty.0) });
    let mut params = ty.params();
    params.push(Type::ptr(ctx));
    let name = format!("{DISPATCH}{}", cands[0].name());
    let d = super::add_function(m, &name, Type::function(ret, &params));
    d.set_internal();
    let b = Builder::new(ctx);
    let p = d.params();
    let (args, fp) = p.split_at(p.len() - 1);
    let mut test = d.append_block(ctx, "entry");
    let finish = |b: &Builder, r: Value| {
        if ret.is_void() {
            b.ret_void();
        } else {
            b.ret(r);
        }
    };
    for c in &cands {
        b.position_at_end(test);
        let hit = d.append_block(ctx, &c.name());
        let next = d.append_block(ctx, "next");
        let same = b.icmp(llvm_sys::LLVMIntPredicate::LLVMIntEQ, fp[0], c.0);
        b.cond_br(same, hit, next);
        b.position_at_end(hit);
        let r = b.call(*c, args);
        finish(&b, r);
        test = next;
    }
    b.position_at_end(test);
    let r = b.call_typed(ty, fp[0], args);
    let names: Vec<String> = cands.iter().map(|c| format!("`{}`", c.name())).collect();
    let msg = format!(
        "adc: a derivative called, through a pointer of type `{}`, a function other than \
         those adc differentiated for it ({}); adc does not know its derivative, so the \
         program stops here rather than return a wrong one",
        ty.print(),
        names.join(", ")
    );
    unsafe {
        let kind =
            LLVMGetMDKindIDInContext(ctx, FALLBACK.as_ptr() as *const _, FALLBACK.len() as u32);
        let mut text = [LLVMMDStringInContext2(
            ctx,
            msg.as_ptr() as *const _,
            msg.len(),
        )];
        let node = LLVMMDNodeInContext2(ctx, text.as_mut_ptr(), 1);
        LLVMSetMetadata(r.0, kind, LLVMMetadataAsValue(ctx, node));
    }
    finish(&b, r);
    Some(d)
}

/// Replace indirect call `call` by a call of dispatcher `d`, the called
/// pointer passed last.
fn redirect(call: Value, d: Function) {
    let b = Builder::new(call.ty().context());
    b.position_before(call);
    let mut args = call.call_args();
    args.push(call.called_value());
    let c = b.call(d, &args);
    super::source_copy::copy_call_site(call, c);
    call.replace_all_uses_with(c);
    call.erase();
}
