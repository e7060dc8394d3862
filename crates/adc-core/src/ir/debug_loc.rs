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
