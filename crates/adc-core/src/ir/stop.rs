//! Stopping a derivative at run time with a message, where only the run can
//! tell whether what adc generated is right (the fallback of a devirtualized
//! call reached by code adc never saw; a pointer without a shadow that is
//! null on every run adc has a derivative for). The program stops before a
//! wrong derivative exists: the message goes to stderr and it aborts.

use super::{get_or_declare, Builder, Function, Type, Value};
use llvm_sys::core::*;
use llvm_sys::prelude::{LLVMContextRef, LLVMModuleRef};
use llvm_sys::LLVMIntPredicate;

/// Stop here, with `text` (a line break is added).
pub fn stop(b: &Builder, m: LLVMModuleRef, text: &str) {
    let (msg, len) = message(b, m, text);
    b.call(handler(m, b.context()), &[msg, len]);
}

/// Stop here with `text` when pointer `p` is not null.
pub fn stop_unless_null(b: &Builder, m: LLVMModuleRef, p: Value, text: &str) {
    let (msg, len) = message(b, m, text);
    b.call(null_handler(m, b.context()), &[p, msg, len]);
}

/// A private string constant holding `text` and a line break, and its length.
fn message(b: &Builder, m: LLVMModuleRef, text: &str) -> (Value, Value) {
    let ctx = b.context();
    let msg = format!("{text}\n");
    let g = unsafe {
        let s = LLVMConstStringInContext2(ctx, msg.as_ptr() as *const _, msg.len(), 1);
        let g = LLVMAddGlobal(m, LLVMTypeOf(s), c"adc.stop.message".as_ptr());
        LLVMSetInitializer(g, s);
        LLVMSetGlobalConstant(g, 1);
        LLVMSetLinkage(g, llvm_sys::LLVMLinkage::LLVMPrivateLinkage);
        Value(g)
    };
    (g, Type::i64(ctx).const_int(msg.len() as i64))
}

/// `adc.stop(msg, len)`: write the message to stderr and abort.
fn handler(m: LLVMModuleRef, ctx: LLVMContextRef) -> Function {
    let name = "adc.stop";
    if let Some(f) = super::get_function(m, name) {
        return f;
    }
    let (ptr, i64t, i32t, void) = (
        Type::ptr(ctx),
        Type::i64(ctx),
        Type::i32(ctx),
        Type::void(ctx),
    );
    let f = super::add_function(m, name, Type::function(void, &[ptr, i64t]));
    f.set_internal();
    let write = get_or_declare(m, "write", Type::function(i64t, &[i32t, ptr, i64t]));
    let abort = get_or_declare(m, "abort", Type::function(void, &[]));
    let b = Builder::new(ctx);
    b.position_at_end(f.append_block(ctx, "entry"));
    let p = f.params();
    b.call(write, &[i32t.const_int(2), p[0], p[1]]);
    b.call(abort, &[]);
    b.unreachable();
    f
}

/// `adc.stop.unless_null(p, msg, len)`: return when `p` is null, else stop.
fn null_handler(m: LLVMModuleRef, ctx: LLVMContextRef) -> Function {
    let name = "adc.stop.unless_null";
    if let Some(f) = super::get_function(m, name) {
        return f;
    }
    let (ptr, i64t, void) = (Type::ptr(ctx), Type::i64(ctx), Type::void(ctx));
    let f = super::add_function(m, name, Type::function(void, &[ptr, ptr, i64t]));
    f.set_internal();
    let stop = handler(m, ctx);
    let b = Builder::new(ctx);
    let entry = f.append_block(ctx, "entry");
    let fail = f.append_block(ctx, "fail");
    let done = f.append_block(ctx, "done");
    let p = f.params();
    b.position_at_end(entry);
    let null = b.icmp(LLVMIntPredicate::LLVMIntEQ, p[0], ptr.null());
    b.cond_br(null, done, fail);
    b.position_at_end(fail);
    b.call(stop, &[p[1], p[2]]);
    b.unreachable();
    b.position_at_end(done);
    b.ret_void();
    f
}
