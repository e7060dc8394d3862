//! What a checkpointed loop's snapshots must hold besides what it writes:
//! memory it reads that code after it may write (the recomputed
//! iterations must read what they first read), by an alias test of the
//! objects pointers come from; and the object each access goes through,
//! which groups the probe's hulls (snapshots.c).

use crate::analysis::loops::SimpleLoop;
use crate::ir::{Block, Function, Value};
use indexmap::IndexSet;
use llvm_sys::core::*;
use llvm_sys::LLVMOpcode::*;

/// An object a pointer may point into, as far as aliasing goes: stack
/// slots, heap blocks and globals are distinct objects; arguments may be
/// the same memory unless one is `noalias` (Rust's `&mut`, C's `restrict`).
fn may_alias(a: Value, b: Value) -> bool {
    use crate::analysis::activity::HeapFn;
    if a == b {
        return true;
    }
    let identified = |v: Value| {
        v.opcode() == Some(LLVMAlloca)
            || unsafe { !LLVMIsAGlobalVariable(v.0).is_null() }
            || (v.opcode() == Some(LLVMCall) && HeapFn::of(v).is_some_and(HeapFn::allocates))
    };
    let noalias_arg = |v: Value| v.is_argument() && is_noalias(v);
    if identified(a) && (identified(b) || b.is_argument()) || identified(b) && a.is_argument() {
        return false;
    }
    if a.is_argument() && b.is_argument() {
        return !(noalias_arg(a) || noalias_arg(b));
    }
    true
}

/// Whether argument `a` carries `noalias`.
fn is_noalias(a: Value) -> bool {
    unsafe {
        let f = LLVMGetParamParent(a.0);
        let n = LLVMCountParams(f);
        let Some(i) = (0..n).find(|i| LLVMGetParam(f, *i) == a.0) else {
            return false;
        };
        let kind = LLVMGetEnumAttributeKindForName(c"noalias".as_ptr(), 7);
        !LLVMGetEnumAttributeAtIndex(f, i + 1, kind).is_null()
    }
}

/// Where the loop reads memory that code after it (on a path from its
/// exit) may write: the objects of those reads. The iterations recomputed
/// in the reverse sweep must read what they read the first time, so the
/// probe adds the bytes such reads touch to the snapshots. `Err`: a free
/// there may release memory the loop reads or writes.
pub(super) fn read_memory_written_later(
    l: &SimpleLoop,
    region: &IndexSet<Block>,
    exits: &[Block],
) -> std::result::Result<IndexSet<Value>, Value> {
    use crate::analysis::types::pointer_sources;
    use crate::ir::heap::HeapFn;
    let mut read = IndexSet::new();
    // What the reverse sweep touches: the memory read, and the memory
    // written, which it restores from snapshots.
    let mut touched = IndexSet::new();
    for b in &l.body {
        for i in b.instructions() {
            if let Some(p) = read_pointer(i) {
                read.extend(pointer_sources(p));
            }
            let written = match i.opcode() {
                Some(LLVMStore) => Some(i.operand(1)),
                Some(LLVMCall) if i.called_function().is_some_and(is_mem_write_intrinsic) => {
                    Some(i.operand(0))
                }
                _ => None,
            };
            touched.extend(written.map(pointer_sources).unwrap_or_default());
        }
    }
    touched.extend(read.iter().copied());
    let ends_in_ret = |b: Block| b.terminator().is_some_and(|t| t.opcode() == Some(LLVMRet));
    let mut hazards = IndexSet::new();
    let mut seen = IndexSet::new();
    let mut work = exits.to_vec();
    while let Some(b) = work.pop() {
        if region.contains(&b) || !seen.insert(b) {
            continue;
        }
        work.extend(b.successors());
        for i in b.instructions() {
            let written: Option<Vec<Value>> = match i.opcode() {
                Some(LLVMStore) => Some(pointer_sources(i.operand(1))),
                Some(LLVMCall) => match i.called_function() {
                    None => None,
                    Some(c) if is_mem_write_intrinsic(c) => Some(pointer_sources(i.operand(0))),
                    Some(_) if HeapFn::of(i).is_some_and(|h| !h.allocates()) => {
                        // The gradient frees what the function frees at its
                        // end when it returns (analysis::memory::FinalWrites).
                        let last = ends_in_ret(b)
                            || matches!(b.successors().as_slice(), [s] if ends_in_ret(*s));
                        let freed = pointer_sources(i.operand(0));
                        if !last
                            && freed
                                .iter()
                                .any(|w| touched.iter().any(|r| may_alias(*w, *r)))
                        {
                            return Err(i);
                        }
                        continue;
                    }
                    Some(c)
                        if !c.is_intrinsic()
                            && crate::analysis::memory::may_write_user_memory(i, c) =>
                    {
                        None
                    }
                    Some(_) => continue,
                },
                _ => continue,
            };
            match written {
                Some(ws) => {
                    for r in &read {
                        if ws.iter().any(|w| may_alias(*w, *r)) {
                            hazards.insert(*r);
                        }
                    }
                }
                None => hazards.extend(read.iter().copied()),
            }
        }
    }
    Ok(hazards)
}

/// The operand of [`read_pointer`].
pub(super) fn read_index(i: Value) -> u32 {
    if i.opcode() == Some(LLVMLoad) {
        0
    } else {
        1
    }
}

/// The pointer a load or a copy reads through.
pub(super) fn read_pointer(i: Value) -> Option<Value> {
    match i.opcode() {
        Some(LLVMLoad) => Some(i.operand(0)),
        Some(LLVMCall)
            if i.called_function().is_some_and(|c| {
                c.name().starts_with("llvm.memcpy") || c.name().starts_with("llvm.memmove")
            }) =>
        {
            Some(i.operand(1))
        }
        _ => None,
    }
}

pub(super) fn is_mem_write_intrinsic(c: Function) -> bool {
    let n = c.name();
    n.starts_with("llvm.memcpy") || n.starts_with("llvm.memmove") || n.starts_with("llvm.memset")
}

/// The one object `p` points into, as far as the loop goes: the value
/// before all address arithmetic (in the loop or before it), which must be
/// defined outside the loop. Stores through the same object share a hull
/// (snapshots.c); the probe needs only the grouping, not the pointer.
pub(super) fn root(p: Value, region: &IndexSet<Block>) -> Option<Value> {
    let mut seen = IndexSet::new();
    let mut work = vec![p];
    let mut found: Option<Value> = None;
    while let Some(v) = work.pop() {
        if !seen.insert(v) {
            continue;
        }
        let inside = v.is_instruction() && region.contains(&v.parent_block());
        let arithmetic = matches!(
            v.opcode(),
            Some(LLVMGetElementPtr) | Some(LLVMBitCast) | Some(LLVMAddrSpaceCast)
        );
        if !inside && arithmetic {
            work.push(v.operand(0));
            continue;
        }
        if !inside {
            if v.is_instruction()
                || v.is_argument()
                || unsafe { !LLVMIsAGlobalVariable(v.0).is_null() }
            {
                if found.is_some_and(|r| r != v) {
                    return None;
                }
                found = Some(v);
                continue;
            }
            return None;
        }
        match v.opcode() {
            Some(LLVMGetElementPtr) | Some(LLVMBitCast) | Some(LLVMAddrSpaceCast) => {
                work.push(v.operand(0))
            }
            Some(LLVMPHI) => {
                for i in 0..v.count_incoming() {
                    work.push(v.incoming(i).0);
                }
            }
            Some(LLVMSelect) => {
                work.push(v.operand(1));
                work.push(v.operand(2));
            }
            _ => return None,
        }
    }
    found
}
