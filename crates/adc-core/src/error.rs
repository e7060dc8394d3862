//! The errors adc reports. Each says what went wrong and where: the function,
//! the instruction (as LLVM prints it) and the source line when debug info has it.

use crate::ir::debug_loc::SourceLoc;
use crate::ir::Value;
use std::fmt;
use std::path::PathBuf;

/// Where in the input a problem is: function, instruction and source location.
#[derive(Debug, Clone)]
pub struct Site {
    pub function: String,
    pub instruction: String,
    pub loc: Option<SourceLoc>,
    /// `loc` is a neighbour's: the instruction itself has none (optimized
    /// code drops locations of values it folds, such as selects).
    pub near: bool,
}

impl Site {
    pub fn of(inst: Value) -> Site {
        let function = if inst.is_instruction() || inst.is_argument() {
            crate::ir::source_copy::source_name(&inst.parent_function().name()).to_string()
        } else {
            String::new()
        };
        let own = SourceLoc::of(inst);
        let near = own.is_none();
        Site {
            function,
            instruction: inst.print(),
            loc: own.or_else(|| SourceLoc::nearby(inst)),
            near,
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in function `{}`", self.function)?;
        match &self.loc {
            Some(l) if self.near => write!(f, " near {l}")?,
            Some(l) => write!(f, " at {l}")?,
            None => write!(
                f,
                " (no debug location; compile with -g to see the source line)"
            )?,
        }
        write!(f, "\n  instruction: {}", self.instruction)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdcError {
    #[error("cannot read `{path}`: {message}")]
    Read { path: PathBuf, message: String },
    #[error("cannot write `{path}`: {message}")]
    Write { path: PathBuf, message: String },
    #[error("function `{name}` is not defined in the module{}", hint(.defined))]
    UnknownFunction { name: String, defined: Vec<String> },
    #[error("cannot differentiate {site}\n  reason: {reason}")]
    Unsupported { site: Site, reason: String },
    #[error("{0}")]
    Usage(String),
    #[error("internal error: the generated module does not verify (please report):\n{0}")]
    Verify(String),
    #[error("LLVM: {0}")]
    Llvm(String),
}

fn hint(defined: &[String]) -> String {
    if defined.is_empty() {
        " (the module defines no functions)".into()
    } else {
        format!("; it defines: {}", defined.join(", "))
    }
}

impl AdcError {
    pub fn unsupported(inst: Value, reason: impl Into<String>) -> Self {
        AdcError::Unsupported {
            site: Site::of(inst),
            reason: reason.into(),
        }
    }
}

impl AdcError {
    /// A store that would drop a derivative (both modes report it alike).
    pub fn lost_store(inst: Value) -> Self {
        use llvm_sys::LLVMOpcode::LLVMLoad;
        // A buffer pointer read back from a local object that a call has
        // written, and no shadow for it (the call's callee is not seen).
        let writer = crate::analysis::types::pointer_sources(inst.operand(1))
            .into_iter()
            .filter(|r| r.opcode() == Some(LLVMLoad))
            .filter_map(|r| crate::analysis::activity::underlying_alloca(r.operand(0)))
            .flat_map(|holder| holder.users())
            .find_map(|u| {
                let f = u.called_function().filter(|f| !f.is_intrinsic())?;
                Some(format!("{:#}", rustc_demangle::demangle(&f.name())))
            });
        if let Some(f) = writer {
            return AdcError::unsupported(
                inst,
                format!(
                    "stores an active value into a buffer whose pointer is kept in a local object \
                     that the call of `{f}` writes, and adc cannot give that buffer a shadow: link \
                     `{f}`'s bitcode in, or allocate the buffer in the differentiated code"
                ),
            );
        }
        AdcError::unsupported(
            inst,
            "stores an active value into memory that has no shadow (a pointer parameter \
             marked const, or a global that code adc cannot see may use: the function calls \
             a function without a body in this module, or the global's address is passed \
             around): its derivative would be lost; mark the pointer `dup`, make the global \
             `static`, or link the other code's bitcode in",
        )
    }
}

pub type Result<T> = std::result::Result<T, AdcError>;
