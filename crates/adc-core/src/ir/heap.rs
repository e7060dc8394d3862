//! The heap functions adc knows (C's malloc family, C++'s operator new and
//! delete, and Rust's allocator shim), and the shadow blocks derivatives
//! keep beside the primal's.
//!
//! Shadows of blocks a function allocates are zero-filled twins of the same
//! size, allocated and freed by the same allocator. `realloc` moves a block:
//! its shadow is a new zero-filled block that receives the shadow's prefix
//! (shadow pointers stored in the block travel with it). C's `realloc` does
//! not say how big the old block was; the shadow's own `malloc_usable_size`
//! bounds the copy (the shadow was allocated with the primal's size, and
//! bytes past that size are never read as derivatives). Rust's
//! `__rust_realloc` passes the old size.

use super::{get_or_declare, Builder, Function, Type, Value};
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::LLVMOpcode;

/// How a call allocates or frees memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapFn {
    /// `malloc(size)`, C++'s `operator new(size)` / `new[]`
    Malloc,
    /// `calloc(n, size)`
    Calloc,
    /// `aligned_alloc(align, size)`, C++'s aligned `operator new(size,
    /// align)` (`size_first`); clang's `posix_memalign` becomes the former
    /// before differentiation (see [`rewrite_posix_memalign`]).
    AlignedAlloc { size_first: bool },
    /// `realloc(p, size)`
    Realloc,
    /// `__rust_alloc(size, align)` / `__rust_alloc_zeroed(size, align)`
    RustAlloc,
    /// `__rust_realloc(p, old_size, align, new_size)`
    RustRealloc,
    /// `free(p)`, C++'s `operator delete(p[, size])` / `delete[]`
    Free,
    /// `__rust_dealloc(p, size, align)`
    RustDealloc,
    /// A function the user said allocates (`__enzyme_allocation_like`):
    /// the block's size is argument `size_arg`; its shadow comes from calloc.
    Custom { size_arg: usize },
    /// The free the user named for such an allocator: the block is
    /// argument `ptr_arg`; its shadow goes to free.
    CustomFree { ptr_arg: usize },
}

/// Function attributes that mark a user's allocator (value: the index of
/// the size argument) and its free (value: the index of the pointer).
pub const ALLOCATOR_ATTR: &str = "adc.allocator";
pub const DEALLOCATOR_ATTR: &str = "adc.deallocator";

/// The allocator shim's functions under their plain names, also when rustc
/// mangles them (v0 mangling ends in the identifier, prefixed with its
/// length and, as it starts with `_`, a separating `_`:
/// `_RNvCs..._7___rustc12___rust_alloc`).
pub(crate) fn rust_shim_name(name: &str) -> Option<&'static str> {
    const SHIM: [&str; 4] = [
        "__rust_alloc",
        "__rust_alloc_zeroed",
        "__rust_dealloc",
        "__rust_realloc",
    ];
    SHIM.into_iter().find(|s| {
        name == *s || (name.starts_with("_R") && name.ends_with(&format!("{}_{s}", s.len())))
    })
}

/// Declare Rust allocator function `base` next to `like` (the primal's
/// callee), in its allocation family: LLVM's verifier wants every function
/// an allocator's attributes name to carry the same `alloc-family`.
fn declare_rust_sibling(m: LLVMModuleRef, like: Function, base: &str, ty: Type) -> Function {
    use llvm_sys::core::{LLVMAddAttributeAtIndex, LLVMGetStringAttributeAtIndex};
    let f = get_or_declare(m, &rust_sibling(&like.name(), base), ty);
    let key = "alloc-family";
    let index = llvm_sys::LLVMAttributeFunctionIndex;
    unsafe {
        let family =
            LLVMGetStringAttributeAtIndex(like.raw(), index, key.as_ptr() as _, key.len() as u32);
        let has =
            LLVMGetStringAttributeAtIndex(f.raw(), index, key.as_ptr() as _, key.len() as u32);
        if !family.is_null() && has.is_null() {
            LLVMAddAttributeAtIndex(f.raw(), index, family);
            if base == "__rust_alloc_zeroed" {
                // allockind("alloc,zeroed,aligned"): AllocFnKind bits 0, 4, 5.
                let kind =
                    llvm_sys::core::LLVMGetEnumAttributeKindForName(c"allockind".as_ptr(), 9);
                let ctx = llvm_sys::core::LLVMGetModuleContext(m);
                let a = llvm_sys::core::LLVMCreateEnumAttribute(ctx, kind, 1 | 1 << 4 | 1 << 5);
                LLVMAddAttributeAtIndex(f.raw(), index, a);
            }
        }
    }
    f
}

/// `base` spelled the way the module spells its sibling `like` (plain, or
/// with the same v0 mangling prefix).
fn rust_sibling(like: &str, base: &str) -> String {
    match rust_shim_name(like) {
        Some(s) if like != s => {
            let prefix = &like[..like.len() - s.len() - 1 - s.len().to_string().len()];
            format!("{prefix}{}_{base}", base.len())
        }
        _ => base.to_string(),
    }
}

impl HeapFn {
    pub fn of(call: Value) -> Option<HeapFn> {
        if call.opcode() != Some(LLVMOpcode::LLVMCall) {
            return None;
        }
        let f = call.called_function()?;
        if let Some(i) = f.string_attr(ALLOCATOR_ATTR).and_then(|v| v.parse().ok()) {
            return Some(HeapFn::Custom { size_arg: i });
        }
        if let Some(i) = f.string_attr(DEALLOCATOR_ATTR).and_then(|v| v.parse().ok()) {
            return Some(HeapFn::CustomFree { ptr_arg: i });
        }
        Self::named(&f.name())
    }

    /// The argument holding the block a free-like call frees.
    pub fn freed_arg(self) -> usize {
        match self {
            HeapFn::CustomFree { ptr_arg } => ptr_arg,
            _ => 0,
        }
    }

    /// The heap function called `name`, if it is one.
    pub fn named(name: &str) -> Option<HeapFn> {
        Some(match name {
            "malloc" => HeapFn::Malloc,
            "calloc" => HeapFn::Calloc,
            "realloc" => HeapFn::Realloc,
            "free" => HeapFn::Free,
            // C++'s operator new / new[] (size) and delete / delete[]
            // (plain and sized): their shadows come from calloc and go to
            // free, a pair of their own.
            "_Znwm" | "_Znam" => HeapFn::Malloc,
            "_ZdlPv" | "_ZdlPvm" | "_ZdaPv" | "_ZdaPvm" => HeapFn::Free,
            "aligned_alloc" => HeapFn::AlignedAlloc { size_first: false },
            "_ZnwmSt11align_val_t" | "_ZnamSt11align_val_t" => {
                HeapFn::AlignedAlloc { size_first: true }
            }
            "_ZdlPvSt11align_val_t"
            | "_ZdlPvmSt11align_val_t"
            | "_ZdaPvSt11align_val_t"
            | "_ZdaPvmSt11align_val_t" => HeapFn::Free,
            n => match rust_shim_name(n)? {
                "__rust_alloc" | "__rust_alloc_zeroed" => HeapFn::RustAlloc,
                "__rust_realloc" => HeapFn::RustRealloc,
                _ => HeapFn::RustDealloc,
            },
        })
    }

    /// Returns a new block (realloc's may be the old one, moved).
    pub fn allocates(self) -> bool {
        !matches!(
            self,
            HeapFn::Free | HeapFn::RustDealloc | HeapFn::CustomFree { .. }
        )
    }

    pub fn reallocates(self) -> bool {
        matches!(self, HeapFn::Realloc | HeapFn::RustRealloc)
    }
}

/// A zero-filled twin of the block `call` allocates (`args`: the call's
/// arguments as values in the function being built): calloc for the C
/// functions, `__rust_alloc_zeroed` for Rust's.
pub fn zeroed_shadow(b: &Builder, m: LLVMModuleRef, call: Value, args: &[Value]) -> Value {
    let ctx = b.context();
    let (i64t, ptr) = (Type::i64(ctx), Type::ptr(ctx));
    let callee = call.called_function().expect("heap call");
    let calloc = || get_or_declare(m, "calloc", Type::function(ptr, &[i64t, i64t]));
    match HeapFn::of(call).expect("heap call") {
        HeapFn::Calloc => b.call(calloc(), args),
        HeapFn::AlignedAlloc { size_first } => {
            // The shadow keeps the alignment: derivative code repeats the
            // primal's aligned vector loads on it.
            let (size, align) = if size_first {
                (args[0], args[1])
            } else {
                (args[1], args[0])
            };
            let f = get_or_declare(m, "aligned_alloc", Type::function(ptr, &[i64t, i64t]));
            let s = b.call(f, &[align, size]);
            b.memset(s, Type::i8(ctx).null(), size, 1);
            s
        }
        HeapFn::Realloc => b.call(calloc(), &[args[1], i64t.const_int(1)]),
        HeapFn::Custom { size_arg } => {
            // (An `int` size is signed, as C's promotions read it.)
            let a = args[size_arg];
            let size = if a.ty().int_width() < 64 {
                b.cast(LLVMOpcode::LLVMSExt, a, i64t)
            } else {
                a
            };
            b.call(calloc(), &[size, i64t.const_int(1)])
        }
        HeapFn::RustAlloc | HeapFn::RustRealloc => {
            let ty = Type::function(ptr, &[i64t, i64t]);
            let f = declare_rust_sibling(m, callee, "__rust_alloc_zeroed", ty);
            let (size, align) = rust_layout(call, Side::Allocated, args).expect("Rust call");
            b.call(f, &[size, align])
        }
        _ => b.call(calloc(), &[args[0], i64t.const_int(1)]),
    }
}

/// `posix_memalign(&p, align, size)` as `p = aligned_alloc(align, size)`
/// (and 0, or ENOMEM when that fails): the block is then a value, like
/// malloc's, which the shadow machinery follows. Done on the module before
/// differentiation; the program behaves the same.
pub fn rewrite_posix_memalign(m: LLVMModuleRef) {
    let Some(pm) = super::get_function(m, "posix_memalign") else {
        return;
    };
    for call in pm.0.users() {
        if call.opcode() != Some(LLVMOpcode::LLVMCall) || call.called_value() != pm.0 {
            continue;
        }
        let ctx = call.ty().context();
        let (i64t, ptr) = (Type::i64(ctx), Type::ptr(ctx));
        let b = Builder::new(ctx);
        b.position_before(call);
        let f = get_or_declare(m, "aligned_alloc", Type::function(ptr, &[i64t, i64t]));
        let a = call.call_args();
        let p = b.call(f, &[a[1], a[2]]);
        b.store(p, a[0]);
        let failed = b.icmp(llvm_sys::LLVMIntPredicate::LLVMIntEQ, p, ptr.null());
        let rt = call.ty();
        let r = b.select(failed, rt.const_int(12), rt.null());
        call.replace_all_uses_with(r);
        call.erase();
    }
}

/// Which of a heap call's blocks a shadow belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The block the call returns.
    Allocated,
    /// The block the call frees (free, dealloc, the old block of realloc).
    Freed,
}

/// (size, align) of one of a Rust allocator call's blocks, from its
/// arguments; `None` for the C functions.
fn rust_layout(call: Value, side: Side, args: &[Value]) -> Option<(Value, Value)> {
    Some(match (HeapFn::of(call)?, side) {
        (HeapFn::RustAlloc, _) => (args[0], args[1]),
        (HeapFn::RustDealloc, _) => (args[1], args[2]),
        (HeapFn::RustRealloc, Side::Allocated) => (args[3], args[2]),
        (HeapFn::RustRealloc, Side::Freed) => (args[1], args[2]),
        _ => return None,
    })
}

/// Free the shadow of one of `call`'s blocks (`args`: the call's arguments;
/// Rust's deallocator wants that block's size and alignment).
pub fn free_shadow(
    b: &Builder,
    m: LLVMModuleRef,
    call: Value,
    side: Side,
    shadow: Value,
    args: &[Value],
) {
    let ctx = b.context();
    let (i64t, ptr) = (Type::i64(ctx), Type::ptr(ctx));
    let callee = call.called_function().expect("heap call");
    let Some((size, align)) = rust_layout(call, side, args) else {
        let f = get_or_declare(m, "free", Type::function(Type::void(ctx), &[ptr]));
        b.call(f, &[shadow]);
        return;
    };
    let ty = Type::function(Type::void(ctx), &[ptr, i64t, i64t]);
    let f = declare_rust_sibling(m, callee, "__rust_dealloc", ty);
    b.call(f, &[shadow, size, align]);
}

/// The shadow of a reallocated block: a zero-filled block of the new size
/// holding the old shadow's kept prefix (`old` may be null).
pub fn realloc_shadow(
    b: &Builder,
    m: LLVMModuleRef,
    call: Value,
    old: Value,
    args: &[Value],
) -> Value {
    let new = zeroed_shadow(b, m, call, args);
    let kept = kept_bytes(b, m, call, old, args);
    b.memcpy(new, old, kept, 1);
    new
}

/// How many bytes of the old shadow `old` a reallocation keeps: the smaller
/// of the old and the new size (`call`'s arguments in `args`); 0 for a null
/// old shadow (realloc of NULL allocates; malloc_usable_size(NULL) is 0).
pub fn kept_bytes(b: &Builder, m: LLVMModuleRef, call: Value, old: Value, args: &[Value]) -> Value {
    let ctx = b.context();
    let (i64t, ptr) = (Type::i64(ctx), Type::ptr(ctx));
    let (old_size, new_size) = match (
        rust_layout(call, Side::Freed, args),
        rust_layout(call, Side::Allocated, args),
    ) {
        (Some((old, _)), Some((new, _))) => (old, new),
        _ => {
            let usable = get_or_declare(m, "malloc_usable_size", Type::function(i64t, &[ptr]));
            (b.call(usable, &[old]), args[1])
        }
    };
    let smaller = b.icmp(llvm_sys::LLVMIntPredicate::LLVMIntULT, old_size, new_size);
    b.select(smaller, old_size, new_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_allocator_shim_names() {
        let m = "_RNvCsfLfy6EI15iL_7___rustc12___rust_alloc";
        assert_eq!(rust_shim_name(m), Some("__rust_alloc"));
        assert_eq!(rust_shim_name("__rust_dealloc"), Some("__rust_dealloc"));
        assert_eq!(rust_shim_name("my__rust_alloc"), None);
        assert_eq!(
            rust_sibling(m, "__rust_alloc_zeroed"),
            "_RNvCsfLfy6EI15iL_7___rustc19___rust_alloc_zeroed"
        );
        assert_eq!(
            rust_sibling("__rust_alloc", "__rust_dealloc"),
            "__rust_dealloc"
        );
    }
}
