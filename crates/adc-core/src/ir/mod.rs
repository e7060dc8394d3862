//! A thin, copyable view of LLVM IR over llvm-sys.
//!
//! inkwell's typed values are good for writing known code, but derivative
//! synthesis walks arbitrary instructions generically (clone, remap operands,
//! query opcodes), which is simpler on plain handles. Everything here is a
//! `Copy` handle that is valid while the owning `Context` lives; the
//! `Context`/`Module` lifetimes are managed by inkwell (see `module_io`).
//! Raw context and module handles are passed in the same spirit, hence the
//! allowed clippy lint below.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod atomics;
pub mod builder;
pub mod clone;
pub mod constant_tables;
pub mod constants;
pub mod debug_loc;
pub mod devirtualize;
pub mod fast_math;
pub mod float_params;
pub mod float_webs;
pub mod fp_idioms;
pub mod globals;
pub mod heap;
pub mod huge_blocks;
pub mod inline_asm;
pub mod int_pointers;
pub mod iteration_count;
pub mod libm_outputs;
pub mod metadata;
pub mod module_io;
pub mod openmp;
pub mod passes;
pub mod rust_std;
pub mod source_copy;
pub mod stack_switch;
pub mod stop;

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMOpcode, LLVMTypeKind, LLVMValueKind};
use std::ffi::{CStr, CString};

pub use builder::Builder;

/// An SSA value: argument, instruction, constant, global or function.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Value(pub LLVMValueRef);

/// An LLVM type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Type(pub LLVMTypeRef);

/// A basic block.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Block(pub LLVMBasicBlockRef);

pub(crate) fn cstr(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| CString::new(s.replace('\0', "")).unwrap())
}

fn owned_message(p: *mut std::os::raw::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: LLVM returned a NUL-terminated string that we own and free.
    unsafe {
        let s = CStr::from_ptr(p).to_string_lossy().into_owned();
        LLVMDisposeMessage(p);
        s
    }
}

impl Value {
    pub fn ty(self) -> Type {
        Type(unsafe { LLVMTypeOf(self.0) })
    }
    pub fn name(self) -> String {
        let mut len = 0usize;
        let p = unsafe { LLVMGetValueName2(self.0, &mut len) };
        if p.is_null() {
            return String::new();
        }
        let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, len) };
        String::from_utf8_lossy(bytes).into_owned()
    }
    pub fn set_name(self, name: &str) {
        unsafe { LLVMSetValueName2(self.0, name.as_ptr() as *const _, name.len()) }
    }
    /// The value printed as LLVM assembly (one line for instructions).
    pub fn print(self) -> String {
        owned_message(unsafe { LLVMPrintValueToString(self.0) })
            .trim()
            .to_string()
    }
    pub fn kind(self) -> LLVMValueKind {
        unsafe { LLVMGetValueKind(self.0) }
    }
    pub fn is_instruction(self) -> bool {
        self.kind() == LLVMValueKind::LLVMInstructionValueKind
    }
    pub fn is_argument(self) -> bool {
        self.kind() == LLVMValueKind::LLVMArgumentValueKind
    }
    pub fn is_function(self) -> bool {
        self.kind() == LLVMValueKind::LLVMFunctionValueKind
    }
    pub fn is_constant(self) -> bool {
        unsafe { LLVMIsConstant(self.0) != 0 }
    }
    pub fn opcode(self) -> Option<LLVMOpcode> {
        if self.is_instruction() {
            Some(unsafe { LLVMGetInstructionOpcode(self.0) })
        } else {
            None
        }
    }
    pub fn num_operands(self) -> u32 {
        unsafe { LLVMGetNumOperands(self.0) as u32 }
    }
    pub fn operand(self, i: u32) -> Value {
        Value(unsafe { LLVMGetOperand(self.0, i) })
    }
    pub fn operands(self) -> impl Iterator<Item = Value> {
        (0..self.num_operands()).map(move |i| self.operand(i))
    }
    pub fn set_operand(self, i: u32, v: Value) {
        unsafe { LLVMSetOperand(self.0, i, v.0) }
    }
    pub fn parent_block(self) -> Block {
        Block(unsafe { LLVMGetInstructionParent(self.0) })
    }
    /// The function an instruction or argument belongs to.
    pub fn parent_function(self) -> Function {
        if self.is_argument() {
            Function(Value(unsafe { LLVMGetParamParent(self.0) }))
        } else {
            self.parent_block().function()
        }
    }
    pub fn next_instruction(self) -> Option<Value> {
        let p = unsafe { LLVMGetNextInstruction(self.0) };
        (!p.is_null()).then_some(Value(p))
    }
    pub fn users(self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut u = unsafe { LLVMGetFirstUse(self.0) };
        while !u.is_null() {
            out.push(Value(unsafe { LLVMGetUser(u) }));
            u = unsafe { LLVMGetNextUse(u) };
        }
        out
    }
    // --- phi
    pub fn count_incoming(self) -> u32 {
        unsafe { LLVMCountIncoming(self.0) }
    }
    pub fn incoming(self, i: u32) -> (Value, Block) {
        unsafe {
            (
                Value(LLVMGetIncomingValue(self.0, i)),
                Block(LLVMGetIncomingBlock(self.0, i)),
            )
        }
    }
    /// A phi's value when entered from `b`.
    pub fn incoming_from(self, b: Block) -> Option<Value> {
        (0..self.count_incoming())
            .map(|i| self.incoming(i))
            .find(|(_, p)| *p == b)
            .map(|(v, _)| v)
    }
    pub fn add_incoming(self, v: Value, b: Block) {
        let mut vs = [v.0];
        let mut bs = [b.0];
        unsafe { LLVMAddIncoming(self.0, vs.as_mut_ptr(), bs.as_mut_ptr(), 1) }
    }
    // --- calls
    /// The called operand of a call (a function, or a pointer for indirect calls).
    pub fn called_value(self) -> Value {
        Value(unsafe { LLVMGetCalledValue(self.0) })
    }
    /// The directly called function, if the call is direct.
    /// The function a call (or invoke) calls directly; `None` for indirect
    /// calls and for anything that is not a call.
    pub fn called_function(self) -> Option<Function> {
        if !matches!(
            self.opcode(),
            Some(LLVMOpcode::LLVMCall)
                | Some(LLVMOpcode::LLVMInvoke)
                | Some(LLVMOpcode::LLVMCallBr)
        ) {
            return None;
        }
        let c = self.called_value();
        c.is_function().then_some(Function(c))
    }
    pub fn called_function_type(self) -> Type {
        Type(unsafe { LLVMGetCalledFunctionType(self.0) })
    }
    pub fn num_call_args(self) -> u32 {
        unsafe { LLVMGetNumArgOperands(self.0) }
    }
    pub fn call_args(self) -> Vec<Value> {
        (0..self.num_call_args()).map(|i| self.operand(i)).collect()
    }
    // --- misc instruction queries
    pub fn fcmp_predicate(self) -> llvm_sys::LLVMRealPredicate {
        unsafe { LLVMGetFCmpPredicate(self.0) }
    }
    pub fn allocated_type(self) -> Type {
        Type(unsafe { LLVMGetAllocatedType(self.0) })
    }
    pub fn gep_source_type(self) -> Type {
        Type(unsafe { LLVMGetGEPSourceElementType(self.0) })
    }
    /// The constant indices of an extractvalue / insertvalue.
    pub fn indices(self) -> Vec<u32> {
        let n = unsafe { LLVMGetNumIndices(self.0) } as usize;
        let p = unsafe { LLVMGetIndices(self.0) };
        (0..n).map(|i| unsafe { *p.add(i) }).collect()
    }
    pub fn alignment(self) -> u32 {
        unsafe { LLVMGetAlignment(self.0) }
    }
    pub fn set_alignment(self, a: u32) {
        unsafe { LLVMSetAlignment(self.0, a) }
    }
    /// The value of an integer constant (zero-extended).
    pub fn const_u64(self) -> Option<u64> {
        unsafe {
            (LLVMGetValueKind(self.0) == llvm_sys::LLVMValueKind::LLVMConstantIntValueKind)
                .then(|| LLVMConstIntGetZExtValue(self.0))
        }
    }
    pub fn const_f64(self) -> Option<f64> {
        if self.kind() != LLVMValueKind::LLVMConstantFPValueKind {
            return None;
        }
        let mut lost = 0;
        Some(unsafe { llvm_sys::core::LLVMConstRealGetDouble(self.0, &mut lost) })
    }
    /// An integer constant, or the value of every lane of a splat vector.
    pub fn const_u64_splat(self) -> Option<u64> {
        self.splat(Value::const_u64)
    }
    /// A float constant, or the value of every lane of a splat vector.
    pub fn const_f64_splat(self) -> Option<f64> {
        self.splat(Value::const_f64)
    }
    /// `scalar` of a constant, or of every lane of a vector when they agree.
    fn splat<T: PartialEq + Copy>(self, scalar: impl Fn(Value) -> Option<T>) -> Option<T> {
        if !self.ty().is_vector() {
            return scalar(self);
        }
        let lane = |i: u32| {
            let e = unsafe { llvm_sys::core::LLVMGetAggregateElement(self.0, i) };
            (!e.is_null()).then(|| scalar(Value(e))).flatten()
        };
        let first = lane(0)?;
        (1..self.ty().vector_size())
            .all(|i| lane(i) == Some(first))
            .then_some(first)
    }
    /// Clone an instruction (detached, same operands) without its metadata:
    /// debug locations and loop metadata point into the original function's
    /// debug scope and must not be copied into a generated one.
    pub fn clone_detached(self) -> Value {
        let c = unsafe { Value(LLVMInstructionClone(self.0)) };
        c.drop_metadata();
        c
    }
    /// Drop metadata that belongs to the source function (debug locations,
    /// alias scopes, ...). Loop properties (`!llvm.loop`) stay when they hold
    /// no source locations: a loop clang already vectorized says so, and
    /// the O2 cleanup does not vectorize the copy a second time. adc's own
    /// marks that derivatives of derivatives read stay too (a tape move),
    /// and so does the mark of a fork ([`openmp::FORK`]).
    pub fn drop_metadata(self) {
        unsafe {
            llvm_sys::debuginfo::LLVMInstructionSetDebugLoc(self.0, std::ptr::null_mut());
            let ctx = LLVMGetTypeContext(LLVMTypeOf(self.0));
            let loop_kind = LLVMGetMDKindIDInContext(ctx, c"llvm.loop".as_ptr(), 9);
            let kept = metadata::TAPE_MOVE;
            let kept_kind = LLVMGetMDKindIDInContext(ctx, kept.as_ptr().cast(), kept.len() as u32);
            let fork = openmp::FORK;
            let fork_kind = LLVMGetMDKindIDInContext(ctx, fork.as_ptr().cast(), fork.len() as u32);
            let mut n = 0usize;
            let entries = LLVMInstructionGetAllMetadataOtherThanDebugLoc(self.0, &mut n);
            if !entries.is_null() {
                for i in 0..n {
                    let kind = LLVMValueMetadataEntriesGetKind(entries, i as u32);
                    if kind == kept_kind || kind == fork_kind {
                        continue;
                    }
                    if kind == loop_kind
                        && !Self::mentions_location(
                            ctx,
                            LLVMValueMetadataEntriesGetMetadata(entries, i as u32),
                        )
                    {
                        continue;
                    }
                    LLVMSetMetadata(self.0, kind, std::ptr::null_mut());
                }
                LLVMDisposeValueMetadataEntries(entries);
            }
        }
    }

    /// Whether loop metadata `md` has a debug location among its operands.
    unsafe fn mentions_location(ctx: LLVMContextRef, md: LLVMMetadataRef) -> bool {
        let v = LLVMMetadataAsValue(ctx, md);
        let n = LLVMGetMDNodeNumOperands(v);
        let mut ops = vec![std::ptr::null_mut(); n as usize];
        LLVMGetMDNodeOperands(v, ops.as_mut_ptr());
        ops.iter().any(|o| {
            !o.is_null()
                && matches!(
                    llvm_sys::debuginfo::LLVMGetMetadataKind(LLVMValueAsMetadata(*o)),
                    llvm_sys::debuginfo::LLVMMetadataKind::LLVMDILocationMetadataKind
                )
        })
    }
    /// A constant vector with its poison and undef lanes made zero, else
    /// `self`. In a partial derivative such a lane (`fmul <C, poison>`
    /// whose second lane a shuffle drops) multiplies a zero adjoint and
    /// would make it poison, which the other lanes of a vector adjoint then
    /// carry into real derivatives.
    pub fn without_poison_lanes(self) -> Value {
        unsafe {
            let t = self.ty();
            if !t.is_vector() || LLVMIsConstant(self.0) == 0 {
                return self;
            }
            let n = t.vector_size();
            let mut lanes = Vec::with_capacity(n as usize);
            let mut changed = false;
            for i in 0..n {
                let e = LLVMGetAggregateElement(self.0, i);
                if e.is_null() {
                    return self;
                }
                if LLVMIsUndef(e) != 0 || LLVMIsPoison(e) != 0 {
                    changed = true;
                    lanes.push(LLVMConstNull(t.element_type().0));
                } else {
                    lanes.push(e);
                }
            }
            if !changed {
                return self;
            }
            Value(LLVMConstVector(lanes.as_mut_ptr(), n))
        }
    }
    /// Whether some lane of this vector may be poison or undef: a lane
    /// that an `insertelement` chain into poison never filled, a
    /// `shufflevector` lane with an undefined mask element or taken from
    /// such a lane, or arithmetic on such a lane (up to a few levels; loads,
    /// arguments and phis count as fully defined, calls as their vector
    /// arguments). Lane by lane: a splat (`shufflevector (insertelement
    /// poison, x, 0), poison, zeroinitializer`) has none. SLP-vectorized
    /// code builds these and later drops the undefined lanes, so a partial
    /// read from such a lane must not reach a derivative (0 * poison is
    /// poison).
    pub fn may_have_poison_lanes(self) -> bool {
        fn lanes(v: Value, depth: u32) -> Vec<bool> {
            let n = v.ty().vector_size() as usize;
            if depth > 6 {
                return vec![false; n];
            }
            unsafe {
                if LLVMIsUndef(v.0) != 0 || LLVMIsPoison(v.0) != 0 {
                    return vec![true; n];
                }
                if v.is_constant() {
                    return (0..n)
                        .map(|i| {
                            let e = LLVMGetAggregateElement(v.0, i as u32);
                            e.is_null() || LLVMIsUndef(e) != 0 || LLVMIsPoison(e) != 0
                        })
                        .collect();
                }
            }
            let Some(op) = v.opcode() else {
                return vec![false; n];
            };
            match op {
                LLVMOpcode::LLVMShuffleVector => {
                    let a = lanes(v.operand(0), depth + 1);
                    let b = lanes(v.operand(1), depth + 1);
                    let undef = unsafe { LLVMGetUndefMaskElem() };
                    (0..n)
                        .map(|i| {
                            let m = unsafe { LLVMGetMaskValue(v.0, i as u32) };
                            if m == undef {
                                return true;
                            }
                            let m = m as usize;
                            if m < a.len() {
                                a[m]
                            } else {
                                b.get(m - a.len()).copied().unwrap_or(true)
                            }
                        })
                        .collect()
                }
                LLVMOpcode::LLVMInsertElement => {
                    let idx = v.operand(2);
                    let mut l = lanes(v.operand(0), depth + 1);
                    if !idx.is_constant() {
                        return vec![true; n];
                    }
                    let i = unsafe { LLVMConstIntGetZExtValue(idx.0) } as usize;
                    let x = v.operand(1);
                    let undefined = unsafe { LLVMIsUndef(x.0) != 0 || LLVMIsPoison(x.0) != 0 };
                    if let Some(f) = l.get_mut(i) {
                        *f = undefined;
                    }
                    l
                }
                LLVMOpcode::LLVMLoad | LLVMOpcode::LLVMPHI => vec![false; n],
                _ => {
                    let mut out = vec![false; n];
                    for k in 0..v.num_operands() {
                        let o = v.operand(k);
                        if !o.ty().is_vector() {
                            continue;
                        }
                        let l = lanes(o, depth + 1);
                        if l.len() == n {
                            out.iter_mut().zip(&l).for_each(|(a, b)| *a |= *b);
                        } else if l.iter().any(|b| *b) {
                            return vec![true; n];
                        }
                    }
                    out
                }
            }
        }
        self.ty().is_vector() && lanes(self, 0).iter().any(|b| *b)
    }
    pub fn erase(self) {
        unsafe { LLVMInstructionEraseFromParent(self.0) }
    }
    pub fn replace_all_uses_with(self, v: Value) {
        unsafe { LLVMReplaceAllUsesWith(self.0, v.0) }
    }
}

/// A function (a `Value` known to be a function).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Function(pub Value);

impl Function {
    pub fn raw(self) -> LLVMValueRef {
        self.0 .0
    }
    pub fn name(self) -> String {
        self.0.name()
    }
    pub fn params(self) -> Vec<Value> {
        let n = unsafe { LLVMCountParams(self.raw()) };
        (0..n)
            .map(|i| Value(unsafe { LLVMGetParam(self.raw(), i) }))
            .collect()
    }
    pub fn fn_type(self) -> Type {
        Type(unsafe { LLVMGlobalGetValueType(self.raw()) })
    }
    pub fn return_type(self) -> Type {
        Type(unsafe { LLVMGetReturnType(self.fn_type().0) })
    }
    pub fn is_declaration(self) -> bool {
        unsafe { LLVMIsDeclaration(self.raw()) != 0 }
    }
    pub fn intrinsic_id(self) -> u32 {
        unsafe { LLVMGetIntrinsicID(self.raw()) }
    }
    pub fn is_intrinsic(self) -> bool {
        self.intrinsic_id() != 0
    }
    pub fn blocks(self) -> Vec<Block> {
        let mut out = Vec::new();
        let mut b = unsafe { LLVMGetFirstBasicBlock(self.raw()) };
        while !b.is_null() {
            out.push(Block(b));
            b = unsafe { LLVMGetNextBasicBlock(b) };
        }
        out
    }
    pub fn entry(self) -> Block {
        Block(unsafe { LLVMGetEntryBasicBlock(self.raw()) })
    }
    pub fn append_block(self, ctx: LLVMContextRef, name: &str) -> Block {
        let n = cstr(name);
        Block(unsafe { LLVMAppendBasicBlockInContext(ctx, self.raw(), n.as_ptr()) })
    }
    pub fn module(self) -> LLVMModuleRef {
        unsafe { LLVMGetGlobalParent(self.raw()) }
    }
    /// Internal or private linkage: seen only inside this module.
    pub fn is_internal(self) -> bool {
        use llvm_sys::LLVMLinkage::*;
        matches!(
            unsafe { LLVMGetLinkage(self.raw()) },
            LLVMInternalLinkage | LLVMPrivateLinkage
        )
    }
    pub fn set_internal(self) {
        unsafe { LLVMSetLinkage(self.raw(), llvm_sys::LLVMLinkage::LLVMInternalLinkage) }
    }
    /// Whether the function has an enum attribute (e.g. `optnone`).
    pub fn has_fn_attr(self, name: &str) -> bool {
        unsafe {
            let kind = LLVMGetEnumAttributeKindForName(name.as_ptr() as *const _, name.len());
            !LLVMGetEnumAttributeAtIndex(self.raw(), llvm_sys::LLVMAttributeFunctionIndex, kind)
                .is_null()
        }
    }
    /// Remove the function's fast-math attributes (`unsafe-fp-math` and
    /// its kin); see `fast_math::make_strict` for the instructions' flags.
    pub fn remove_fast_math_attrs(self) {
        for name in [
            "unsafe-fp-math",
            "no-nans-fp-math",
            "no-infs-fp-math",
            "no-signed-zeros-fp-math",
            "approx-func-fp-math",
        ] {
            unsafe {
                LLVMRemoveStringAttributeAtIndex(
                    self.raw(),
                    llvm_sys::LLVMAttributeFunctionIndex,
                    name.as_ptr() as *const _,
                    name.len() as u32,
                )
            }
        }
    }
    /// The value of string function attribute `key` (`"enzyme_math"="log1p"`).
    pub fn string_attr(self, key: &str) -> Option<String> {
        unsafe {
            let a = llvm_sys::core::LLVMGetStringAttributeAtIndex(
                self.raw(),
                llvm_sys::LLVMAttributeFunctionIndex,
                key.as_ptr() as *const _,
                key.len() as u32,
            );
            if a.is_null() {
                return None;
            }
            let mut len = 0u32;
            let v = llvm_sys::core::LLVMGetStringAttributeValue(a, &mut len);
            let bytes = std::slice::from_raw_parts(v as *const u8, len as usize);
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
    }
    /// Set string function attribute `key` to `value`.
    pub fn set_string_attr(self, key: &str, value: &str) {
        unsafe {
            let a = llvm_sys::core::LLVMCreateStringAttribute(
                llvm_sys::core::LLVMGetModuleContext(self.module()),
                key.as_ptr() as *const _,
                key.len() as u32,
                value.as_ptr() as *const _,
                value.len() as u32,
            );
            llvm_sys::core::LLVMAddAttributeAtIndex(
                self.raw(),
                llvm_sys::LLVMAttributeFunctionIndex,
                a,
            );
        }
    }
    /// Remove string function attribute `key`.
    pub fn remove_string_attr(self, key: &str) {
        unsafe {
            LLVMRemoveStringAttributeAtIndex(
                self.raw(),
                llvm_sys::LLVMAttributeFunctionIndex,
                key.as_ptr() as *const _,
                key.len() as u32,
            )
        }
    }
    /// Add enum function attribute `name` (e.g. `noinline`).
    pub fn add_fn_attr(self, name: &str) {
        unsafe {
            let kind = LLVMGetEnumAttributeKindForName(name.as_ptr() as *const _, name.len());
            let a = llvm_sys::core::LLVMCreateEnumAttribute(
                llvm_sys::core::LLVMGetModuleContext(self.module()),
                kind,
                0,
            );
            llvm_sys::core::LLVMAddAttributeAtIndex(
                self.raw(),
                llvm_sys::LLVMAttributeFunctionIndex,
                a,
            );
        }
    }
    /// Remove a string or enum function attribute (e.g. `optnone`) everywhere.
    pub fn remove_fn_attr(self, name: &str) {
        let kind =
            unsafe { LLVMGetEnumAttributeKindForName(name.as_ptr() as *const _, name.len()) };
        unsafe {
            LLVMRemoveEnumAttributeAtIndex(self.raw(), llvm_sys::LLVMAttributeFunctionIndex, kind)
        }
    }
}

impl Block {
    pub fn function(self) -> Function {
        Function(Value(unsafe { LLVMGetBasicBlockParent(self.0) }))
    }
    pub fn instructions(self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut i = unsafe { LLVMGetFirstInstruction(self.0) };
        while !i.is_null() {
            out.push(Value(i));
            i = unsafe { LLVMGetNextInstruction(i) };
        }
        out
    }
    pub fn terminator(self) -> Option<Value> {
        let t = unsafe { LLVMGetBasicBlockTerminator(self.0) };
        (!t.is_null()).then_some(Value(t))
    }
    pub fn first_non_phi(self) -> Option<Value> {
        self.instructions()
            .into_iter()
            .find(|i| i.opcode() != Some(LLVMOpcode::LLVMPHI))
    }
    pub fn successors(self) -> Vec<Block> {
        match self.terminator() {
            None => vec![],
            Some(t) => {
                let n = unsafe { LLVMGetNumSuccessors(t.0) };
                (0..n)
                    .map(|i| Block(unsafe { LLVMGetSuccessor(t.0, i) }))
                    .collect()
            }
        }
    }
    pub fn as_value(self) -> Value {
        Value(unsafe { LLVMBasicBlockAsValue(self.0) })
    }
    /// How LLVM prints the block's label (`%12` when it has no name), and
    /// the source line of its first instruction that has one: for messages.
    pub fn label(self) -> String {
        let name = self.name();
        let label = if name.is_empty() {
            // LLVM numbers unnamed blocks only when printing the block.
            let text = self.as_value().print();
            let first = text.trim_start_matches('\n').lines().next().unwrap_or("");
            match first.split_once(':') {
                Some((n, _)) if !n.is_empty() => format!("%{n}"),
                _ => "(unnamed)".to_string(),
            }
        } else {
            format!("%{name}")
        };
        match self
            .instructions()
            .into_iter()
            .find_map(debug_loc::SourceLoc::of)
        {
            Some(l) => {
                let file = l.file.rsplit('/').next().unwrap_or(&l.file).to_string();
                format!("{label} ({file}:{})", l.line)
            }
            None => label,
        }
    }
    pub fn name(self) -> String {
        let p = unsafe { LLVMGetBasicBlockName(self.0) };
        if p.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(p).to_string_lossy().into_owned() }
        }
    }
}

impl Type {
    pub fn kind(self) -> LLVMTypeKind {
        unsafe { LLVMGetTypeKind(self.0) }
    }
    pub fn context(self) -> LLVMContextRef {
        unsafe { LLVMGetTypeContext(self.0) }
    }
    /// IEEE-style binary floating point: half, bfloat, float, double,
    /// x86's 80-bit long double and fp128 (not PowerPC's double-double,
    /// which adc refuses).
    pub fn is_float_scalar(self) -> bool {
        matches!(
            self.kind(),
            LLVMTypeKind::LLVMHalfTypeKind
                | LLVMTypeKind::LLVMBFloatTypeKind
                | LLVMTypeKind::LLVMFloatTypeKind
                | LLVMTypeKind::LLVMDoubleTypeKind
                | LLVMTypeKind::LLVMX86_FP80TypeKind
                | LLVMTypeKind::LLVMFP128TypeKind
        )
    }
    /// Whether this is `float` or `double` (a vector of them too): the
    /// types of libm's plain and `f` functions and of their bit tricks.
    pub fn is_float_or_double(self) -> bool {
        matches!(
            self.scalar().kind(),
            LLVMTypeKind::LLVMFloatTypeKind | LLVMTypeKind::LLVMDoubleTypeKind
        )
    }
    /// A float scalar or a vector of them: the types that carry tangents.
    pub fn is_float(self) -> bool {
        self.is_float_scalar() || (self.is_vector() && self.element_type().is_float_scalar())
    }
    /// Whether any part of the type is floating point (for aggregates).
    pub fn contains_float(self) -> bool {
        match self.kind() {
            LLVMTypeKind::LLVMStructTypeKind => {
                self.struct_fields().iter().any(|t| t.contains_float())
            }
            LLVMTypeKind::LLVMArrayTypeKind => self.element_type().contains_float(),
            _ => self.is_float(),
        }
    }
    /// Whether any part of the type is a pointer (for aggregates).
    pub fn contains_pointer(self) -> bool {
        match self.kind() {
            LLVMTypeKind::LLVMStructTypeKind => {
                self.struct_fields().iter().any(|t| t.contains_pointer())
            }
            LLVMTypeKind::LLVMArrayTypeKind | LLVMTypeKind::LLVMVectorTypeKind => {
                self.element_type().contains_pointer()
            }
            _ => self.is_pointer(),
        }
    }
    /// A pointer, or an aggregate of pointers and integers (no floats): a
    /// value whose shadow is made of shadow pointers (and the integers).
    pub fn holds_pointers_only(self) -> bool {
        self.contains_pointer() && !self.contains_float()
    }
    pub fn is_vector(self) -> bool {
        self.kind() == LLVMTypeKind::LLVMVectorTypeKind
    }
    pub fn is_pointer(self) -> bool {
        self.kind() == LLVMTypeKind::LLVMPointerTypeKind
    }
    pub fn is_integer(self) -> bool {
        self.kind() == LLVMTypeKind::LLVMIntegerTypeKind
    }
    pub fn is_void(self) -> bool {
        self.kind() == LLVMTypeKind::LLVMVoidTypeKind
    }
    pub fn int_width(self) -> u32 {
        unsafe { LLVMGetIntTypeWidth(self.0) }
    }
    pub fn element_type(self) -> Type {
        Type(unsafe { LLVMGetElementType(self.0) })
    }
    pub fn vector_size(self) -> u32 {
        unsafe { LLVMGetVectorSize(self.0) }
    }
    /// Scalar type: the element type of a vector, else the type itself.
    pub fn scalar(self) -> Type {
        if self.is_vector() {
            self.element_type()
        } else {
            self
        }
    }
    pub fn struct_fields(self) -> Vec<Type> {
        let n = unsafe { LLVMCountStructElementTypes(self.0) };
        (0..n)
            .map(|i| Type(unsafe { LLVMStructGetTypeAtIndex(self.0, i) }))
            .collect()
    }
    pub fn print(self) -> String {
        owned_message(unsafe { LLVMPrintTypeToString(self.0) })
    }
    pub fn is_aggregate(self) -> bool {
        matches!(
            self.kind(),
            LLVMTypeKind::LLVMStructTypeKind | LLVMTypeKind::LLVMArrayTypeKind
        )
    }
    /// Number of fields of a struct or elements of an array.
    pub fn aggregate_len(self) -> u32 {
        match self.kind() {
            LLVMTypeKind::LLVMStructTypeKind => unsafe { LLVMCountStructElementTypes(self.0) },
            LLVMTypeKind::LLVMArrayTypeKind => unsafe { LLVMGetArrayLength2(self.0) as u32 },
            _ => 0,
        }
    }
    /// A value of this type that no code may rely on (`poison`).
    pub fn poison(self) -> Value {
        Value(unsafe { LLVMGetPoison(self.0) })
    }
    pub fn null(self) -> Value {
        Value(unsafe { LLVMConstNull(self.0) })
    }
    /// -0.0 in every float (null elsewhere): the additive identity of
    /// floating point. LLVM folds `x + -0.0` to `x` but not `x + 0.0`
    /// (which is not `x` when `x` is -0.0), so adjoints that start here
    /// cost no addition for their first contribution.
    pub fn neg_zero(self) -> Value {
        unsafe {
            match self.kind() {
                LLVMTypeKind::LLVMHalfTypeKind
                | LLVMTypeKind::LLVMBFloatTypeKind
                | LLVMTypeKind::LLVMFloatTypeKind
                | LLVMTypeKind::LLVMDoubleTypeKind
                | LLVMTypeKind::LLVMX86_FP80TypeKind
                | LLVMTypeKind::LLVMFP128TypeKind => Value(LLVMConstReal(self.0, -0.0)),
                LLVMTypeKind::LLVMVectorTypeKind if self.element_type().is_float_scalar() => {
                    let mut lanes: Vec<_> = (0..self.vector_size())
                        .map(|_| self.element_type().neg_zero().0)
                        .collect();
                    Value(LLVMConstVector(lanes.as_mut_ptr(), lanes.len() as u32))
                }
                LLVMTypeKind::LLVMStructTypeKind => {
                    let mut f: Vec<_> = self
                        .struct_fields()
                        .iter()
                        .map(|t| t.neg_zero().0)
                        .collect();
                    Value(LLVMConstNamedStruct(self.0, f.as_mut_ptr(), f.len() as u32))
                }
                LLVMTypeKind::LLVMArrayTypeKind => {
                    let e = self.element_type().neg_zero().0;
                    let mut f = vec![e; self.aggregate_len() as usize];
                    Value(LLVMConstArray2(
                        self.element_type().0,
                        f.as_mut_ptr(),
                        f.len() as u64,
                    ))
                }
                _ => self.null(),
            }
        }
    }
    pub fn params(self) -> Vec<Type> {
        let n = unsafe { LLVMCountParamTypes(self.0) };
        let mut v = vec![std::ptr::null_mut(); n as usize];
        unsafe { LLVMGetParamTypes(self.0, v.as_mut_ptr()) };
        v.into_iter().map(Type).collect()
    }
    /// A floating-point constant of this type (splatted for vectors).
    pub fn const_float(self, x: f64) -> Value {
        unsafe {
            let s = LLVMConstReal(self.scalar().0, x);
            if self.is_vector() {
                let mut elems = vec![s; self.vector_size() as usize];
                Value(LLVMConstVector(elems.as_mut_ptr(), elems.len() as u32))
            } else {
                Value(s)
            }
        }
    }
    pub fn const_int(self, x: i64) -> Value {
        unsafe {
            let s = LLVMConstInt(self.scalar().0, x as u64, 1);
            if self.is_vector() {
                let mut elems = vec![s; self.vector_size() as usize];
                Value(LLVMConstVector(elems.as_mut_ptr(), elems.len() as u32))
            } else {
                Value(s)
            }
        }
    }
    /// `[len x elem]`.
    pub fn array(elem: Type, len: u64) -> Type {
        Type(unsafe { LLVMArrayType2(elem.0, len) })
    }
    /// A function type `ret (params...)`.
    pub fn function(ret: Type, params: &[Type]) -> Type {
        let mut p: Vec<_> = params.iter().map(|t| t.0).collect();
        Type(unsafe { LLVMFunctionType(ret.0, p.as_mut_ptr(), p.len() as u32, 0) })
    }
    pub fn struct_of(ctx: LLVMContextRef, fields: &[Type]) -> Type {
        let mut f: Vec<_> = fields.iter().map(|t| t.0).collect();
        Type(unsafe { LLVMStructTypeInContext(ctx, f.as_mut_ptr(), f.len() as u32, 0) })
    }
    /// The opaque pointer type (address space 0).
    pub fn ptr(ctx: LLVMContextRef) -> Type {
        Type(unsafe { LLVMPointerTypeInContext(ctx, 0) })
    }
    pub fn void(ctx: LLVMContextRef) -> Type {
        Type(unsafe { LLVMVoidTypeInContext(ctx) })
    }
    pub fn i8(ctx: LLVMContextRef) -> Type {
        Type(unsafe { LLVMInt8TypeInContext(ctx) })
    }
    pub fn i32(ctx: LLVMContextRef) -> Type {
        Type(unsafe { LLVMInt32TypeInContext(ctx) })
    }
    pub fn i64(ctx: LLVMContextRef) -> Type {
        Type(unsafe { LLVMInt64TypeInContext(ctx) })
    }
    pub fn i1(ctx: LLVMContextRef) -> Type {
        Type(unsafe { LLVMInt1TypeInContext(ctx) })
    }
}

/// Look up a function by name in a module.
pub fn get_function(m: LLVMModuleRef, name: &str) -> Option<Function> {
    let n = cstr(name);
    let f = unsafe { LLVMGetNamedFunction(m, n.as_ptr()) };
    (!f.is_null()).then_some(Function(Value(f)))
}

/// Get or declare a function of the given type.
pub fn get_or_declare(m: LLVMModuleRef, name: &str, ty: Type) -> Function {
    if let Some(f) = get_function(m, name) {
        return f;
    }
    let n = cstr(name);
    Function(Value(unsafe { LLVMAddFunction(m, n.as_ptr(), ty.0) }))
}

/// Add a new function with external linkage.
pub fn add_function(m: LLVMModuleRef, name: &str, ty: Type) -> Function {
    let n = cstr(name);
    Function(Value(unsafe { LLVMAddFunction(m, n.as_ptr(), ty.0) }))
}

/// The declaration of an overloaded intrinsic (e.g. `llvm.cos` at `double`),
/// or `None` if this LLVM has no intrinsic of that name.
pub fn intrinsic(m: LLVMModuleRef, base: &str, overloads: &[Type]) -> Option<Function> {
    let id = unsafe { LLVMLookupIntrinsicID(base.as_ptr() as *const _, base.len()) };
    if id == 0 {
        return None;
    }
    let mut tys: Vec<_> = overloads.iter().map(|t| t.0).collect();
    let f = unsafe { LLVMGetIntrinsicDeclaration(m, id, tys.as_mut_ptr(), tys.len()) };
    (!f.is_null()).then_some(Function(Value(f)))
}

/// All functions defined or declared in a module.
pub fn functions(m: LLVMModuleRef) -> Vec<Function> {
    let mut out = Vec::new();
    let mut f = unsafe { LLVMGetFirstFunction(m) };
    while !f.is_null() {
        out.push(Function(Value(f)));
        f = unsafe { LLVMGetNextFunction(f) };
    }
    out
}

/// An opcode as LLVM assembly spells it (`fdiv`, `shufflevector`), for messages.
pub fn opcode_name(op: LLVMOpcode) -> String {
    let s = format!("{op:?}");
    s.trim_start_matches("LLVM").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkwell::context::Context;
    use inkwell::memory_buffer::MemoryBuffer;

    #[test]
    fn poison_lanes_of_vectors_built_lane_by_lane() {
        let ir = r#"
define void @f(double %x, double %y, <2 x double> %v) {
  %half = insertelement <2 x double> poison, double %x, i64 0
  %full = insertelement <2 x double> %half, double %y, i64 1
  %scaled = fmul <2 x double> %half, %v
  %dup = shufflevector <2 x double> %full, <2 x double> poison, <2 x i32> <i32 1, i32 poison>
  %swap = shufflevector <2 x double> %full, <2 x double> %v, <2 x i32> <i32 1, i32 2>
  %arg = fadd <2 x double> %v, <double 1.0, double 2.0>
  %lane = fmul <2 x double> %full, <double 1.0, double poison>
  %splat = shufflevector <2 x double> %half, <2 x double> poison, <2 x i32> zeroinitializer
  %spread = fmul <2 x double> %splat, %v
  %hi = shufflevector <2 x double> %half, <2 x double> poison, <2 x i32> <i32 0, i32 1>
  %picked = shufflevector <2 x double> %v, <2 x double> %half, <2 x i32> <i32 2, i32 1>
  %lost = shufflevector <2 x double> %v, <2 x double> %half, <2 x i32> <i32 0, i32 3>
  ret void
}"#;
        let ctx = Context::create();
        let buf = MemoryBuffer::create_from_memory_range_copy(ir.as_bytes(), "t");
        let m = ctx.create_module_from_ir(buf).unwrap();
        let f = get_function(m.as_mut_ptr(), "f").unwrap();
        let insts = f.blocks()[0].instructions();
        let by_name = |n: &str| *insts.iter().find(|i| i.name() == n).unwrap();
        for n in ["half", "scaled", "dup", "lane", "hi", "lost"] {
            assert!(by_name(n).may_have_poison_lanes(), "{n}");
        }
        for n in ["full", "swap", "arg", "splat", "spread", "picked"] {
            assert!(!by_name(n).may_have_poison_lanes(), "{n}");
        }
    }
}
