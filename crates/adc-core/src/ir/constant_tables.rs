//! Shadows for pointers into constant tables. A `static const double k[6]`
//! carries no derivative, so its address has no shadow. But optimized code
//! mixes such addresses with active ones: InstCombine turns
//! `c ? x[i] : k[j]` into one load through `select c, &x[i], &k[j]` (or a
//! phi of the two), and a helper called with `x` at one call site may get
//! `k` at another. That pointer needs a shadow on both paths: a zero
//! shadow for the table makes its tangent 0 in forward mode, and gives the
//! reverse sweep somewhere harmless to add the adjoint of a value read from
//! the table (the adjoint of a constant is discarded).
//!
//! Forward mode reads `NAME.adc.zero` (zero, never written: a tangent sweep
//! writes shadow memory only where the primal writes, and the primal does not
//! write a constant). Reverse mode writes `NAME.adc.sink`, thread-local so
//! that gradients running in several threads do not race on it; nothing reads
//! it back as a value.
use super::{Builder, Type, Value};
use llvm_sys::core::*;
use llvm_sys::LLVMOpcode;

/// Tables larger than this get no shadow (the address stays without one and
/// the derivative is refused where it would be used).
pub const MAX_TABLE_BYTES: u64 = 1 << 20;

/// Which shadow of a constant table a derivative uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableShadow {
    /// Forward mode: tangents read from it are zero.
    Zero,
    /// Reverse mode: adjoints accumulated into it are discarded.
    Sink,
}

/// The object `p` is an address in, through address arithmetic in
/// instructions and constant expressions (and, for constants, `inttoptr`).
fn base(mut p: Value) -> Value {
    for _ in 0..64 {
        let op = if p.is_instruction() {
            p.opcode()
        } else if unsafe { !LLVMIsAConstantExpr(p.0).is_null() } {
            Some(unsafe { LLVMGetConstOpcode(p.0) })
        } else {
            None
        };
        match op {
            Some(LLVMOpcode::LLVMGetElementPtr)
            | Some(LLVMOpcode::LLVMBitCast)
            | Some(LLVMOpcode::LLVMAddrSpaceCast) => p = p.operand(0),
            Some(LLVMOpcode::LLVMIntToPtr) if !p.is_instruction() => p = p.operand(0),
            _ => break,
        }
    }
    p
}

/// The constant global `p` points into, when that global holds no
/// pointers and is at most [`MAX_TABLE_BYTES`].
pub fn constant_table(p: Value) -> Option<Value> {
    let p = base(p);
    let global = unsafe { !LLVMIsAGlobalVariable(p.0).is_null() && LLVMIsGlobalConstant(p.0) != 0 };
    if !global {
        return None;
    }
    let ty = Type(unsafe { LLVMGlobalGetValueType(p.0) });
    let m = unsafe { LLVMGetGlobalParent(p.0) };
    let td = unsafe { llvm_sys::target::LLVMGetModuleDataLayout(m) };
    let bytes = unsafe { llvm_sys::target::LLVMABISizeOfType(td, ty.0) };
    (!ty.contains_pointer() && bytes <= MAX_TABLE_BYTES).then_some(p)
}

/// Whether constant `p` points at no memory a derivative could touch: null,
/// undefined, a constant integer address (Rust's dangling `NonNull` of an
/// empty `Vec`) or a function. Such a pointer is its own shadow.
pub fn points_nowhere(p: Value) -> bool {
    if !p.is_constant() {
        return false;
    }
    let b = base(p);
    unsafe {
        LLVMIsNull(b.0) != 0
            || LLVMIsUndef(b.0) != 0
            || LLVMIsPoison(b.0) != 0
            || !LLVMIsAConstantInt(b.0).is_null()
            || !LLVMIsAFunction(b.0).is_null()
    }
}

/// The shadow global of constant table `g`, created on first use
/// (writable, so that its zeros cost no file space).
pub fn table_shadow_global(g: Value, kind: TableShadow) -> Value {
    let (suffix, thread_local) = match kind {
        TableShadow::Zero => ("zero", false),
        TableShadow::Sink => ("sink", true),
    };
    zeroed_twin(g, &format!("{}.adc.{suffix}", g.name()), thread_local)
}

/// The internal zero-initialized global `name` of `g`'s type and at least
/// its alignment (8 or more), created on first use: what shadow globals,
/// their lanes and constant tables' shadows are.
pub fn zeroed_twin(g: Value, name: &str, thread_local: bool) -> Value {
    let m = unsafe { LLVMGetGlobalParent(g.0) };
    let name = std::ffi::CString::new(name).unwrap();
    unsafe {
        let existing = LLVMGetNamedGlobal(m, name.as_ptr());
        if !existing.is_null() {
            return Value(existing);
        }
        let ty = LLVMGlobalGetValueType(g.0);
        let s = LLVMAddGlobal(m, ty, name.as_ptr());
        LLVMSetInitializer(s, LLVMConstNull(ty));
        LLVMSetLinkage(s, llvm_sys::LLVMLinkage::LLVMInternalLinkage);
        LLVMSetAlignment(s, LLVMGetAlignment(g.0).max(8));
        if thread_local {
            LLVMSetThreadLocal(s, 1);
        }
        Value(s)
    }
}

/// What a varied pointer (a phi, a select, a duplicated call argument) takes
/// for an operand `orig` that has no shadow of its own (`primal`: its value
/// in the derivative, at the builder): the constant table's shadow, the
/// stand-in of an inactive global, or the pointer itself when it points
/// nowhere. A pointer loaded from memory without a shadow (an optional
/// buffer in a struct, as Eigen's GEMM blocking is: null unless the caller
/// supplies one) takes null, and the derivative stops the program, saying
/// why, if it is not null where `taken` (the condition under which the
/// varied pointer takes this operand; `None`: always) holds. `None`: the
/// derivative must refuse (see [`NO_SHADOW`]).
pub fn fallback_shadow(
    b: &Builder,
    orig: Value,
    primal: Value,
    kind: TableShadow,
    taken: Option<Value>,
) -> Option<Value> {
    table_shadow(b, orig, primal, kind)
        .or_else(|| {
            let g = inactive_global(orig)?;
            Some(moved(b, primal, g, inactive_stand_in(g)))
        })
        .or_else(|| points_nowhere(orig).then_some(orig))
        .or_else(|| dangling(b, orig, primal, taken))
        .or_else(|| null_unless_stopped(b, orig, primal, taken))
}

/// Below this address nothing is mapped (the null page).
const NULL_PAGE: i64 = 4096;

/// For a pointer `orig` made from an integer (Rust's dangling pointer of
/// an empty allocation is its alignment, `inttoptr` of it): its own value,
/// after a check that stops the program unless `primal` lies in the null
/// page where `taken` holds. Such a shadow can only fault, as the pointer
/// itself would: it can never reach other memory.
fn dangling(b: &Builder, orig: Value, primal: Value, taken: Option<Value>) -> Option<Value> {
    if !(orig.ty().is_pointer() && orig.opcode() == Some(LLVMOpcode::LLVMIntToPtr)) {
        return None;
    }
    let i64t = Type::i64(b.context());
    let null = orig.ty().null();
    let checked = when_taken(b, primal, taken);
    let at = b.cast(LLVMOpcode::LLVMPtrToInt, checked, i64t);
    let low = b.icmp(
        llvm_sys::LLVMIntPredicate::LLVMIntULT,
        at,
        i64t.const_int(NULL_PAGE),
    );
    let checked = b.select(low, null, checked);
    stop_unless_null_for(
        b,
        orig,
        checked,
        "a pointer made from an integer meets pointers to active memory and is not a \
         dangling one (an address in the null page), so its derivative is unknown; adc \
         stopped the program instead of returning a wrong derivative",
    );
    Some(primal)
}

/// `primal` where `taken` holds (always with `None`), null elsewhere.
fn when_taken(b: &Builder, primal: Value, taken: Option<Value>) -> Value {
    match taken {
        Some(c) => b.select(c, primal, primal.ty().null()),
        None => primal,
    }
}

/// Stop the program unless `checked` is null, saying that the derivative
/// of `orig`'s function (at its source line) stopped because `why`.
fn stop_unless_null_for(b: &Builder, orig: Value, checked: Value, why: &str) {
    let f = orig.parent_function();
    let mut text = format!(
        "adc: the derivative of `{}`",
        super::source_copy::source_name(&f.name())
    );
    if let Some(l) =
        super::debug_loc::SourceLoc::of(orig).or_else(|| super::debug_loc::SourceLoc::nearby(orig))
    {
        text.push_str(&format!(" at {l}"));
    }
    text.push_str(&format!(": {why}"));
    super::stop::stop_unless_null(b, f.module(), checked, &text);
}

/// The condition under which select `sel` (in the derivative, at the
/// builder) takes its operand `i` (1 or 2).
pub fn select_taken(b: &Builder, sel: Value, i: u32) -> Value {
    let c = sel.operand(0);
    if i == 1 {
        c
    } else {
        let f = Type(unsafe { LLVMTypeOf(c.0) }).const_int(0);
        b.icmp(llvm_sys::LLVMIntPredicate::LLVMIntEQ, c, f)
    }
}

/// The condition under which the branch ending block `from` goes to `to`
/// (`None`: always, or a terminator other than a conditional branch).
pub fn edge_taken(b: &Builder, from: super::Block, to: super::Block) -> Option<Value> {
    let t = from.terminator()?;
    let succ = from.successors();
    if t.opcode() != Some(LLVMOpcode::LLVMCondBr) || succ.len() != 2 || succ[0] == succ[1] {
        return None;
    }
    let c = t.operand(0);
    if succ[0] == to {
        Some(c)
    } else {
        let f = Type(unsafe { LLVMTypeOf(c.0) }).const_int(0);
        Some(b.icmp(llvm_sys::LLVMIntPredicate::LLVMIntEQ, c, f))
    }
}

/// For a pointer `orig` loaded from memory: null, after a check that stops
/// the program when `primal` is not null where `taken` holds.
fn null_unless_stopped(
    b: &Builder,
    orig: Value,
    primal: Value,
    taken: Option<Value>,
) -> Option<Value> {
    if !(orig.ty().is_pointer() && orig.opcode() == Some(LLVMOpcode::LLVMLoad)) {
        return None;
    }
    stop_unless_null_for(
        b,
        orig,
        when_taken(b, primal, taken),
        "a pointer read from memory that has no shadow is not null, and it meets pointers \
         to active memory, so its derivative is unknown; adc stopped the program instead of \
         returning a wrong derivative (make the memory holding the pointer reach the \
         derivative through a duplicated argument)",
    );
    Some(orig.ty().null())
}

/// The writable global the user said carries no derivative (Enzyme's
/// `enzyme_inactive`) that `p` points into.
pub fn inactive_global(p: Value) -> Option<Value> {
    let g = base(p);
    let writable =
        unsafe { !LLVMIsAGlobalVariable(g.0).is_null() && LLVMIsGlobalConstant(g.0) == 0 };
    (p.ty().is_pointer() && writable && super::constants::is_inactive_global(g)).then_some(g)
}

/// The stand-in shadow of inactive global `g` where its address meets
/// active pointers: `NAME.adc.inactive`, thread-local. Derivatives read and
/// write it like memory of their own, so every entry into a derivative
/// clears it (see `globals::clear_shadows_for`): within one call, whatever
/// derivative passes through the global on those paths starts from zero,
/// and nothing is left from an earlier call.
pub fn inactive_stand_in(g: Value) -> Value {
    zeroed_twin(g, &format!("{}.adc.inactive", g.name()), true)
}

/// `primal`, an address in global `g`, moved to the same offset in `twin`.
fn moved(b: &Builder, primal: Value, g: Value, twin: Value) -> Value {
    let i64t = Type::i64(b.context());
    let at = b.cast(LLVMOpcode::LLVMPtrToInt, primal, i64t);
    let base = b.cast(LLVMOpcode::LLVMPtrToInt, g, i64t);
    let offset = b.sub(at, base);
    b.gep(Type::i8(b.context()), twin, offset)
}

/// Why a pointer without a shadow cannot meet active pointers: the
/// derivative would read or write through null.
pub const NO_SHADOW: &str = "this pointer may point to active memory or to memory that has no \
     shadow (it is not an input, a heap or stack object of the function, or a constant table); \
     pass the memory as a duplicated argument or keep the two apart";

/// The shadow of `orig` (a value of the function being differentiated) when
/// it points into a constant table: `primal` (its value in the derivative)
/// moved from the table to the table's shadow, built at the builder.
pub fn table_shadow(b: &Builder, orig: Value, primal: Value, kind: TableShadow) -> Option<Value> {
    if !orig.ty().is_pointer() {
        return None;
    }
    let g = constant_table(orig)?;
    Some(moved(b, primal, g, table_shadow_global(g, kind)))
}
