//! The body adc differentiates for a function: the function itself, or a
//! private copy prepared for differentiation. Two things call for a copy:
//!
//! - Exception edges. adc differentiates the path a function takes when
//!   nothing unwinds: Rust code calls functions that may panic through
//!   `invoke` (a `Vec::push` invokes `RawVec::grow_one`, whose cleanup frees
//!   the vector). In the copy each invoke is a call followed by a branch to
//!   its normal destination, without the blocks only unwinding reaches. If
//!   such a call does unwind, the panic passes through the derivative
//!   without the primal's cleanups (what they would free leaks); the
//!   derivative of a panicking computation has no value anyway.
//! - Floats moved as integers ([`float_webs`]): generic code moves
//!   elements as integers of their size (std's sort moves f64 as i64). The
//!   copy carries as floats the ones whose type is known.
//!
//! The copies are sources only: the derivatives never call them, and
//! [`remove_copies`] deletes them before the module is verified (they keep
//! the source's debug locations for error messages, which the verifier
//! would reject in another function).

use super::float_webs;
use super::{add_function, get_function, Block, Builder, Function, Value};
use crate::analysis::types::TypeAnalysis;
use crate::analysis::types::TypeHint;
use crate::ir::clone::PrimalMap;
use indexmap::IndexSet;
use llvm_sys::core::*;
use llvm_sys::LLVMOpcode;

/// Suffix of the private copies (never in a name adc writes out).
pub(crate) const SUFFIX: &str = ".adc.src";

/// The function whose body adc differentiates for `f`: `f` itself, or its
/// prepared copy (see the module documentation). Errs where a type hint
/// for a place contradicts what the analysis found there.
pub fn source_of(f: Function, hint: Option<&TypeHint>) -> crate::error::Result<Function> {
    let has_invoke = f.blocks().into_iter().any(|b| {
        b.terminator()
            .is_some_and(|t| t.opcode() == Some(LLVMOpcode::LLVMInvoke))
    });
    let retypes = |g: Function| -> crate::error::Result<Vec<_>> {
        let webs = float_webs::webs_of(g);
        if webs.is_empty() {
            return Ok(Vec::new());
        }
        let types = TypeAnalysis::compute(g);
        let mut out = Vec::new();
        for w in webs {
            match float_webs::web_type(&w, &types, hint) {
                Ok(Some(t)) => out.push((w, t)),
                Ok(None) => {}
                Err((at, e)) => return Err(crate::error::AdcError::unsupported(at, e)),
            }
        }
        Ok(out)
    };
    if !has_invoke && retypes(f)?.is_empty() {
        return Ok(f);
    }
    let name = format!("{}{SUFFIX}", f.name());
    if let Some(copy) = get_function(f.module(), &name) {
        return Ok(copy);
    }
    let (copy, _) = copy_without_unwind(f, &name);
    // On the copy, whose blocks are all reachable without unwinding.
    for (web, ty) in retypes(copy)? {
        float_webs::retype_web(&web, ty);
    }
    Ok(copy)
}

/// The name of the function a copy was made from (for messages).
pub fn source_name(name: &str) -> &str {
    name.strip_suffix(SUFFIX).unwrap_or(name)
}

/// Delete the copies [`without_unwind`] made.
pub fn remove_copies(m: llvm_sys::prelude::LLVMModuleRef) {
    let mut f = unsafe { LLVMGetFirstFunction(m) };
    let mut doomed = Vec::new();
    while !f.is_null() {
        if Function(Value(f)).name().ends_with(SUFFIX) {
            doomed.push(f);
        }
        f = unsafe { LLVMGetNextFunction(f) };
    }
    for f in doomed {
        unsafe { LLVMDeleteFunction(f) };
    }
}

/// Successors on the normal path: an invoke's unwind destination is left out.
fn normal_successors(b: Block) -> Vec<Block> {
    match b.terminator() {
        Some(t) if t.opcode() == Some(LLVMOpcode::LLVMInvoke) => {
            vec![Block(unsafe { LLVMGetNormalDest(t.0) })]
        }
        _ => b.successors(),
    }
}

fn copy_without_unwind(f: Function, name: &str) -> (Function, PrimalMap) {
    let m = f.module();
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let copy = add_function(m, name, f.fn_type());
    copy.set_internal();
    unsafe {
        LLVMSetFunctionCallConv(copy.raw(), LLVMGetFunctionCallConv(f.raw()));
        // Function (~0), return (0) and parameter attributes (sret, byval,
        // noalias, ...) as the source has them.
        for idx in std::iter::once(u32::MAX).chain(0..=f.params().len() as u32) {
            let n = LLVMGetAttributeCountAtIndex(f.raw(), idx);
            let mut attrs = vec![std::ptr::null_mut(); n as usize];
            LLVMGetAttributesAtIndex(f.raw(), idx, attrs.as_mut_ptr());
            for a in attrs {
                LLVMAddAttributeAtIndex(copy.raw(), idx, a);
            }
        }
    }
    let mut pm = PrimalMap::default();
    for (p, q) in f.params().into_iter().zip(copy.params()) {
        q.set_name(&p.name());
        pm.values.insert(p, q);
    }
    // Blocks the normal path reaches, in their source order.
    let mut reached: IndexSet<Block> = IndexSet::new();
    let mut stack = vec![f.entry()];
    while let Some(b) = stack.pop() {
        if reached.insert(b) {
            stack.extend(normal_successors(b));
        }
    }
    let blocks: Vec<Block> = f
        .blocks()
        .into_iter()
        .filter(|b| reached.contains(b))
        .collect();
    for b in &blocks {
        pm.blocks.insert(*b, copy.append_block(ctx, &b.name()));
    }
    let builder = Builder::new(ctx);
    let mut phis = Vec::new();
    let mut copied = Vec::new();
    for b in &blocks {
        builder.position_at_end(pm.blocks[b]);
        for inst in b.instructions() {
            let c = match inst.opcode() {
                Some(LLVMOpcode::LLVMPHI) => {
                    let p = builder.phi(inst.ty(), &inst.name());
                    phis.push((inst, p));
                    p
                }
                Some(LLVMOpcode::LLVMInvoke) => {
                    let c = call_for_invoke(&builder, inst);
                    let normal = Block(unsafe { LLVMGetNormalDest(inst.0) });
                    builder.br(pm.blocks[&normal]);
                    c
                }
                _ => {
                    // With its metadata: debug locations for messages.
                    let c = Value(unsafe { LLVMInstructionClone(inst.0) });
                    builder.insert(c);
                    if !inst.name().is_empty() {
                        c.set_name(&inst.name());
                    }
                    c
                }
            };
            pm.values.insert(inst, c);
            copied.push(c);
        }
    }
    // Operands refer to source values until every copy exists.
    for c in copied {
        if c.opcode() == Some(LLVMOpcode::LLVMPHI) {
            continue;
        }
        for i in 0..c.num_operands() {
            let o = c.operand(i);
            let n = pm.get(o);
            if n != o {
                c.set_operand(i, n);
            }
        }
    }
    for (src, p) in phis {
        for i in 0..src.count_incoming() {
            let (v, b) = src.incoming(i);
            if let Some(nb) = pm.blocks.get(&b) {
                p.add_incoming(pm.get(v), *nb);
            }
        }
    }
    (copy, pm)
}

/// Replace invoke `inv` with a call and a branch to its normal
/// destination; `None` (nothing changed) when its unwind destination has
/// phis, which would keep an entry for this block.
pub fn invoke_to_call(inv: Value) -> Option<Value> {
    let unwind = Block(unsafe { LLVMGetUnwindDest(inv.0) });
    if unwind
        .instructions()
        .first()
        .is_some_and(|i| i.opcode() == Some(LLVMOpcode::LLVMPHI))
    {
        return None;
    }
    let b = Builder::new(inv.ty().context());
    b.position_before(inv);
    let c = call_for_invoke(&b, inv);
    b.br(Block(unsafe { LLVMGetNormalDest(inv.0) }));
    inv.replace_all_uses_with(c);
    inv.erase();
    Some(c)
}

/// A call with the invoke's callee, arguments (still the source's; the
/// caller remaps them), calling convention, attributes and location.
fn call_for_invoke(b: &Builder, inv: Value) -> Value {
    let args = inv.call_args();
    let c = b.call_typed(inv.called_function_type(), inv.called_value(), &args);
    copy_call_site(inv, c);
    c
}

/// Give call `to` the calling convention, attributes, debug location and
/// name of call or invoke `from` (same callee type).
pub fn copy_call_site(from: Value, to: Value) {
    unsafe {
        LLVMSetInstructionCallConv(to.0, LLVMGetInstructionCallConv(from.0));
        for idx in std::iter::once(u32::MAX).chain(0..=from.num_call_args()) {
            let n = LLVMGetCallSiteAttributeCount(from.0, idx);
            let mut attrs = vec![std::ptr::null_mut(); n as usize];
            LLVMGetCallSiteAttributes(from.0, idx, attrs.as_mut_ptr());
            for a in attrs {
                LLVMAddCallSiteAttribute(to.0, idx, a);
            }
        }
        llvm_sys::debuginfo::LLVMInstructionSetDebugLoc(
            to.0,
            llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(from.0),
        );
    }
    if !from.name().is_empty() {
        to.set_name(&from.name());
    }
}
