//! Code that LLVM's code generator handles in about linear time where a
//! basic block is huge (straight-line generated or unrolled code, and its
//! derivative: a forward sweep and a reverse sweep in one block).
//!
//! Measured on a 10,000-instruction straight-line function (issue 19), the
//! gradient's block of 44,000 instructions cost 9 s in the SLP vectorizer
//! and 24 s in code generation, where clang needed 1.3 s for the primal:
//! - the SLP vectorizer is superlinear in a block's size: it skips the
//!   functions with a huge block during the cleanup ([`hold_off_slp`]);
//! - a select whose condition has other users becomes a branch on x86
//!   without AVX (only a single-use float compare becomes a mask), and
//!   thousands of them (the `adjoint == 0` guards of divisions) make
//!   thousands of blocks that machine sinking and register allocation walk
//!   quadratically: each select gets a compare of its own, written so that
//!   the code generator cannot merge them again ([`split_conditions`]);
//! - values the reverse sweep reads long after the forward sweep made them
//!   are all live at once, and the register allocator's splitting is
//!   superlinear in that: they go to a stack slot after their definition
//!   and come back just before their late uses, with a compiler barrier
//!   every [`SPAN`] instructions so that nothing forwards the stores to
//!   the loads again ([`spill_long_lives`]).
//!
//! Blocks below [`HUGE_BLOCK`] instructions are left as they are, so the
//! code of loops and ordinary functions does not change.

use super::{functions, Block, Builder, Function, Type, Value};
use llvm_sys::core::*;
use llvm_sys::prelude::{LLVMModuleRef, LLVMValueRef};
use llvm_sys::target::{LLVMABISizeOfType, LLVMGetModuleDataLayout};
use llvm_sys::{LLVMOpcode, LLVMRealPredicate, LLVMTypeKind};

/// A block with at least this many instructions is huge.
pub const HUGE_BLOCK: usize = 4000;

/// A value used more than this many instructions after its definition is
/// spilled; a barrier stands every `SPAN` instructions.
pub const SPAN: usize = 1000;

/// The huge blocks of `m`'s defined functions.
fn huge_blocks(m: LLVMModuleRef) -> Vec<Block> {
    functions(m)
        .into_iter()
        .filter(|f| !f.is_declaration())
        .flat_map(|f| f.blocks())
        .filter(|b| b.instructions().len() >= HUGE_BLOCK)
        .collect()
}

/// Mark the functions of `m` with a huge block `noimplicitfloat`, which
/// the SLP vectorizer respects by leaving them alone (the pipeline's own
/// switch for it is not honoured through LLVM's C API). What [`release`]
/// needs after the cleanup: `None` when nothing was marked, else the
/// functions that had the attribute of their own (by name: the cleanup
/// may delete functions, and inlining passes the mark on to callers).
pub fn hold_off_slp(m: LLVMModuleRef) -> Option<Vec<String>> {
    let huge: Vec<Function> = huge_blocks(m).into_iter().map(|b| b.function()).collect();
    if huge.is_empty() {
        return None;
    }
    let own = functions(m)
        .into_iter()
        .filter(|f| f.has_fn_attr("noimplicitfloat"))
        .map(|f| f.name())
        .collect();
    for f in huge {
        f.add_fn_attr("noimplicitfloat");
    }
    Some(own)
}

/// Undo [`hold_off_slp`] (code generation may use float registers for
/// copies again).
pub fn release(m: LLVMModuleRef, held: Option<Vec<String>>) {
    let Some(own) = held else { return };
    for f in functions(m) {
        if f.has_fn_attr("noimplicitfloat") && !own.contains(&f.name()) {
            f.remove_fn_attr("noimplicitfloat");
        }
    }
}

/// Reshape every huge block of `m` (after the cleanup pipeline, before
/// code generation: no IR pass runs after it to undo it); whether there
/// was one.
pub fn reshape(m: LLVMModuleRef) -> bool {
    let blocks = huge_blocks(m);
    for b in &blocks {
        split_conditions(*b);
        spill_long_lives(m, *b);
    }
    !blocks.is_empty()
}

/// `p` with operands swapped: `a p b` is `b (swapped p) a`.
fn swapped(p: LLVMRealPredicate) -> LLVMRealPredicate {
    use LLVMRealPredicate::*;
    match p {
        LLVMRealOGT => LLVMRealOLT,
        LLVMRealOLT => LLVMRealOGT,
        LLVMRealOGE => LLVMRealOLE,
        LLVMRealOLE => LLVMRealOGE,
        LLVMRealUGT => LLVMRealULT,
        LLVMRealULT => LLVMRealUGT,
        LLVMRealUGE => LLVMRealULE,
        LLVMRealULE => LLVMRealUGE,
        other => other,
    }
}

/// Whether `v` is the constant +0.0 or -0.0 (which every float compare
/// treats alike).
fn is_zero(v: Value) -> bool {
    unsafe {
        if LLVMIsAConstantFP(v.0).is_null() {
            return false;
        }
        let mut lossy = 0;
        LLVMConstRealGetDouble(v.0, &mut lossy) == 0.0
    }
}

/// Give each scalar float select of `b` whose condition, a float compare,
/// has other users an equivalent compare of its own: the operands swapped,
/// a zero operand's sign flipped, or both (so up to four selects per
/// compare get one; distinct operands keep the code generator from
/// merging them back).
fn split_conditions(b: Block) {
    let ctx = unsafe { LLVMGetTypeContext(LLVMTypeOf(b.function().0 .0)) };
    let builder = Builder::new(ctx);
    for c in b.instructions() {
        if c.opcode() != Some(LLVMOpcode::LLVMFCmp) || c.operand(0).ty().is_vector() {
            continue;
        }
        let selects: Vec<Value> = c
            .users()
            .into_iter()
            .filter(|u| {
                u.opcode() == Some(LLVMOpcode::LLVMSelect)
                    && u.operand(0) == c
                    && u.parent_block() == b
                    && !u.ty().is_vector()
            })
            .collect();
        if selects.len() + usize::from(c.users().len() > selects.len()) < 2 {
            continue;
        }
        let p = unsafe { LLVMGetFCmpPredicate(c.0) };
        let (x, y) = (c.operand(0), c.operand(1));
        // The zero of the other sign.
        let flip = |v: Value| -> Option<Value> {
            is_zero(v).then(|| unsafe {
                let z = LLVMConstRealGetDouble(v.0, &mut 0);
                Value(LLVMConstReal(LLVMTypeOf(v.0), -z))
            })
        };
        // (a flipped zero first: a distinct constant keeps the nodes apart
        // where the code generator puts constants on one side)
        let mut forms: Vec<(LLVMRealPredicate, Value, Value)> = Vec::new();
        if let Some(fy) = flip(y) {
            forms.extend([(p, x, fy), (swapped(p), fy, x)]);
        } else if let Some(fx) = flip(x) {
            forms.extend([(p, fx, y), (swapped(p), y, fx)]);
        }
        forms.push((swapped(p), y, x));
        // The compare keeps its first select (and its other users).
        let skip = usize::from(c.users().len() == selects.len());
        for (s, (pred, l, r)) in selects.iter().skip(skip).zip(forms) {
            builder.position_before(*s);
            let own =
                Value(unsafe { LLVMBuildFCmp(builder.raw(), pred, l.0, r.0, c"adc.own".as_ptr()) });
            s.set_operand(0, own);
        }
    }
}

/// Whether values of type `t` can go to a stack slot and back.
fn spillable(t: Type) -> bool {
    use LLVMTypeKind::*;
    match t.kind() {
        LLVMFloatTypeKind | LLVMDoubleTypeKind | LLVMPointerTypeKind | LLVMVectorTypeKind => true,
        LLVMIntegerTypeKind => t.int_width() >= 8,
        _ => false,
    }
}

/// Spill the values of `b` used more than [`SPAN`] instructions after
/// their definition (see the module's doc).
fn spill_long_lives(m: LLVMModuleRef, b: Block) {
    let insts = b.instructions();
    let pos: indexmap::IndexMap<LLVMValueRef, usize> =
        insts.iter().enumerate().map(|(i, v)| (v.0, i)).collect();
    // Each value's late uses (instruction, operand index).
    let mut late: Vec<(Value, Vec<(Value, u32)>)> = Vec::new();
    for (i, v) in insts.iter().enumerate() {
        if matches!(v.opcode(), Some(LLVMOpcode::LLVMPHI)) || !spillable(v.ty()) {
            continue;
        }
        let mut uses = Vec::new();
        for u in v.users() {
            let Some(&j) = pos.get(&u.0) else { continue };
            if j > i + SPAN && u.opcode() != Some(LLVMOpcode::LLVMPHI) {
                for k in 0..u.num_operands() {
                    if u.operand(k) == *v {
                        uses.push((u, k));
                    }
                }
            }
        }
        if !uses.is_empty() {
            late.push((*v, uses));
        }
    }
    if late.is_empty() {
        return;
    }
    let f = b.function();
    let ctx = unsafe { LLVMGetModuleContext(m) };
    let builder = Builder::new(ctx);
    let dl = unsafe { LLVMGetModuleDataLayout(m) };
    let mut offsets = Vec::with_capacity(late.len());
    let mut size = 0u64;
    for (v, _) in &late {
        let bytes = unsafe { LLVMABISizeOfType(dl, v.ty().0) }.max(1);
        let slot = bytes.next_power_of_two().min(16);
        size = size.div_ceil(slot) * slot;
        offsets.push(size);
        size += bytes;
    }
    let i8t = Type::i8(ctx);
    let i64t = Type::i64(ctx);
    builder.position_before(f.entry().instructions()[0]);
    let area = builder.alloca(Type::array(i8t, size));
    unsafe { LLVMSetAlignment(area.0, 16) };
    // The barrier: an empty assembly statement that may read and write all
    // memory, the spill area included.
    let barrier_ty = Type::function(Type::void(ctx), &[Type::ptr(ctx)]);
    let asm = unsafe {
        let (code, cons) = ("", "r,~{memory}");
        Value(LLVMGetInlineAsm(
            barrier_ty.0,
            code.as_ptr() as *mut _,
            code.len(),
            cons.as_ptr() as *mut _,
            cons.len(),
            1,
            0,
            llvm_sys::LLVMInlineAsmDialect::LLVMInlineAsmDialectATT,
            0,
        ))
    };
    for k in (SPAN..insts.len()).step_by(SPAN) {
        if insts[k].opcode() == Some(LLVMOpcode::LLVMPHI) {
            continue;
        }
        builder.position_before(insts[k]);
        unsafe {
            let mut args = [area.0];
            LLVMBuildCall2(
                builder.raw(),
                barrier_ty.0,
                asm.0,
                args.as_mut_ptr(),
                1,
                c"".as_ptr(),
            );
        }
    }
    for ((v, uses), off) in late.into_iter().zip(offsets) {
        let Some(next) = v.next_instruction() else {
            continue;
        };
        builder.position_before(next);
        let slot = builder.gep(i8t, area, i64t.const_int(off as i64));
        builder.store(v, slot);
        for (u, k) in uses {
            builder.position_before(u);
            let back = builder.load(v.ty(), slot);
            u.set_operand(k, back);
        }
    }
}
