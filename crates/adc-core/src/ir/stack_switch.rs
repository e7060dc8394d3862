//! Derivatives of recursive functions run on a larger stack. A derivative
//! keeps more per level of recursion than its primal (tangents beside the
//! values; the augmented forward and the reverse sweep's frames), so on the
//! primal's stack the gradient of a deep recursion overflowed at about a
//! quarter of the depth the primal reaches. The public function of a
//! target whose call graph recurses becomes a small function that moves
//! its arguments into a frame and has `adc_stack_switch_run`
//! (stack_switch.c, linked in as IR) run the real one on a stack of eight
//! times `RLIMIT_STACK`, in the same thread.

use super::{add_function, get_function, Builder, Function, Type, Value};
use crate::error::Result;
use indexmap::IndexSet;
use llvm_sys::core::*;
use llvm_sys::prelude::LLVMModuleRef;

const HELPER_IR: &str = include_str!(concat!(env!("OUT_DIR"), "/stack_switch.ll"));
const RUN: &str = "adc_stack_switch_run";
/// On this run's copy of the helper, until [`unmark`].
const MARK: &str = "adc.stack_switch";

/// After differentiation: the helper of this run is an ordinary internal
/// function (a later run links its own).
pub fn unmark(m: LLVMModuleRef) {
    for f in super::functions(m) {
        if f.string_attr(MARK).is_some() {
            f.remove_string_attr(MARK);
        }
    }
}

/// Whether the functions `f` calls directly (with bodies), and theirs,
/// include a cycle: recursion, whose depth the data decides.
pub fn reaches_recursion(f: Function) -> bool {
    fn visit(f: Function, path: &mut IndexSet<Function>, done: &mut IndexSet<Function>) -> bool {
        if path.contains(&f) {
            return true;
        }
        if !done.insert(f) {
            return false;
        }
        path.insert(f);
        for i in f.blocks().into_iter().flat_map(|b| b.instructions()) {
            if let Some(c) = i.called_function() {
                if !c.is_declaration() && visit(c, path, done) {
                    return true;
                }
            }
        }
        path.pop();
        false
    }
    visit(f, &mut IndexSet::new(), &mut IndexSet::new())
}

/// The attribute indices of a function of `n` parameters: function,
/// return, each parameter.
fn attribute_indices(n: u32) -> impl Iterator<Item = u32> {
    [u32::MAX, 0].into_iter().chain(1..=n)
}

/// The attributes of `f` at attribute index `idx`.
fn attributes(f: Function, idx: u32) -> Vec<llvm_sys::prelude::LLVMAttributeRef> {
    unsafe {
        let k = LLVMGetAttributeCountAtIndex(f.raw(), idx);
        let mut attrs = vec![std::ptr::null_mut(); k as usize];
        LLVMGetAttributesAtIndex(f.raw(), idx, attrs.as_mut_ptr());
        attrs
    }
}

/// Make the public function `w` run its body on a larger stack (see the
/// module documentation). Its name, type and attributes stay.
pub fn wrap(m: LLVMModuleRef, w: Function) -> Result<()> {
    // Linked once per run and renamed: a module from an earlier run holds
    // its own copy, which its optimization may have changed.
    let run = match get_function(m, &format!("{RUN}.linked")) {
        Some(f) if f.string_attr(MARK).is_some() => f,
        _ => {
            super::module_io::link_ir(m, HELPER_IR, "stack switch")?;
            let f = get_function(m, RUN).expect("the stack switch was linked");
            f.set_internal();
            f.0.set_name(&format!("{RUN}.linked"));
            f.set_string_attr(MARK, "");
            f
        }
    };
    let name = w.name();
    let fty = w.fn_type();
    let params = fty.params();
    let ret = w.return_type();
    let ctx = ret.context();
    let void = ret.kind() == llvm_sys::LLVMTypeKind::LLVMVoidTypeKind;
    w.0.set_name(&format!("{name}.on_stack"));
    w.set_internal();
    let outer = add_function(m, &name, fty);
    let n = params.len() as u32;
    unsafe {
        LLVMSetFunctionCallConv(outer.raw(), LLVMGetFunctionCallConv(w.raw()));
        for idx in attribute_indices(n) {
            for a in attributes(w, idx) {
                LLVMAddAttributeAtIndex(outer.raw(), idx, a);
            }
        }
    }
    // The frame: the arguments, then the result.
    let mut fields = params.clone();
    if !void {
        fields.push(ret);
    }
    let frame_ty = Type::struct_of(ctx, &fields);
    let ptr = Type::ptr(ctx);
    let thunk = add_function(
        m,
        &format!("{name}.thunk"),
        Type::function(Type::void(ctx), &[ptr]),
    );
    thunk.set_internal();
    let b = Builder::new(ctx);
    b.position_at_end(thunk.append_block(ctx, "entry"));
    let frame = thunk.params()[0];
    let field = |b: &Builder, i: usize| {
        Value(unsafe { LLVMBuildStructGEP2(b.raw(), frame_ty.0, frame.0, i as u32, c"".as_ptr()) })
    };
    let args: Vec<Value> = (0..params.len())
        .map(|i| b.load(params[i], field(&b, i)))
        .collect();
    let r = b.call(w, &args);
    unsafe {
        for idx in attribute_indices(n).skip(1) {
            for a in attributes(w, idx) {
                LLVMAddCallSiteAttribute(r.0, idx, a);
            }
        }
    }
    if !void {
        b.store(r, field(&b, params.len()));
    }
    b.ret_void();
    // The public function: fill the frame, switch, read the result.
    b.position_at_end(outer.append_block(ctx, "entry"));
    let frame = b.alloca(frame_ty);
    let frame_field = |b: &Builder, i: usize| {
        Value(unsafe { LLVMBuildStructGEP2(b.raw(), frame_ty.0, frame.0, i as u32, c"".as_ptr()) })
    };
    for (i, p) in outer.params().into_iter().enumerate() {
        b.store(p, frame_field(&b, i));
    }
    b.call(run, &[thunk.0, frame]);
    if void {
        b.ret_void();
    } else {
        let v = b.load(ret, frame_field(&b, params.len()));
        b.ret(v);
    }
    Ok(())
}
