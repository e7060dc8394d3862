//! Reading constant data: global initializers, the elements of constant
//! arrays and structs, C strings, and flags kept as metadata on globals.
//! (Registration tables such as `void *__enzyme_register_gradient_f[3] =
//! {f, aug, rev}` are read through these.)

use super::Value;
use llvm_sys::core::*;
use llvm_sys::prelude::LLVMModuleRef;

/// Metadata on a global variable the user said carries no derivative
/// (Enzyme's name for it).
pub const INACTIVE_GLOBAL: &str = "enzyme_inactive";

/// Whether the user said global `g` carries no derivative.
pub fn is_inactive_global(g: Value) -> bool {
    has_flag(g, INACTIVE_GLOBAL)
}

/// The module's global variables, in order.
pub fn globals(m: LLVMModuleRef) -> Vec<Value> {
    let mut out = Vec::new();
    let mut g = unsafe { LLVMGetFirstGlobal(m) };
    while !g.is_null() {
        out.push(Value(g));
        g = unsafe { LLVMGetNextGlobal(g) };
    }
    out
}

/// The initializer of global `g`, if it has one.
pub fn initializer(g: Value) -> Option<Value> {
    let i = unsafe { LLVMGetInitializer(g.0) };
    (!i.is_null()).then_some(Value(i))
}

/// `v` without the constant casts and address arithmetic around it
/// (`bitcast (ptr @f to ptr)`, `getelementptr inbounds ([4 x i8], ptr @s, 0, 0)`).
pub fn strip(mut v: Value) -> Value {
    while unsafe { !LLVMIsAConstantExpr(v.0).is_null() } && v.num_operands() > 0 {
        v = v.operand(0);
    }
    v
}

/// The elements of a constant array, struct or vector (none for other
/// constants; a zero initializer has none either).
pub fn elements(c: Value) -> Vec<Value> {
    let aggregate = unsafe {
        !LLVMIsAConstantArray(c.0).is_null()
            || !LLVMIsAConstantStruct(c.0).is_null()
            || !LLVMIsAConstantVector(c.0).is_null()
    };
    if !aggregate {
        return Vec::new();
    }
    c.operands().collect()
}

/// The C string a constant points to (a constant global holding an `i8`
/// array), without its terminating NUL.
pub fn c_string(v: Value) -> Option<String> {
    let g = strip(v);
    if unsafe { LLVMIsAGlobalVariable(g.0).is_null() } {
        return None;
    }
    let data = initializer(g)?;
    if unsafe { LLVMIsConstantString(data.0) } == 0 {
        return None;
    }
    let mut len = 0usize;
    let p = unsafe { LLVMGetAsString(data.0, &mut len) };
    let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, len) };
    let bytes = bytes.split(|b| *b == 0).next().unwrap_or(&[]);
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// Whether `v` (stripped) is a function.
pub fn as_function(v: Value) -> Option<super::Function> {
    let f = strip(v);
    f.is_function().then_some(super::Function(f))
}

/// Whether `v` (stripped) is a global variable.
pub fn as_global_variable(v: Value) -> Option<Value> {
    let g = strip(v);
    unsafe { !LLVMIsAGlobalVariable(g.0).is_null() }.then_some(g)
}

fn kind_id(g: Value, kind: &str) -> u32 {
    unsafe {
        let ctx = LLVMGetModuleContext(LLVMGetGlobalParent(g.0));
        LLVMGetMDKindIDInContext(ctx, kind.as_ptr() as *const _, kind.len() as u32)
    }
}

/// Mark global `g` with an empty metadata node of kind `kind`.
pub fn set_flag(g: Value, kind: &str) {
    unsafe {
        let ctx = LLVMGetModuleContext(LLVMGetGlobalParent(g.0));
        let node = LLVMMDNodeInContext2(ctx, std::ptr::null_mut(), 0);
        LLVMGlobalSetMetadata(g.0, kind_id(g, kind), node);
    }
}

/// Whether global `g` carries metadata of kind `kind`.
pub fn has_flag(g: Value, kind: &str) -> bool {
    if unsafe { LLVMIsAGlobalValue(g.0).is_null() } {
        return false;
    }
    let id = kind_id(g, kind);
    unsafe {
        let mut n = 0usize;
        let entries = LLVMGlobalCopyAllMetadata(g.0, &mut n);
        let found = (0..n).any(|i| LLVMValueMetadataEntriesGetKind(entries, i as u32) == id);
        if !entries.is_null() {
            LLVMDisposeValueMetadataEntries(entries);
        }
        found
    }
}
