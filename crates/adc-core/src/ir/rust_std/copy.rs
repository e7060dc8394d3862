//! Copying functions out of one of std's objects: what a copy must carry
//! along (its local symbols), and the object reduced to that, everything
//! else a declaration.

use crate::ir::{functions, Function, Value};
use indexmap::IndexSet;
use llvm_sys::core::*;
use llvm_sys::prelude::{LLVMModuleRef, LLVMValueRef};
use llvm_sys::LLVMLinkage;

/// Internal or private: a symbol no other object can name.
pub(super) fn is_local(v: LLVMValueRef) -> bool {
    matches!(
        unsafe { LLVMGetLinkage(v) },
        LLVMLinkage::LLVMInternalLinkage | LLVMLinkage::LLVMPrivateLinkage
    )
}

/// A symbol a copy must carry along rather than name: local ones, and
/// those an object may define without exporting (linkonce, available
/// externally).
fn must_copy(v: LLVMValueRef) -> bool {
    is_local(v)
        || matches!(
            unsafe { LLVMGetLinkage(v) },
            LLVMLinkage::LLVMLinkOnceAnyLinkage
                | LLVMLinkage::LLVMLinkOnceODRLinkage
                | LLVMLinkage::LLVMAvailableExternallyLinkage
        )
}

/// The globals (functions, variables, aliases) `v` refers to, through
/// constant expressions and aggregates.
fn referenced(v: Value, out: &mut Vec<LLVMValueRef>, seen: &mut IndexSet<LLVMValueRef>) {
    for op in v.operands() {
        if op.0.is_null() || !seen.insert(op.0) {
            continue;
        }
        if unsafe { !LLVMIsAGlobalValue(op.0).is_null() } {
            out.push(op.0);
        } else if op.is_constant() {
            referenced(op, out, seen);
        }
    }
}

/// What a copy of `roots` from `src` must contain: the roots and every
/// local (or linkonce) function, variable and alias they reach.
pub(super) fn closure(roots: &[LLVMValueRef]) -> IndexSet<LLVMValueRef> {
    let mut keep: IndexSet<LLVMValueRef> = roots.iter().copied().collect();
    let mut work: Vec<LLVMValueRef> = roots.to_vec();
    while let Some(g) = work.pop() {
        let mut refs = Vec::new();
        let mut seen = IndexSet::new();
        if unsafe { !LLVMIsAFunction(g).is_null() } {
            for i in Function(Value(g))
                .blocks()
                .into_iter()
                .flat_map(|b| b.instructions())
            {
                referenced(i, &mut refs, &mut seen);
            }
        } else {
            referenced(Value(g), &mut refs, &mut seen);
        }
        let is_alias = unsafe { !LLVMIsAGlobalAlias(g).is_null() };
        for r in refs {
            // (an alias needs its aliasee's definition)
            if (must_copy(r) || is_alias) && keep.insert(r) {
                work.push(r);
            }
        }
    }
    keep
}

/// Reduce `src` to `keep`: other definitions become declarations (or go,
/// when local and so no longer used), debug info goes.
pub(super) fn reduce(src: LLVMModuleRef, keep: &IndexSet<LLVMValueRef>) {
    let mut doomed = Vec::new();
    unsafe {
        // The C API cannot delete an alias: one not kept gives its uses to
        // a declaration of its name and becomes a private alias of a root,
        // unused (and so dropped by the cleanup).
        let root = keep.first().copied();
        let mut a = LLVMGetFirstGlobalAlias(src);
        while !a.is_null() {
            let next = LLVMGetNextGlobalAlias(a);
            if let (false, Some(root)) = (keep.contains(&a), root) {
                let name = Value(a).name();
                Value(a).set_name(&format!("{name}.adc.unused"));
                if LLVMGetFirstUse(a).is_null() || is_local(a) {
                    LLVMReplaceAllUsesWith(a, LLVMGetPoison(LLVMTypeOf(a)));
                } else {
                    let ty = LLVMGlobalGetValueType(a);
                    let cname = std::ffi::CString::new(name).unwrap_or_default();
                    let decl =
                        if LLVMGetTypeKind(ty) == llvm_sys::LLVMTypeKind::LLVMFunctionTypeKind {
                            LLVMAddFunction(src, cname.as_ptr(), ty)
                        } else {
                            LLVMAddGlobal(src, ty, cname.as_ptr())
                        };
                    LLVMReplaceAllUsesWith(a, decl);
                }
                LLVMAliasSetAliasee(a, root);
                LLVMSetLinkage(a, LLVMLinkage::LLVMPrivateLinkage);
            }
            a = next;
        }
        let mut g = LLVMGetFirstGlobal(src);
        while !g.is_null() {
            if !keep.contains(&g) {
                if must_copy(g) {
                    doomed.push(g);
                } else if LLVMIsDeclaration(g) == 0 {
                    LLVMSetInitializer(g, std::ptr::null_mut());
                    LLVMSetLinkage(g, LLVMLinkage::LLVMExternalLinkage);
                    llvm_sys::comdat::LLVMSetComdat(g, std::ptr::null_mut());
                }
            }
            g = LLVMGetNextGlobal(g);
        }
        for f in functions(src) {
            let f = f.raw();
            if !keep.contains(&f) {
                if must_copy(f) {
                    doomed.push(f);
                } else if LLVMIsDeclaration(f) == 0 {
                    delete_body(f);
                    LLVMSetLinkage(f, LLVMLinkage::LLVMExternalLinkage);
                    llvm_sys::comdat::LLVMSetComdat(f, std::ptr::null_mut());
                }
            }
        }
        // The doomed are used only by other doomed code: drop their bodies
        // and initializers first, then them.
        for &d in &doomed {
            if !LLVMIsAFunction(d).is_null() {
                if LLVMIsDeclaration(d) == 0 {
                    delete_body(d);
                }
            } else if !LLVMIsAGlobalVariable(d).is_null() {
                LLVMSetInitializer(d, std::ptr::null_mut());
            }
        }
        for &d in &doomed {
            let ty = LLVMTypeOf(d);
            LLVMReplaceAllUsesWith(d, LLVMGetPoison(ty));
            if !LLVMIsAFunction(d).is_null() {
                LLVMDeleteFunction(d);
            } else {
                LLVMDeleteGlobal(d);
            }
        }
        for &k in keep {
            llvm_sys::comdat::LLVMSetComdat(k, std::ptr::null_mut());
        }
        llvm_sys::debuginfo::LLVMStripModuleDebugInfo(src);
    }
}

/// Make `f` a declaration (what `Function::deleteBody` does; the C API
/// has no such call).
unsafe fn delete_body(f: LLVMValueRef) {
    let blocks = Function(Value(f)).blocks();
    for b in &blocks {
        for i in b.instructions().into_iter().rev() {
            LLVMReplaceAllUsesWith(i.0, LLVMGetPoison(LLVMTypeOf(i.0)));
            LLVMInstructionEraseFromParent(i.0);
        }
    }
    for b in blocks {
        LLVMDeleteBasicBlock(b.0);
    }
    LLVMSetPersonalityFn(f, std::ptr::null_mut());
}
