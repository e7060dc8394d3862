//! Source locations of instructions, from debug info when the input has it.

use super::Value;
use llvm_sys::core::*;
use std::fmt;

/// `file:line:column` of an instruction, as clang or rustc recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLoc {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl SourceLoc {
    /// The location of `inst`, or `None` when it carries no `!dbg`.
    pub fn of(inst: Value) -> Option<SourceLoc> {
        if !inst.is_instruction() {
            return None;
        }
        unsafe {
            let line = LLVMGetDebugLocLine(inst.0);
            if line == 0 {
                return None;
            }
            let mut len = 0u32;
            let fp = LLVMGetDebugLocFilename(inst.0, &mut len);
            let file = if fp.is_null() {
                String::new()
            } else {
                String::from_utf8_lossy(std::slice::from_raw_parts(fp as *const u8, len as usize))
                    .into_owned()
            };
            let mut dlen = 0u32;
            let dp = LLVMGetDebugLocDirectory(inst.0, &mut dlen);
            let dir = if dp.is_null() {
                String::new()
            } else {
                String::from_utf8_lossy(std::slice::from_raw_parts(dp as *const u8, dlen as usize))
                    .into_owned()
            };
            let file = if file.starts_with('/') || dir.is_empty() {
                file
            } else {
                format!("{dir}/{file}")
            };
            Some(SourceLoc {
                file,
                line,
                column: LLVMGetDebugLocColumn(inst.0),
            })
        }
    }
}

impl SourceLoc {
    /// The location of the closest instruction of `inst`'s block that has
    /// one: its users come after it, so the following ones first.
    pub fn nearby(inst: Value) -> Option<SourceLoc> {
        if !inst.is_instruction() {
            return None;
        }
        let step = |f: unsafe extern "C" fn(_) -> _| {
            let mut at = inst.0;
            std::iter::from_fn(move || {
                at = unsafe { f(at) };
                (!at.is_null()).then_some(Value(at))
            })
        };
        step(LLVMGetNextInstruction)
            .chain(step(LLVMGetPreviousInstruction))
            .find_map(SourceLoc::of)
    }
}

/// The functions whose bodies `inst` was inlined from, innermost first
/// (names and linkage names of the subprograms of its inlined scopes, as
/// debug info records them); empty without debug info or inlining.
pub fn inlined_from(inst: Value) -> Vec<String> {
    use llvm_sys::debuginfo::*;
    let mut out = Vec::new();
    if !inst.is_instruction() {
        return out;
    }
    unsafe {
        let mut loc = LLVMInstructionGetDebugLoc(inst.0);
        let ctx = LLVMGetModuleContext(LLVMGetGlobalParent(LLVMGetBasicBlockParent(
            LLVMGetInstructionParent(inst.0),
        )));
        while !loc.is_null() {
            let at = LLVMDILocationGetInlinedAt(loc);
            if at.is_null() {
                break;
            }
            // Up the lexical blocks (operand 1 is the parent scope) to the
            // subprogram: operands 2 and 3 are its name and linkage name.
            let mut scope = LLVMDILocationGetScope(loc);
            for _ in 0..64 {
                if scope.is_null() {
                    break;
                }
                let v = LLVMMetadataAsValue(ctx, scope);
                let n = LLVMGetMDNodeNumOperands(v) as usize;
                let mut ops = vec![std::ptr::null_mut(); n];
                LLVMGetMDNodeOperands(v, ops.as_mut_ptr());
                if matches!(
                    LLVMGetMetadataKind(scope),
                    LLVMMetadataKind::LLVMDISubprogramMetadataKind
                ) {
                    for o in ops.iter().skip(2).take(2) {
                        if o.is_null() {
                            continue;
                        }
                        let mut len = 0u32;
                        let s = LLVMGetMDString(*o, &mut len);
                        if !s.is_null() && len > 0 {
                            let b = std::slice::from_raw_parts(s as *const u8, len as usize);
                            out.push(String::from_utf8_lossy(b).into_owned());
                        }
                    }
                    break;
                }
                scope = match ops.get(1) {
                    Some(p) if !p.is_null() => LLVMValueAsMetadata(*p),
                    _ => std::ptr::null_mut(),
                };
            }
            loc = at;
        }
    }
    out
}
