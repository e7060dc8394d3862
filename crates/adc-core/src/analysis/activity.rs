//! Activity analysis: which values carry a derivative.
//!
//! A value is *varied* when it depends on an active input, through SSA or
//! through memory. Integers never carry derivatives (DESIGN: integers are
//! constant); floats, vectors and aggregates of floats, and pointers (whose
//! derivative is a shadow pointer) may. Memory: a store of a varied value into
//! a stack object makes that object varied, and loads from varied pointers are
//! varied. The analysis runs to a fixed point.

use crate::ir::{Function, Value};
use crate::signature::Activity;
use indexmap::IndexSet;
use llvm_sys::LLVMOpcode;

pub struct ActivityAnalysis {
    varied: IndexSet<Value>,
    useful: IndexSet<Value>,
    /// Calls of module functions that use a global carrying derivatives:
    /// they take part in both sweeps whatever their arguments.
    global_calls: IndexSet<Value>,
}

/// Whether a value of this type can carry a derivative: floats, and
/// pointers (to memory with a shadow), also inside aggregates (a C++
/// iterator returned as `{ptr, i8}`).
fn can_carry(v: Value) -> bool {
    let t = v.ty();
    t.contains_float() || t.contains_pointer()
}

pub use crate::ir::heap::HeapFn;

/// A call that carries no derivative whatever its arguments: a library
/// function on the inactive list (output, clocks), or a function without a
/// body that writes no memory and returns no float or pointer (libc++'s
/// hash of a key's bytes).
pub fn is_inert_call(call: Value) -> bool {
    if crate::ir::devirtualize::is_fallback(call) {
        // Its copy in a derivative stops the program (ir::devirtualize).
        return true;
    }
    let Some(c) = call.called_function() else {
        return false;
    };
    let name = c.name();
    if crate::rules::is_inactive_call(&name) || crate::rules::custom::is_inactive(c) {
        return true;
    }
    let ret = call.ty();
    c.is_declaration()
        && !c.is_intrinsic()
        && crate::rules::lookup_callee(c).is_none()
        && !crate::rules::custom::has_user_rule(c)
        && HeapFn::of(call).is_none()
        && !crate::rules::runtime::is_runtime_routine(&name)
        && (ret.is_void() || ret.is_integer())
        && !super::memory::may_write_user_memory(call, c)
}

/// The function-local object a pointer is derived from (through GEPs and
/// casts): a stack slot, or heap memory allocated by this function.
pub fn underlying_alloca(p: Value) -> Option<Value> {
    let root = super::types::root_object(p);
    let local = root.opcode() == Some(LLVMOpcode::LLVMAlloca)
        || HeapFn::of(root).is_some_and(HeapFn::allocates);
    local.then_some(root)
}

/// The function-local objects a pointer may point into, through address
/// arithmetic, phis and selects; `None` when some path leads elsewhere.
pub fn local_objects(p: Value) -> Option<Vec<Value>> {
    super::types::pointer_sources(p)
        .into_iter()
        .map(underlying_alloca)
        .collect()
}

/// The function-local objects among those a pointer may point into (other
/// paths, to a loaded pointer or an argument, are left out): what a callee
/// given the pointer may write derivatives into. (Eigen's GEMM packs into
/// a phi of a stack buffer, a heap buffer and a caller's buffer.)
pub fn some_local_objects(p: Value) -> Vec<Value> {
    super::types::pointer_sources(p)
        .into_iter()
        .filter_map(underlying_alloca)
        .collect()
}

/// The values that must carry a shadow for pointer `p` to have one: back
/// through address arithmetic, phis and selects to the objects (stack
/// slots, heap allocations) and to pointers loaded from memory, whose
/// address then needs a shadow too (the shadow memory holds the shadow
/// pointer). Arguments, globals and constants are left as they are.
fn needs_shadow(p: Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = IndexSet::new();
    let mut work = vec![p];
    while let Some(q) = work.pop() {
        if !q.is_instruction() || !seen.insert(q) {
            continue;
        }
        match q.opcode() {
            Some(LLVMOpcode::LLVMGetElementPtr)
            | Some(LLVMOpcode::LLVMBitCast)
            | Some(LLVMOpcode::LLVMAddrSpaceCast) => work.push(q.operand(0)),
            Some(LLVMOpcode::LLVMPHI) => {
                work.extend((0..q.count_incoming()).map(|i| q.incoming(i).0))
            }
            Some(LLVMOpcode::LLVMSelect) => work.extend([q.operand(1), q.operand(2)]),
            Some(LLVMOpcode::LLVMLoad) => work.push(q.operand(0)),
            // A pointer taken out of a returned struct (forward mode's
            // `{ptr, ptr}` of a primal and its tangent): its call's.
            Some(LLVMOpcode::LLVMExtractValue) => work.push(q.operand(0)),
            Some(LLVMOpcode::LLVMAlloca) => {}
            // A pointer a call returns may point into what it was given (an
            // accessor): those pointers need shadows too. An allocation is
            // its own object.
            Some(LLVMOpcode::LLVMCall) => {
                if HeapFn::of(q).is_none() {
                    work.extend(q.call_args().into_iter().filter(|a| {
                        a.ty().is_pointer() && !crate::ir::devirtualize::only_called(*a)
                    }));
                }
            }
            _ => continue,
        }
        out.push(q);
    }
    out
}

/// Whether `call` is a memcpy or memmove whose source is `v`.
fn is_copy_from(call: Value, v: Value) -> bool {
    call.num_call_args() >= 2
        && call.operand(1) == v
        && call.called_function().is_some_and(|f| {
            let n = f.name();
            n.starts_with("llvm.memcpy") || n.starts_with("llvm.memmove")
        })
}

/// The pointers `f` returns, directly or inserted into a returned struct.
fn returned_pointers(f: Function) -> Vec<Value> {
    let mut out = Vec::new();
    let mut work: Vec<Value> = f
        .blocks()
        .into_iter()
        .filter_map(|b| b.terminator())
        .filter(|t| t.opcode() == Some(LLVMOpcode::LLVMRet) && t.num_operands() == 1)
        .map(|t| t.operand(0))
        .collect();
    let mut seen = IndexSet::new();
    while let Some(v) = work.pop() {
        if !seen.insert(v) {
            continue;
        }
        if v.ty().is_pointer() {
            out.push(v);
        } else if v.opcode() == Some(LLVMOpcode::LLVMInsertValue) {
            work.extend([v.operand(0), v.operand(1)]);
        } else if v.opcode() == Some(LLVMOpcode::LLVMPHI) {
            work.extend((0..v.count_incoming()).map(|i| v.incoming(i).0));
        }
    }
    out
}

impl ActivityAnalysis {
    pub fn compute(f: Function, params: &[Activity]) -> Self {
        Self::compute_with(f, params, false)
    }

    /// As [`compute`](Self::compute); with `shadowed_return`, the pointers
    /// the function returns (also inside a returned struct) get shadows: a
    /// caller may store derivatives through them (an allocation wrapper).
    pub fn compute_with(f: Function, params: &[Activity], shadowed_return: bool) -> Self {
        let mut varied = IndexSet::new();
        let mut work: Vec<Value> = Vec::new();
        for (p, a) in f.params().into_iter().zip(params) {
            if *a != Activity::Const {
                varied.insert(p);
                work.push(p);
            }
        }
        if shadowed_return {
            for r in returned_pointers(f) {
                for q in needs_shadow(r) {
                    if varied.insert(q) {
                        work.push(q);
                    }
                }
            }
        }
        let mark = |v: Value, varied: &mut IndexSet<Value>, work: &mut Vec<Value>| {
            if varied.insert(v) {
                work.push(v);
            }
        };
        let globals = crate::ir::globals::shadowed_globals(f);
        for g in &globals {
            mark(*g, &mut varied, &mut work);
        }
        // A call whose callee (or its callees) uses such a global reads or
        // writes derivatives through it.
        let mut global_calls = IndexSet::new();
        let mut callee_uses: indexmap::IndexMap<Function, bool> = Default::default();
        if !globals.is_empty() {
            for i in f.blocks().into_iter().flat_map(|b| b.instructions()) {
                let Some(c) = i.called_function() else {
                    continue;
                };
                if c.is_declaration() || c == f {
                    continue;
                }
                let uses = *callee_uses.entry(c).or_insert_with(|| {
                    let tree = crate::ir::globals::call_tree(c);
                    globals
                        .iter()
                        .any(|g| crate::ir::globals::used_in(*g, &tree))
                });
                if uses {
                    global_calls.insert(i);
                    if can_carry(i) {
                        mark(i, &mut varied, &mut work);
                    }
                    // It may write derivatives (made from the globals)
                    // through any stack pointer it receives, as a callee
                    // given a varied value may (a stepper object whose
                    // system reads a varied global rate).
                    for a in i.call_args() {
                        if a.ty().is_pointer() {
                            for al in some_local_objects(a) {
                                mark(al, &mut varied, &mut work);
                            }
                        }
                    }
                }
            }
        }
        while let Some(v) = work.pop() {
            for u in v.users() {
                if !u.is_instruction() {
                    // A constant address inside a varied global.
                    if unsafe { !llvm_sys::core::LLVMIsAConstantExpr(u.0).is_null() }
                        && u.ty().is_pointer()
                    {
                        mark(u, &mut varied, &mut work);
                    }
                    continue;
                }
                match u.opcode() {
                    Some(LLVMOpcode::LLVMStore) => {
                        // store v -> p: the stack object behind p now holds a derivative.
                        if u.operand(0) == v {
                            // (Globals that can carry derivatives are varied
                            // from the start; see `shadowed_globals`.)
                            if let Some(roots) = local_objects(u.operand(1)) {
                                for a in roots {
                                    mark(a, &mut varied, &mut work);
                                }
                            } else {
                                // Memory reached through loaded pointers (a
                                // buffer whose pointer a local struct holds).
                                for q in needs_shadow(u.operand(1)) {
                                    mark(q, &mut varied, &mut work);
                                }
                            }
                        } else if u.operand(0).ty().contains_pointer() {
                            // A pointer stored into memory with a shadow:
                            // the shadow memory holds its shadow.
                            for q in needs_shadow(u.operand(0)) {
                                mark(q, &mut varied, &mut work);
                            }
                        }
                    }
                    // atomicrmw fadd p, v: a store of v into p's memory (and,
                    // as for a load, its result is the old value).
                    Some(LLVMOpcode::LLVMAtomicRMW) if u.operand(1) == v => {
                        let roots = local_objects(u.operand(0))
                            .unwrap_or_else(|| needs_shadow(u.operand(0)));
                        for a in roots {
                            mark(a, &mut varied, &mut work);
                        }
                        if can_carry(u) {
                            mark(u, &mut varied, &mut work);
                        }
                    }
                    // Output and the like: nothing flows through them.
                    Some(LLVMOpcode::LLVMCall) if is_inert_call(u) => {}
                    Some(LLVMOpcode::LLVMCall) => {
                        if can_carry(u) {
                            mark(u, &mut varied, &mut work);
                        }
                        // A callee given a varied value may write derivatives
                        // through any stack pointer it receives.
                        // (Also through phis and selects: Rust's sort
                        // passes a stack or a heap scratch buffer.)
                        for a in u.call_args() {
                            if !a.ty().is_pointer() {
                                continue;
                            }
                            for al in some_local_objects(a) {
                                mark(al, &mut varied, &mut work);
                            }
                        }
                        // A copy of varied memory: as a store, the
                        // destination needs a shadow however it is reached
                        // (a buffer whose pointer a local struct holds).
                        if is_copy_from(u, v) {
                            for q in needs_shadow(u.operand(0)) {
                                mark(q, &mut varied, &mut work);
                            }
                        }
                    }
                    Some(LLVMOpcode::LLVMFCmp)
                    | Some(LLVMOpcode::LLVMICmp)
                    | Some(LLVMOpcode::LLVMFPToSI)
                    | Some(LLVMOpcode::LLVMFPToUI)
                    | Some(LLVMOpcode::LLVMPtrToInt) => {}
                    _ => {
                        if can_carry(u) && !crate::ir::devirtualize::only_called(u) {
                            mark(u, &mut varied, &mut work);
                        }
                    }
                }
            }
        }
        let useful = Self::useful(f, &varied, &global_calls);
        ActivityAnalysis {
            varied,
            useful,
            global_calls,
        }
    }

    /// Backward closure over varied operands from the function's outputs.
    fn useful(
        f: Function,
        varied: &IndexSet<Value>,
        global_calls: &IndexSet<Value>,
    ) -> IndexSet<Value> {
        let mut useful = IndexSet::new();
        let mut work = Vec::new();
        for bb in f.blocks() {
            for i in bb.instructions() {
                let root = match i.opcode() {
                    Some(LLVMOpcode::LLVMRet) => true,
                    Some(LLVMOpcode::LLVMStore) => varied.contains(&i.operand(1)),
                    Some(LLVMOpcode::LLVMAtomicRMW) => varied.contains(&i.operand(0)),
                    Some(LLVMOpcode::LLVMCall) if is_inert_call(i) => false,
                    Some(LLVMOpcode::LLVMCall) => {
                        global_calls.contains(&i)
                            || i.call_args()
                                .iter()
                                .any(|a| a.ty().is_pointer() && varied.contains(a))
                    }
                    _ => false,
                };
                if root && useful.insert(i) {
                    work.push(i);
                }
            }
        }
        while let Some(u) = work.pop() {
            for o in u.operands() {
                if varied.contains(&o) && useful.insert(o) {
                    work.push(o);
                }
            }
        }
        useful
    }

    /// Whether `v` needs an adjoint: varied and useful.
    pub fn is_active(&self, v: Value) -> bool {
        self.varied.contains(&v) && self.useful.contains(&v)
    }

    /// Writable globals that carry derivatives (each gets a shadow global).
    pub fn varied_globals(&self) -> Vec<Value> {
        let mut g: Vec<Value> = self
            .varied
            .iter()
            .copied()
            .filter(|v| crate::ir::globals::is_writable_global(*v))
            .collect();
        g.sort_by_key(|v| v.name());
        g
    }

    /// Whether `call` runs a module function that uses a global carrying
    /// derivatives (so it is differentiated even without active arguments).
    pub fn touches_varied_globals(&self, call: Value) -> bool {
        self.global_calls.contains(&call)
    }

    /// Whether `v` carries a derivative.
    pub fn is_varied(&self, v: Value) -> bool {
        self.varied.contains(&v)
    }
}
