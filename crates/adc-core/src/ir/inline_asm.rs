//! Inline assembly adc can read, from Eigen's packet math: the SSE
//! `minpd`/`maxpd` (and `ps`) that clamp arguments (`pexp`), written as
//! `asm("minpd %1, %0" : "=x"(a) : "x"(b), "0"(a))`, and empty templates
//! that only pin a value (`EIGEN_OPTIMIZATION_BARRIER`: `asm("" : "+x"(v))`,
//! in a register or through memory). Before differentiation they become
//! the `fcmp` + `select`, the value itself, or the store they amount to.
//! Any other inline assembly with active arguments stays an error.

use super::{Builder, Value};
use llvm_sys::core::*;
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::{LLVMOpcode, LLVMRealPredicate};

/// The template and constraints of inline assembly `v`, if it is one.
pub fn asm_text(v: Value) -> Option<(String, String)> {
    unsafe {
        if LLVMIsAInlineAsm(v.0).is_null() {
            return None;
        }
        let mut n = 0;
        let t = LLVMGetInlineAsmAsmString(v.0, &mut n);
        let template = String::from_utf8_lossy(std::slice::from_raw_parts(t as *const u8, n));
        let c = LLVMGetInlineAsmConstraintString(v.0, &mut n);
        let constraints = String::from_utf8_lossy(std::slice::from_raw_parts(c as *const u8, n));
        Some((template.into_owned(), constraints.into_owned()))
    }
}

/// Whether `call` calls inline assembly.
pub fn is_asm_call(call: Value) -> bool {
    call.opcode() == Some(LLVMOpcode::LLVMCall) && asm_text(call.called_value()).is_some()
}

/// The comparison of a packed SSE min/max template: `minpd $1, $0` keeps
/// `$0` (the tied operand) where it is below `$1`, else takes `$1`.
fn min_max(template: &str, constraints: &str) -> Option<LLVMRealPredicate> {
    let words: Vec<&str> = template.split_whitespace().collect();
    let ok = matches!(words.as_slice(), [_, "$1,", "$0"]) && constraints.starts_with("=x,x,0");
    if !ok {
        return None;
    }
    match words[0] {
        "minpd" | "minps" => Some(LLVMRealPredicate::LLVMRealOLT),
        "maxpd" | "maxps" => Some(LLVMRealPredicate::LLVMRealOGT),
        _ => None,
    }
}

/// Replace the inline assembly of module `m` that adc can read by what it
/// computes.
pub fn rewrite_min_max(m: LLVMModuleRef) {
    for f in super::functions(m) {
        for i in f.blocks().into_iter().flat_map(|b| b.instructions()) {
            if !is_asm_call(i) {
                continue;
            }
            let Some((t, c)) = asm_text(i.called_value()) else {
                continue;
            };
            let args = i.call_args();
            if t.trim().is_empty() {
                // A barrier: the value tied to output 0, in place.
                let tied = c.split(',').nth(1).is_some_and(|k| k == "0");
                if tied && c.starts_with("=*") && args.len() == 2 && i.ty().is_void() {
                    let b = Builder::new(i.ty().context());
                    b.position_before(i);
                    b.store(args[1], args[0]);
                    i.erase();
                } else if tied && c.starts_with('=') && args.len() == 1 && i.ty() == args[0].ty() {
                    i.replace_all_uses_with(args[0]);
                    i.erase();
                }
                continue;
            }
            if !i.ty().is_float() {
                continue;
            }
            let Some(pred) = min_max(&t, &c) else {
                continue;
            };
            let (src, dst) = (args[0], args[1]);
            let b = Builder::new(i.ty().context());
            b.position_before(i);
            // SSE: dst op src ? dst : src (src also when either is NaN).
            let keep = b.fcmp(pred, dst, src);
            let r = b.select(keep, dst, src);
            i.replace_all_uses_with(r);
            i.erase();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_clamps_are_read() {
        assert_eq!(
            min_max("minpd $1, $0", "=x,x,0,~{dirflag}"),
            Some(LLVMRealPredicate::LLVMRealOLT)
        );
        assert_eq!(
            min_max("maxps $1, $0", "=x,x,0"),
            Some(LLVMRealPredicate::LLVMRealOGT)
        );
        assert_eq!(min_max("minpd $0, $1", "=x,x,0"), None);
        assert_eq!(min_max("addpd $1, $0", "=x,x,0"), None);
    }
}
