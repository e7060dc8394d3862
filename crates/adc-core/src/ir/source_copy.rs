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
//! - Floats moved as integers. Generic code moves elements as integers of
//!   their size (std's sort moves f64 as `load i64` / `store i64`). When the
//!   type analysis (or `--type-hint`) says the memory holds floats of that
//!   size, the copy moves them as floats, so their derivatives move along.
//!   When it cannot tell, the derivatives refuse the move if the memory has
//!   a shadow ([`untyped_move`]).
//!
//! The copies are sources only: the derivatives never call them, and
//! [`remove_copies`] deletes them before the module is verified (they keep
//! the source's debug locations for error messages, which the verifier
//! would reject in another function).

use super::{add_function, get_function, Block, Builder, Function, Type, Value};
use crate::analysis::types::{MemoryType, TypeAnalysis};
use crate::error::Result;
use crate::ir::clone::PrimalMap;
use crate::reverse::MemoryHint;
use llvm_sys::core::*;
use llvm_sys::LLVMOpcode;
use std::collections::HashSet;

/// Suffix of the private copies (never in a name adc writes out).
const SUFFIX: &str = ".adc.src";

/// The function whose body adc differentiates for `f`: `f` itself, or its
/// prepared copy (see the module documentation).
pub fn source_of(f: Function, hint: Option<MemoryHint>) -> Result<Function> {
    let has_invoke = f.blocks().into_iter().any(|b| {
        b.terminator()
            .is_some_and(|t| t.opcode() == Some(LLVMOpcode::LLVMInvoke))
    });
    let moves = float_moves(f, hint);
    if !has_invoke && moves.is_empty() {
        return Ok(f);
    }
    let name = format!("{}{SUFFIX}", f.name());
    if let Some(copy) = get_function(f.module(), &name) {
        return Ok(copy);
    }
    let (copy, pm) = copy_without_unwind(f, &name);
    for (load, ty) in moves {
        // (Moves only unwinding reaches have no copy.)
        if let Some(c) = pm.values.get(&load) {
            retype_move(*c, ty);
        }
    }
    Ok(copy)
}

/// The stores of a load whose value is only stored (a move), if it is one.
pub fn move_stores(load: Value) -> Option<Vec<Value>> {
    if load.opcode() != Some(LLVMOpcode::LLVMLoad) || !load.ty().is_integer() {
        return None;
    }
    let users = load.users();
    let stores = users.iter().all(|u| {
        u.opcode() == Some(LLVMOpcode::LLVMStore) && u.operand(0) == load && u.operand(1) != load
    });
    (stores && !users.is_empty()).then_some(users)
}

/// What a move's memory holds, by the type analysis of its function.
fn move_type(types: &TypeAnalysis, load: Value, stores: &[Value]) -> MemoryType {
    let mut ptrs = vec![load.operand(0)];
    ptrs.extend(stores.iter().map(|s| s.operand(1)));
    types.memory_type(&ptrs)
}

/// The integer moves of `f` whose memory holds floats of the integer's
/// size, with that float type (from the type analysis, or the hint when
/// it cannot tell).
fn float_moves(f: Function, hint: Option<MemoryHint>) -> Vec<(Value, Type)> {
    let loads: Vec<(Value, Vec<Value>)> = f
        .blocks()
        .into_iter()
        .flat_map(|b| b.instructions())
        .filter_map(|i| move_stores(i).map(|s| (i, s)))
        .collect();
    if loads.is_empty() {
        return Vec::new();
    }
    let types = TypeAnalysis::compute(f);
    let ctx = unsafe { LLVMGetModuleContext(f.module()) };
    let hinted = hint.map(|h| match h {
        MemoryHint::Double => Type(unsafe { LLVMDoubleTypeInContext(ctx) }),
        MemoryHint::Float => Type(unsafe { LLVMFloatTypeInContext(ctx) }),
    });
    let bits = |t: Type| match t.kind() {
        llvm_sys::LLVMTypeKind::LLVMDoubleTypeKind => 64,
        llvm_sys::LLVMTypeKind::LLVMFloatTypeKind => 32,
        _ => 0,
    };
    loads
        .into_iter()
        .filter_map(|(load, stores)| {
            let t = match move_type(&types, load, &stores) {
                MemoryType::Float(t) => t,
                MemoryType::Unknown(_) => hinted?,
                MemoryType::NoFloats => return None,
            };
            (bits(t) == load.ty().int_width()).then_some((load, t))
        })
        .collect()
}

/// Move as `ty` what `load` (in a copy) moves as an integer.
fn retype_move(load: Value, ty: Type) {
    let ctx = unsafe { LLVMGetTypeContext(ty.0) };
    let b = Builder::new(ctx);
    b.position_before(load);
    let l = b.load(ty, load.operand(0));
    l.set_alignment(load.alignment());
    unsafe {
        llvm_sys::debuginfo::LLVMInstructionSetDebugLoc(
            l.0,
            llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(load.0),
        );
    }
    for st in load.users() {
        b.position_before(st);
        let s = b.store(l, st.operand(1));
        s.set_alignment(st.alignment());
        st.erase();
    }
    load.erase();
}

/// Why a float made from an integer load's bits cannot be differentiated.
pub const FLOAT_BITS: &str = "makes a float from the bits of an integer read from memory that \
     carries derivatives (generic code moving floats as integers, like std's insertion sort): adc \
     cannot carry that derivative";

/// Whether `cast` turns integer bits into a float that an integer load
/// (through phis and selects) read from memory `has_shadow` says carries
/// derivatives: generic code reading an f64 as i64 then bitcasting it
/// (std's insertion sort). adc cannot carry that derivative.
pub fn float_from_integer_load(cast: Value, has_shadow: impl Fn(Value) -> bool) -> bool {
    if cast.opcode() != Some(LLVMOpcode::LLVMBitCast)
        || !cast.operand(0).ty().is_integer()
        || !cast.ty().is_float()
    {
        return false;
    }
    let mut work = vec![cast.operand(0)];
    let mut seen: HashSet<Value> = HashSet::new();
    while let Some(v) = work.pop() {
        if !seen.insert(v) {
            continue;
        }
        match v.opcode() {
            Some(LLVMOpcode::LLVMLoad) if has_shadow(v.operand(0)) => return true,
            Some(LLVMOpcode::LLVMPHI) => {
                work.extend((0..v.count_incoming()).map(|i| v.incoming(i).0))
            }
            Some(LLVMOpcode::LLVMSelect) => work.extend([v.operand(1), v.operand(2)]),
            _ => {}
        }
    }
    false
}

/// Why an integer move of memory with a shadow cannot be differentiated:
/// the memory may hold floats, and the analysis cannot tell (a copy made
/// by [`source_of`] moves the ones it can tell as floats).
pub fn untyped_move(load: Value) -> Option<String> {
    let stores = move_stores(load)?;
    let f = load.parent_function();
    match move_type(&TypeAnalysis::compute(f), load, &stores) {
        MemoryType::NoFloats => None,
        MemoryType::Float(t) => Some(format!(
            "moves memory that holds {} as an integer of another size",
            t.print()
        )),
        MemoryType::Unknown(why) => Some(format!(
            "moves memory that may hold floats as an integer ({why}); if it holds floats, say \
             which with --type-hint double (or float)"
        )),
    }
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
    let mut reached: HashSet<Block> = HashSet::new();
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

/// A call with the invoke's callee, arguments (still the source's; the
/// caller remaps them), calling convention, attributes and location.
fn call_for_invoke(b: &Builder, inv: Value) -> Value {
    let args = inv.call_args();
    let c = b.call_typed(inv.called_function_type(), inv.called_value(), &args);
    unsafe {
        LLVMSetInstructionCallConv(c.0, LLVMGetInstructionCallConv(inv.0));
        for idx in std::iter::once(u32::MAX).chain(0..=args.len() as u32) {
            let n = LLVMGetCallSiteAttributeCount(inv.0, idx);
            let mut attrs = vec![std::ptr::null_mut(); n as usize];
            LLVMGetCallSiteAttributes(inv.0, idx, attrs.as_mut_ptr());
            for a in attrs {
                LLVMAddCallSiteAttribute(c.0, idx, a);
            }
        }
        llvm_sys::debuginfo::LLVMInstructionSetDebugLoc(
            c.0,
            llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(inv.0),
        );
    }
    if !inv.name().is_empty() {
        c.set_name(&inv.name());
    }
    c
}
