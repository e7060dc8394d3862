//! Where a function writes memory, so that the reverse sweep can tell which
//! loads it may simply repeat. A load whose memory no instruction after it
//! (on any path to the return) can change reads, at the end of the forward
//! run, the value it read when it ran: the reverse sweep loads it again
//! instead of taping it. Typical cases: a table the function fills once and
//! then only reads (GMM's exp of the precision diagonals), and arguments of a
//! function that writes only its own stack.

use super::activity::{underlying_alloca, HeapFn};
use super::cfg::ControlFlowGraph;
use super::types::root_object;
use crate::ir::{Block, Function, Value};
use crate::rules::lookup_callee;
use indexmap::{IndexMap, IndexSet};
use llvm_sys::core::LLVMIsAGlobalVariable;
use llvm_sys::LLVMOpcode;

/// What a writing instruction may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// Only this private object.
    Private(Value),
    /// Any memory but the private objects.
    Shared,
}

pub struct MemoryWrites {
    /// Stack slots and heap blocks of this function whose address never
    /// leaves loads, stores, address arithmetic and memory intrinsics: only
    /// accesses through them can change them.
    private: IndexSet<Value>,
    writers: Vec<(Value, Target)>,
    /// Position of every instruction in its block.
    index: IndexMap<Value, usize>,
    /// Blocks reachable from a block through at least one edge.
    reach: IndexMap<Block, IndexSet<Block>>,
    /// The [`FinalWrites`], which the reverse sweep undoes or defers.
    pub finals: FinalWrites,
}

/// The writes that end the function: stores and frees in its only return
/// block, followed by nothing but other such writes and the `ret`
/// (`*err = result;` and the frees of its work arrays). In combined mode
/// the reverse sweep starts by putting back what the stores overwrote, the
/// frees wait until the gradient returns, and the gradient redoes the
/// stores last; so none of them changes what a load of the forward run
/// reads when the reverse sweep repeats it. Without that, an output pointer
/// that might alias an input makes every load of the input a taped value
/// (GMM's `err` and `icf`: a value per inner iteration), and a work array
/// that is freed at the end is taped where it is read.
#[derive(Clone, Debug, Default)]
pub struct FinalWrites {
    pub stores: Vec<Value>,
    pub frees: Vec<Value>,
    /// Frees in a block whose only successor is the return block, which
    /// not every run takes (Rust's drop of a Vec frees only a block it
    /// allocated: `if cap != 0`): the forward sweep records that it got
    /// there, and the gradient frees at the end if it did.
    pub guarded_frees: Vec<Value>,
}

impl FinalWrites {
    pub fn of(f: Function) -> Self {
        let rets: Vec<Block> = f
            .blocks()
            .into_iter()
            .filter(|b| {
                b.terminator()
                    .is_some_and(|t| t.opcode() == Some(LLVMOpcode::LLVMRet))
            })
            .collect();
        let mut out = FinalWrites::default();
        let [ret] = rets.as_slice() else {
            return out;
        };
        for inst in ret.instructions().into_iter().rev().skip(1) {
            let simple_store = inst.opcode() == Some(LLVMOpcode::LLVMStore)
                && unsafe { llvm_sys::core::LLVMGetVolatile(inst.0) } == 0
                && unsafe { llvm_sys::core::LLVMGetOrdering(inst.0) }
                    == llvm_sys::LLVMAtomicOrdering::LLVMAtomicOrderingNotAtomic;
            if simple_store {
                out.stores.push(inst);
            } else if HeapFn::of(inst).is_some_and(|h| !h.allocates()) {
                out.frees.push(inst);
            } else if !touches_no_memory(inst) {
                break;
            }
        }
        out.stores.reverse();
        out.frees.reverse();
        for b in f.blocks() {
            let only_to_ret = b.successors() == [*ret] && b != *ret;
            if !only_to_ret {
                continue;
            }
            let insts = b.instructions();
            let (_, body) = insts.split_last().expect("terminator");
            let frees: Vec<Value> = body
                .iter()
                .copied()
                .filter(|i| HeapFn::of(*i).is_some_and(|h| !h.allocates()))
                .collect();
            if body
                .iter()
                .all(|i| frees.contains(i) || touches_no_memory(*i))
            {
                out.guarded_frees.extend(frees);
            }
        }
        out
    }

    fn contains(&self, w: Value) -> bool {
        self.stores.contains(&w) || self.frees.contains(&w) || self.guarded_frees.contains(&w)
    }
}

/// Arithmetic, conversions, address computations and calls of math
/// functions (which write no user memory): instructions that may sit
/// between the final writes (`out[1] = s * x0` computes after `out[0] = s`).
fn touches_no_memory(inst: Value) -> bool {
    use LLVMOpcode::*;
    match inst.opcode() {
        Some(LLVMLoad | LLVMStore | LLVMAtomicRMW | LLVMAtomicCmpXchg | LLVMFence) => false,
        Some(LLVMInvoke | LLVMCallBr | LLVMVAArg) => false,
        Some(LLVMCall) => inst.called_function().is_some_and(|c| {
            c.name().starts_with("llvm.lifetime")
                || (lookup_callee(c).is_some()
                    && !may_write_user_memory(inst, c)
                    && unsafe { llvm_sys::core::LLVMIsDeclaration(c.raw()) } != 0)
        }),
        Some(_) => true,
        None => false,
    }
}

impl MemoryWrites {
    pub fn compute(f: Function, cfg: &ControlFlowGraph) -> Self {
        let blocks = cfg.reverse_post_order();
        let mut index = IndexMap::new();
        let mut private = IndexSet::new();
        for &b in blocks {
            for (i, inst) in b.instructions().into_iter().enumerate() {
                index.insert(inst, i);
                let object = inst.opcode() == Some(LLVMOpcode::LLVMAlloca)
                    || HeapFn::of(inst).is_some_and(HeapFn::allocates)
                    || guarded_allocation(inst).is_some();
                if object && !address_escapes(inst) {
                    private.insert(inst);
                }
            }
        }
        let target = |p: Value| {
            let r = root_object(p);
            if private.contains(&r) {
                Target::Private(r)
            } else {
                Target::Shared
            }
        };
        let mut writers = Vec::new();
        for &b in blocks {
            for inst in b.instructions() {
                if let Some(t) = write_target(inst, f, &target) {
                    writers.push((inst, t));
                }
            }
        }
        let finals = FinalWrites::of(f);
        let mut reach = IndexMap::new();
        for &b in blocks {
            let mut seen = IndexSet::new();
            let mut work = b.successors();
            while let Some(s) = work.pop() {
                if seen.insert(s) {
                    work.extend(s.successors());
                }
            }
            reach.insert(b, seen);
        }
        MemoryWrites {
            private,
            writers,
            index,
            reach,
            finals,
        }
    }

    /// Whether no instruction of this function that runs after `load` can
    /// change the memory it reads. Only for a reverse sweep that directly
    /// follows the forward run in the same frame: a function differentiated
    /// in split mode returns to its caller, which may write anything before
    /// the reverse sweep. Loads of the function's stack slots qualify (they
    /// live until it returns), loads of its heap blocks do not (they may be
    /// freed), unless only a final free frees them. The [`FinalWrites`] do
    /// not count: the reverse sweep undoes or defers them.
    pub fn unchanged_after(&self, load: Value) -> bool {
        let root = root_object(load.operand(0));
        let relevant = if self.private.contains(&root) {
            // A heap block qualifies when only a final free frees it.
            if self.freed_early(root) {
                return false;
            }
            Target::Private(root)
        } else if root.is_argument() || unsafe { !LLVMIsAGlobalVariable(root.0).is_null() } {
            Target::Shared
        } else {
            // Memory reached through loaded or merged pointers, escaping
            // stack slots, heap blocks: not worth the risk.
            return false;
        };
        !self
            .writers
            .iter()
            .any(|&(w, t)| t == relevant && !self.finals.contains(w) && self.runs_after(load, w))
    }

    /// The heap call behind a heap object (itself, or the allocation a
    /// [`guarded_allocation`] phi stands for).
    pub fn allocation(&self, object: Value) -> Option<Value> {
        if HeapFn::of(object).is_some_and(HeapFn::allocates) {
            return Some(object);
        }
        guarded_allocation(object)
    }

    /// Whether `object` (an allocation of this function) is private: only
    /// accesses through its own address can change it.
    pub fn is_private(&self, object: Value) -> bool {
        self.private.contains(&object)
    }

    /// Whether the heap block `object` may be freed before the function
    /// ends (by a free that is not one of the final writes).
    pub fn freed_early(&self, object: Value) -> bool {
        object.opcode() != Some(LLVMOpcode::LLVMAlloca)
            && self.writers.iter().any(|&(w, t)| {
                t == Target::Private(object)
                    && HeapFn::of(w).is_some_and(|h| !h.allocates())
                    && !self.finals.contains(w)
            })
    }

    /// The instructions that may write the private `object`, but for the
    /// final writes.
    pub fn writers_of(&self, object: Value) -> impl Iterator<Item = Value> + '_ {
        self.writers
            .iter()
            .filter(move |&&(w, t)| t == Target::Private(object) && !self.finals.contains(w))
            .map(|&(w, _)| w)
    }

    /// Whether `a` comes before `b` in their (common) block.
    pub fn precedes(&self, a: Value, b: Value) -> bool {
        self.index.get(&a) < self.index.get(&b)
    }

    /// Whether `w` can execute after `a` in one run of the function.
    fn runs_after(&self, a: Value, w: Value) -> bool {
        let (ba, bw) = (a.parent_block(), w.parent_block());
        (ba == bw && self.index.get(&w) > self.index.get(&a))
            || self.reach.get(&ba).is_some_and(|r| r.contains(&bw))
    }
}

/// A heap block or, where the program allocates nothing, a constant
/// address: rustc's `vec![0.0; n]` allocates only for n > 0 and otherwise
/// points at the dangling address 8, `phi ptr [%block, ...], [inttoptr (i64
/// 8), ...]` (see `ir/int_pointers.rs`). The phi is the object; the
/// allocation call, which the program only tests against null besides, is
/// returned.
pub fn guarded_allocation(phi: Value) -> Option<Value> {
    if phi.opcode() != Some(LLVMOpcode::LLVMPHI) || !phi.ty().is_pointer() {
        return None;
    }
    let mut call: Option<Value> = None;
    for i in 0..phi.count_incoming() {
        let (v, _) = phi.incoming(i);
        if v.is_constant() {
            continue;
        }
        let fresh = HeapFn::of(v).is_some_and(|h| h.allocates() && !h.reallocates());
        if !fresh || call.is_some_and(|c| c != v) {
            return None;
        }
        call = Some(v);
    }
    let c = call?;
    let tested = |u: &Value| {
        u.opcode() == Some(LLVMOpcode::LLVMICmp) && u.operands().any(|o| o.is_constant())
    };
    c.users()
        .iter()
        .all(|u| *u == phi || tested(u))
        .then_some(c)
}

/// Whether an object's address (a stack slot, a heap block, a global) is
/// used other than to load from, store to, offset, copy to or from, or free
/// it: then a pointer adc does not follow may reach it.
pub fn address_escapes(object: Value) -> bool {
    let mut work = vec![object];
    let mut seen = IndexSet::new();
    while let Some(p) = work.pop() {
        if !seen.insert(p) {
            continue;
        }
        for u in p.users() {
            use LLVMOpcode::*;
            if !u.is_instruction() {
                // A constant-expression address inside a global.
                let offset = unsafe { !llvm_sys::core::LLVMIsAConstantExpr(u.0).is_null() }
                    && u.operand(0) == p;
                if !offset {
                    return true;
                }
                work.push(u);
                continue;
            }
            let ok = match u.opcode() {
                Some(LLVMGetElementPtr) | Some(LLVMBitCast) | Some(LLVMAddrSpaceCast)
                    if u.operand(0) == p =>
                {
                    work.push(u);
                    true
                }
                Some(LLVMLoad) => true,
                Some(LLVMStore) => u.operand(0) != p,
                Some(LLVMCall) => match u.called_function() {
                    Some(c) if c.is_intrinsic() => {
                        let n = c.name();
                        n.starts_with("llvm.memcpy")
                            || n.starts_with("llvm.memmove")
                            || n.starts_with("llvm.memset")
                            || n.starts_with("llvm.lifetime")
                    }
                    _ => matches!(
                        HeapFn::of(u),
                        Some(HeapFn::Free | HeapFn::RustDealloc | HeapFn::CustomFree { .. })
                    ),
                },
                _ => false,
            };
            if !ok {
                return true;
            }
        }
    }
    false
}

/// What `inst` may write, if anything.
fn write_target(inst: Value, f: Function, target: &dyn Fn(Value) -> Target) -> Option<Target> {
    use LLVMOpcode::*;
    match inst.opcode()? {
        LLVMStore => Some(target(inst.operand(1))),
        LLVMAtomicRMW => Some(target(inst.operand(0))),
        LLVMAtomicCmpXchg | LLVMInvoke | LLVMCallBr => Some(Target::Shared),
        LLVMCall => {
            let Some(c) = inst.called_function() else {
                return Some(Target::Shared);
            };
            let n = c.name();
            if c.is_intrinsic() {
                if n.starts_with("llvm.memcpy")
                    || n.starts_with("llvm.memmove")
                    || n.starts_with("llvm.memset")
                {
                    return Some(target(inst.operand(0)));
                }
                let writes = n.starts_with("llvm.masked.store")
                    || n.starts_with("llvm.masked.scatter")
                    || n.starts_with("llvm.masked.compressstore")
                    || n.starts_with("llvm.vp.store")
                    || n.starts_with("llvm.vp.scatter");
                return writes.then_some(Target::Shared);
            }
            if lookup_callee(c).is_some() || !may_write_user_memory(inst, c) {
                return None;
            }
            match HeapFn::of(inst) {
                Some(h) if h.allocates() => None,
                Some(h) => Some(target(inst.operand(h.freed_arg() as u32))),
                None if c != f && !c.is_declaration() && writes_only_stack(c) => None,
                None => Some(Target::Shared),
            }
        }
        _ => None,
    }
}

/// Whether a call may write memory a program's pointers can reach: false
/// when its `memory(...)` attribute (on the call or the callee) allows no
/// writes to argument or other memory (errno and inaccessible memory are
/// not user data), and for libm's `lgamma`, which writes only `signgam`.
pub fn may_write_user_memory(call: Value, callee: Function) -> bool {
    use llvm_sys::core::{
        LLVMGetCallSiteEnumAttribute, LLVMGetEnumAttributeAtIndex, LLVMGetEnumAttributeKindForName,
        LLVMGetEnumAttributeValue,
    };
    if matches!(callee.name().as_str(), "lgamma" | "lgammaf" | "lgammal") {
        return false;
    }
    // MemoryEffects: two bits (ref = 1, mod = 2) per location, in the order
    // argmem, inaccessiblemem, errnomem, other (then target-specific ones).
    const MOD_ARGMEM: u64 = 2;
    const MOD_OTHER: u64 = 2 << 6;
    let kind = unsafe { LLVMGetEnumAttributeKindForName(c"memory".as_ptr(), 6) };
    let index = llvm_sys::LLVMAttributeFunctionIndex;
    let effects = |a: llvm_sys::prelude::LLVMAttributeRef| {
        (!a.is_null()).then(|| unsafe { LLVMGetEnumAttributeValue(a) })
    };
    let e = effects(unsafe { LLVMGetCallSiteEnumAttribute(call.0, index, kind) })
        .or_else(|| effects(unsafe { LLVMGetEnumAttributeAtIndex(callee.raw(), index, kind) }));
    match e {
        Some(bits) => bits & (MOD_ARGMEM | MOD_OTHER) != 0,
        None => true,
    }
}

/// Whether `f` writes no memory but its own stack slots and heap blocks.
pub fn writes_only_stack(f: Function) -> bool {
    let local = |p: Value| underlying_alloca(p).is_some();
    f.blocks()
        .into_iter()
        .flat_map(|b| b.instructions())
        .all(|i| match i.opcode() {
            Some(LLVMOpcode::LLVMStore) => local(i.operand(1)),
            Some(LLVMOpcode::LLVMCall) => match i.called_function() {
                Some(c) if lookup_callee(c).is_some() => true,
                _ if HeapFn::of(i).is_some() => true,
                Some(c) if c.is_intrinsic() => {
                    !c.name().starts_with("llvm.mem") || local(i.operand(0))
                }
                _ => false,
            },
            Some(LLVMOpcode::LLVMInvoke)
            | Some(LLVMOpcode::LLVMAtomicRMW)
            | Some(LLVMOpcode::LLVMAtomicCmpXchg) => false,
            _ => true,
        })
}
