//! How `--checkpoint` names loops: `FUNCTION:INDEX` (loops in the order
//! of their headers) or `FILE:LINE` where the loop starts, from the
//! `!llvm.loop` location clang and rustc attach (walking out of Rust's
//! standard library, whose `Range::next` a `for` loop inlines), else the
//! header's first located instruction. `adc info` lists them.

use super::Request;
use crate::analysis::{loops::SimpleLoop, ControlFlowGraph, LoopAnalysis};
use crate::error::{AdcError, Result};
use crate::ir::{Block, Function, Value};
use llvm_sys::core::*;

/// A loop of `f` in loop-simplify form, with its name for `--checkpoint`.
pub struct NamedLoop {
    pub index: usize,
    pub header: Block,
    /// `file:line` of the loop's start (from `!llvm.loop`, else the header).
    pub location: Option<String>,
}

/// The loops of `f` adc can name, in the order of their headers.
pub fn loops_of(f: Function) -> Vec<NamedLoop> {
    let cfg = ControlFlowGraph::compute(f);
    let loops = LoopAnalysis::compute(&cfg);
    let mut out = Vec::new();
    for b in f.blocks() {
        if let Some(l) = loops.simple_loop(b) {
            out.push(NamedLoop {
                index: out.len(),
                header: b,
                location: loop_location(l),
            });
        }
    }
    out
}

/// The start of the loop as `!llvm.loop` records it (clang and rustc with
/// debug info), else the first located instruction of its header.
fn loop_location(l: &SimpleLoop) -> Option<String> {
    if let Some(loc) = l.latch.terminator().and_then(llvm_loop_start) {
        return Some(loc);
    }
    l.header.instructions().into_iter().find_map(|i| unsafe {
        let loc = llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(i.0);
        (!loc.is_null()).then(|| user_location(loc))
    })
}

fn llvm_loop_start(term: Value) -> Option<String> {
    unsafe {
        let ctx = LLVMGetModuleContext(term.parent_function().module());
        let kind = LLVMGetMDKindIDInContext(ctx, c"llvm.loop".as_ptr(), 9);
        let md = LLVMGetMetadata(term.0, kind);
        if md.is_null() {
            return None;
        }
        let n = LLVMGetMDNodeNumOperands(md) as usize;
        let mut ops = vec![std::ptr::null_mut(); n];
        LLVMGetMDNodeOperands(md, ops.as_mut_ptr());
        ops.into_iter()
            .skip(1)
            .filter(|op| !op.is_null())
            .map(|op| LLVMValueAsMetadata(op))
            .find(|m| {
                matches!(
                    llvm_sys::debuginfo::LLVMGetMetadataKind(*m),
                    llvm_sys::debuginfo::LLVMMetadataKind::LLVMDILocationMetadataKind
                )
            })
            .map(|m| user_location(m))
    }
}

/// `file:line` of a location, or of the user's code it was inlined into
/// when it is in Rust's standard library (a `for` over a range is
/// `Range::next`'s code).
unsafe fn user_location(mut m: llvm_sys::prelude::LLVMMetadataRef) -> String {
    use llvm_sys::debuginfo::*;
    loop {
        let scope = LLVMDILocationGetScope(m);
        let file = LLVMDIScopeGetFile(scope);
        let mut len = 0u32;
        let p = if file.is_null() {
            std::ptr::null()
        } else {
            LLVMDIFileGetFilename(file, &mut len)
        };
        let name = if p.is_null() {
            String::new()
        } else {
            String::from_utf8_lossy(std::slice::from_raw_parts(p as *const u8, len as usize))
                .into_owned()
        };
        let mut dlen = 0u32;
        let d = if file.is_null() {
            std::ptr::null()
        } else {
            LLVMDIFileGetDirectory(file, &mut dlen)
        };
        let std_lib = name.starts_with("/rustc/")
            || (!d.is_null()
                && std::slice::from_raw_parts(d as *const u8, dlen as usize)
                    .starts_with(b"/rustc/"));
        let outer = LLVMDILocationGetInlinedAt(m);
        if std_lib && !outer.is_null() {
            m = outer;
            continue;
        }
        return format!("{name}:{}", LLVMDILocationGetLine(m));
    }
}

/// `name:K` and, where known, `file:line` of each loop, for messages.
fn loop_list(fs: &[Function]) -> String {
    let mut out = Vec::new();
    for f in fs {
        for l in loops_of(*f) {
            match &l.location {
                Some(loc) => out.push(format!("{}:{} (at {loc})", f.name(), l.index)),
                None => out.push(format!("{}:{}", f.name(), l.index)),
            }
        }
    }
    if out.is_empty() {
        "the functions differentiated have no loops adc can checkpoint".into()
    } else {
        format!("loops: {}", out.join(", "))
    }
}

/// The loop `req` names among the loops of `targets`.
pub(super) fn find(
    targets: &[Function],
    req: &Request,
) -> Result<(Function, Block, String, String)> {
    let (head, tail) = req.name.rsplit_once(':').ok_or_else(|| {
        AdcError::Usage(format!(
            "--checkpoint {}: name a loop as FUNCTION:INDEX or FILE:LINE ({})",
            req.name,
            loop_list(targets)
        ))
    })?;
    let number: Option<usize> = tail.parse().ok();
    let mut found = Vec::new();
    for f in targets {
        for l in loops_of(*f) {
            let loc = l.location.clone().unwrap_or_default();
            let by_index = f.name() == head && number == Some(l.index);
            let by_line = l.location.as_ref().is_some_and(|loc| {
                loc.rsplit_once(':').is_some_and(|(file, line)| {
                    line == tail && (file == head || file.ends_with(&format!("/{head}")))
                })
            });
            if by_index || by_line {
                let shown = if loc.is_empty() {
                    format!("{}:{}", f.name(), l.index)
                } else {
                    loc
                };
                found.push((*f, l.header, shown, format!("{}:{}", f.name(), l.index)));
            }
        }
    }
    match found.len() {
        1 => Ok(found.pop().expect("one loop")),
        0 => Err(AdcError::Usage(format!(
            "--checkpoint {}: no such loop ({})",
            req.name,
            loop_list(targets)
        ))),
        _ => Err(AdcError::Usage(format!(
            "--checkpoint {}: names more than one loop; name it as FUNCTION:INDEX ({})",
            req.name,
            loop_list(targets)
        ))),
    }
}
