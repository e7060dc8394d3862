//! An instruction builder over llvm-sys with the handful of operations
//! derivative synthesis needs. Constants fold automatically (LLVM's builder
//! folds constant operands), which keeps generated code small.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use super::{cstr, Block, Function, Type, Value};
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMRealPredicate};

pub struct Builder {
    raw: LLVMBuilderRef,
    ctx: LLVMContextRef,
}

impl Drop for Builder {
    fn drop(&mut self) {
        unsafe { LLVMDisposeBuilder(self.raw) }
    }
}

macro_rules! binop {
    ($name:ident, $llvm:ident) => {
        pub fn $name(&self, a: Value, b: Value) -> Value {
            Value(unsafe { $llvm(self.raw, a.0, b.0, c"".as_ptr()) })
        }
    };
}

impl Builder {
    pub fn new(ctx: LLVMContextRef) -> Self {
        Builder {
            raw: unsafe { LLVMCreateBuilderInContext(ctx) },
            ctx,
        }
    }
    pub fn raw(&self) -> LLVMBuilderRef {
        self.raw
    }
    pub fn context(&self) -> LLVMContextRef {
        self.ctx
    }
    pub fn position_at_end(&self, b: Block) {
        unsafe { LLVMPositionBuilderAtEnd(self.raw, b.0) }
    }
    pub fn position_before(&self, i: Value) {
        unsafe { LLVMPositionBuilderBefore(self.raw, i.0) }
    }
    pub fn insert_block(&self) -> Block {
        Block(unsafe { LLVMGetInsertBlock(self.raw) })
    }
    /// Insert a detached instruction (from `Value::clone_detached`).
    pub fn insert(&self, inst: Value) {
        unsafe { LLVMInsertIntoBuilder(self.raw, inst.0) }
    }
    binop!(fadd, LLVMBuildFAdd);
    binop!(fsub, LLVMBuildFSub);
    binop!(fmul, LLVMBuildFMul);
    binop!(fdiv, LLVMBuildFDiv);
    binop!(add, LLVMBuildAdd);
    binop!(sub, LLVMBuildSub);
    binop!(mul, LLVMBuildMul);
    binop!(and, LLVMBuildAnd);
    pub fn fneg(&self, a: Value) -> Value {
        Value(unsafe { LLVMBuildFNeg(self.raw, a.0, c"".as_ptr()) })
    }
    pub fn fcmp(&self, p: LLVMRealPredicate, a: Value, b: Value) -> Value {
        Value(unsafe { LLVMBuildFCmp(self.raw, p, a.0, b.0, c"".as_ptr()) })
    }
    pub fn icmp(&self, p: LLVMIntPredicate, a: Value, b: Value) -> Value {
        Value(unsafe { LLVMBuildICmp(self.raw, p, a.0, b.0, c"".as_ptr()) })
    }
    pub fn shuffle(&self, a: Value, b: Value, mask: Value) -> Value {
        Value(unsafe { LLVMBuildShuffleVector(self.raw, a.0, b.0, mask.0, c"".as_ptr()) })
    }
    pub fn select(&self, c: Value, a: Value, b: Value) -> Value {
        Value(unsafe { LLVMBuildSelect(self.raw, c.0, a.0, b.0, c"".as_ptr()) })
    }
    /// Pins a possibly-poison value (a condition recomputed from values of
    /// a path not taken) to some fixed value.
    pub fn freeze(&self, v: Value) -> Value {
        Value(unsafe { LLVMBuildFreeze(self.raw, v.0, c"".as_ptr()) })
    }
    pub fn cast(&self, op: LLVMOpcode, v: Value, to: Type) -> Value {
        Value(unsafe { LLVMBuildCast(self.raw, op, v.0, to.0, c"".as_ptr()) })
    }
    pub fn phi(&self, ty: Type, name: &str) -> Value {
        let n = cstr(name);
        Value(unsafe { LLVMBuildPhi(self.raw, ty.0, n.as_ptr()) })
    }
    /// A call of `f` in `f`'s calling convention (O2 gives internal
    /// functions `fastcc`; a call in another convention is undefined, and
    /// the optimizer deletes what follows it).
    pub fn call(&self, f: Function, args: &[Value]) -> Value {
        let c = self.call_typed(f.fn_type(), f.0, args);
        unsafe {
            let cc = llvm_sys::core::LLVMGetFunctionCallConv(f.raw());
            if cc != 0 {
                llvm_sys::core::LLVMSetInstructionCallConv(c.0, cc);
            }
        }
        c
    }
    pub fn call_typed(&self, fn_ty: Type, callee: Value, args: &[Value]) -> Value {
        let mut a: Vec<_> = args.iter().map(|v| v.0).collect();
        Value(unsafe {
            LLVMBuildCall2(
                self.raw,
                fn_ty.0,
                callee.0,
                a.as_mut_ptr(),
                a.len() as u32,
                c"".as_ptr(),
            )
        })
    }
    /// An invoke of `f` (in `f`'s calling convention) continuing at
    /// `normal`, unwinding to `unwind`.
    pub fn invoke(&self, f: Function, args: &[Value], normal: Block, unwind: Block) -> Value {
        let mut a: Vec<_> = args.iter().map(|v| v.0).collect();
        let c = Value(unsafe {
            LLVMBuildInvoke2(
                self.raw,
                f.fn_type().0,
                f.raw(),
                a.as_mut_ptr(),
                a.len() as u32,
                normal.0,
                unwind.0,
                c"".as_ptr(),
            )
        });
        unsafe {
            llvm_sys::core::LLVMSetInstructionCallConv(c.0, LLVMGetFunctionCallConv(f.raw()))
        };
        c
    }
    pub fn extract_value(&self, agg: Value, idx: u32) -> Value {
        Value(unsafe { LLVMBuildExtractValue(self.raw, agg.0, idx, c"".as_ptr()) })
    }
    pub fn insert_value(&self, agg: Value, v: Value, idx: u32) -> Value {
        Value(unsafe { LLVMBuildInsertValue(self.raw, agg.0, v.0, idx, c"".as_ptr()) })
    }
    pub fn ret(&self, v: Value) -> Value {
        Value(unsafe { LLVMBuildRet(self.raw, v.0) })
    }
    pub fn ret_void(&self) -> Value {
        Value(unsafe { LLVMBuildRetVoid(self.raw) })
    }
    pub fn br(&self, b: Block) -> Value {
        Value(unsafe { LLVMBuildBr(self.raw, b.0) })
    }
    pub fn cond_br(&self, c: Value, t: Block, e: Block) -> Value {
        Value(unsafe { LLVMBuildCondBr(self.raw, c.0, t.0, e.0) })
    }
    pub fn switch(&self, v: Value, default: Block, cases: &[(Value, Block)]) -> Value {
        let sw = unsafe { LLVMBuildSwitch(self.raw, v.0, default.0, cases.len() as u32) };
        for (c, b) in cases {
            unsafe { LLVMAddCase(sw, c.0, b.0) };
        }
        Value(sw)
    }
    pub fn unreachable(&self) -> Value {
        Value(unsafe { LLVMBuildUnreachable(self.raw) })
    }
    pub fn extract_element(&self, v: Value, i: Value) -> Value {
        Value(unsafe { LLVMBuildExtractElement(self.raw, v.0, i.0, c"".as_ptr()) })
    }
    pub fn insert_element(&self, v: Value, e: Value, i: Value) -> Value {
        Value(unsafe { LLVMBuildInsertElement(self.raw, v.0, e.0, i.0, c"".as_ptr()) })
    }
    /// A vector of type `vty` with every lane `x`.
    pub fn splat(&self, x: Value, vty: Type) -> Value {
        let i32t = Type::i32(self.ctx);
        let mut v = vty.null();
        for j in 0..vty.vector_size() {
            v = self.insert_element(v, x, i32t.const_int(j as i64));
        }
        v
    }
    /// `&base[i]` for elements of type `elem`.
    pub fn gep(&self, elem: Type, base: Value, i: Value) -> Value {
        let mut idx = [i.0];
        Value(unsafe {
            LLVMBuildInBoundsGEP2(self.raw, elem.0, base.0, idx.as_mut_ptr(), 1, c"".as_ptr())
        })
    }
    pub fn udiv(&self, a: Value, b: Value) -> Value {
        Value(unsafe { LLVMBuildUDiv(self.raw, a.0, b.0, c"".as_ptr()) })
    }
    /// `&base[offset]` in bytes.
    pub fn byte_gep(&self, base: Value, offset: u64) -> Value {
        let ctx = self.ctx;
        let i8t = Type::i8(ctx);
        let mut idx = [Type::i64(ctx).const_int(offset as i64).0];
        Value(unsafe {
            LLVMBuildInBoundsGEP2(self.raw, i8t.0, base.0, idx.as_mut_ptr(), 1, c"".as_ptr())
        })
    }
    pub fn alloca(&self, ty: Type) -> Value {
        Value(unsafe { LLVMBuildAlloca(self.raw, ty.0, c"".as_ptr()) })
    }
    pub fn load(&self, ty: Type, ptr: Value) -> Value {
        Value(unsafe { LLVMBuildLoad2(self.raw, ty.0, ptr.0, c"".as_ptr()) })
    }
    pub fn store(&self, v: Value, ptr: Value) -> Value {
        Value(unsafe { LLVMBuildStore(self.raw, v.0, ptr.0) })
    }
    pub fn memset(&self, ptr: Value, val: Value, len: Value, align: u32) -> Value {
        Value(unsafe { LLVMBuildMemSet(self.raw, ptr.0, val.0, len.0, align) })
    }
    pub fn memcpy(&self, dst: Value, src: Value, len: Value, align: u32) -> Value {
        Value(unsafe { LLVMBuildMemCpy(self.raw, dst.0, align, src.0, align, len.0) })
    }
    /// `sizeof(ty)` as an i64 constant expression.
    pub fn size_of(&self, ty: Type) -> Value {
        Value(unsafe { LLVMSizeOf(ty.0) })
    }
}
