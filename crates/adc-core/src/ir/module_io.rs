//! Reading modules (.bc, .ll) and writing them by extension (.bc .ll .o .s).
//! Output goes to a temporary file in the target directory and is renamed into
//! place only when complete, so a failure never leaves a partial file.

use crate::error::{AdcError, Result};
use inkwell::context::Context;
use inkwell::memory_buffer::MemoryBuffer;
use inkwell::module::Module;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;
use std::path::Path;

/// Parse a bitcode or textual IR file.
pub fn load<'ctx>(ctx: &'ctx Context, path: &Path) -> Result<Module<'ctx>> {
    let read_err = |message: String| AdcError::Read {
        path: path.to_path_buf(),
        message,
    };
    let buf = MemoryBuffer::create_from_file(path).map_err(|e| read_err(e.to_string()))?;
    if buf
        .as_slice()
        .iter()
        .all(|b| b.is_ascii_whitespace() || *b == 0)
    {
        return Err(read_err(
            "the file is empty: give the bitcode (clang -c -emit-llvm) or IR (-S -emit-llvm) \
             of the code to differentiate"
                .into(),
        ));
    }
    let is_bitcode = buf.as_slice().starts_with(b"BC\xC0\xDE")
        || buf.as_slice().starts_with(&[0xDE, 0xC0, 0x17, 0x0B]);
    if is_bitcode {
        Module::parse_bitcode_from_buffer(&buf, ctx).map_err(|e| {
            read_err(format!(
                "the bitcode is truncated or corrupt (LLVM says: {}); write it again with \
                 clang -c -emit-llvm or rustc --emit=llvm-bc",
                e.to_string().trim_matches('"').replace("\\'", "'")
            ))
        })
    } else {
        ctx.create_module_from_ir(buf)
            .map_err(|e| read_err(e.to_string()))
    }
}

/// The output formats, chosen by file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    Bitcode,
    Text,
    Object,
    Assembly,
}

impl OutputKind {
    pub fn from_path(path: &Path) -> Result<OutputKind> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("bc") => Ok(OutputKind::Bitcode),
            Some("ll") => Ok(OutputKind::Text),
            Some("o") => Ok(OutputKind::Object),
            Some("s") => Ok(OutputKind::Assembly),
            _ => Err(AdcError::Usage(format!(
                "cannot tell the output format of `{}`: use .bc, .ll, .o or .s",
                path.display()
            ))),
        }
    }
}

/// The host's x86-64 target machine, PIC (objects go into PIE executables).
pub fn target_machine(module: &Module) -> Result<TargetMachine> {
    Target::initialize_x86(&InitializationConfig::default());
    let triple = {
        let t = module.get_triple();
        let s = t.as_str().to_string_lossy().into_owned();
        if s.is_empty() {
            TargetMachine::get_default_triple()
        } else {
            TargetTriple::create(&s)
        }
    };
    let target = Target::from_triple(&triple).map_err(|e| AdcError::Llvm(e.to_string()))?;
    target
        .create_target_machine(
            &triple,
            "x86-64",
            "",
            OptimizationLevel::Aggressive,
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| AdcError::Llvm(format!("no target machine for {triple}")))
}

/// An output written to a temporary file beside its path, put in place by
/// [`Pending::commit`] (dropped uncommitted, it leaves nothing).
pub struct Pending {
    tmp: tempfile::NamedTempFile,
    path: std::path::PathBuf,
}

impl Pending {
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        self.tmp.persist(&path).map_err(|e| AdcError::Write {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(())
    }
}

/// A temporary file beside `path`, created with the permissions the umask
/// allows (0666 less the umask, as any other tool's output; tempfile's own
/// default is 0600).
fn temp_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".adc-out")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
}

/// `bytes` for `path`, pending.
pub fn pending_bytes(path: &Path, bytes: &[u8]) -> Result<Pending> {
    let write_err = |message: String| AdcError::Write {
        path: path.to_path_buf(),
        message,
    };
    let mut tmp = temp_beside(path).map_err(|e| write_err(e.to_string()))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| write_err(e.to_string()))?;
    Ok(Pending {
        tmp,
        path: path.to_path_buf(),
    })
}

/// Write `module` to `path` in the format its extension names, atomically.
pub fn write(module: &Module, path: &Path) -> Result<()> {
    pending(module, path)?.commit()
}

/// `module` in the format `path`'s extension names, pending.
pub fn pending(module: &Module, path: &Path) -> Result<Pending> {
    let kind = OutputKind::from_path(path)?;
    let write_err = |message: String| AdcError::Write {
        path: path.to_path_buf(),
        message,
    };
    let tmp = temp_beside(path).map_err(|e| write_err(e.to_string()))?;
    match kind {
        OutputKind::Bitcode => {
            if !module.write_bitcode_to_path(tmp.path()) {
                return Err(write_err("LLVM could not write bitcode".into()));
            }
        }
        OutputKind::Text => module
            .print_to_file(tmp.path())
            .map_err(|e| write_err(e.to_string()))?,
        OutputKind::Object | OutputKind::Assembly => {
            let tm = target_machine(module)?;
            let ft = if kind == OutputKind::Object {
                FileType::Object
            } else {
                FileType::Assembly
            };
            tm.write_to_file(module, ft, tmp.path())
                .map_err(|e| write_err(e.to_string()))?;
        }
    }
    Ok(Pending {
        tmp,
        path: path.to_path_buf(),
    })
}

/// Refuse output paths that name the input or each other: writing one
/// would destroy the input or the other output.
pub fn check_distinct(input: &Path, outputs: &[&Path]) -> Result<()> {
    // The same file whether or not it exists yet: its directory made
    // canonical, then its name.
    let key = |p: &Path| -> std::path::PathBuf {
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        dir.join(p.file_name().unwrap_or_default())
    };
    let input_key = std::fs::canonicalize(input).unwrap_or_else(|_| key(input));
    for (i, o) in outputs.iter().enumerate() {
        if key(o) == input_key {
            return Err(AdcError::Usage(format!(
                "the output `{}` is the input: writing it would destroy the input; name \
                 another file",
                o.display()
            )));
        }
        if outputs[..i].iter().any(|p| key(p) == key(o)) {
            return Err(AdcError::Usage(format!(
                "`{}` is named for two outputs (the module and the header); name two files",
                o.display()
            )));
        }
    }
    Ok(())
}

/// Parse `text` (LLVM IR adc ships: the tape helpers, the BLAS rules) and
/// link it into `m`, with `m`'s data layout and target so that linking
/// does not warn. `what` names it in errors.
pub fn link_ir(m: llvm_sys::prelude::LLVMModuleRef, text: &str, what: &str) -> Result<()> {
    use llvm_sys::core::*;
    unsafe {
        let ctx = LLVMGetModuleContext(m);
        let name = super::cstr(what);
        let buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(
            text.as_ptr() as *const _,
            text.len(),
            name.as_ptr(),
        );
        let mut other: llvm_sys::prelude::LLVMModuleRef = std::ptr::null_mut();
        let mut msg = std::ptr::null_mut();
        let failed =
            llvm_sys::ir_reader::LLVMParseIRInContext2(ctx, buf, &mut other, &mut msg) != 0;
        // Unlike the old entry point, this one leaves the buffer to us.
        LLVMDisposeMemoryBuffer(buf);
        if failed {
            let s = std::ffi::CStr::from_ptr(msg).to_string_lossy().into_owned();
            LLVMDisposeMessage(msg);
            return Err(AdcError::Llvm(format!("{what}: {s}")));
        }
        LLVMSetDataLayout(other, LLVMGetDataLayoutStr(m));
        LLVMSetTarget(other, LLVMGetTarget(m));
        if llvm_sys::linker::LLVMLinkModules2(m, other) != 0 {
            return Err(AdcError::Llvm(format!("cannot link the {what}")));
        }
    }
    Ok(())
}

/// The version of the LLVM adc is linked with (`major.minor.patch`).
pub fn llvm_version() -> String {
    let (mut major, mut minor, mut patch) = (0u32, 0u32, 0u32);
    unsafe { llvm_sys::core::LLVMGetVersion(&mut major, &mut minor, &mut patch) };
    format!("{major}.{minor}.{patch}")
}
