//! Rust bindings of generated derivatives (`adc grad --rust OUT.rs`, and
//! adc-build): the raw `extern "C"` declarations, and safe wrappers that
//! take slices and references and check that each shadow is as long as
//! its primal.
//!
//! Rust types come from the primal function as rustc compiled it: a
//! slice is a pointer `x.0` and a length `x.1` (shared when the pointer is
//! `readonly`), a float is `f64` or `f32`, an integer keeps its width. The
//! function's source signature, when given ([`parse_signatures`]), names
//! the integer types (`usize` rather than `u64`) and the parameters. A
//! parameter adc cannot type (a pointer to a struct, say) leaves the
//! function with its raw declaration only, and a comment saying why.

use crate::ir::{get_function, Function, Value};
use crate::signature::Activity;
use crate::Mode;
use indexmap::IndexMap;
use llvm_sys::LLVMTypeKind;
use std::fmt::Write;

/// A parameter as Rust declares it.
#[derive(Clone, Debug)]
enum Param {
    /// `name: &[T]` or `&mut [T]`: IR parameters `name.0` and `name.1`.
    Slice {
        name: String,
        elem: &'static str,
        mutable: bool,
    },
    /// `name: &T` or `&mut T` for a float `T`.
    Ref {
        name: String,
        elem: &'static str,
        mutable: bool,
    },
    /// A float or integer passed by value.
    Scalar {
        name: String,
        ty: String,
        float: bool,
    },
}

impl Param {
    fn name(&self) -> &str {
        match self {
            Param::Slice { name, .. } | Param::Ref { name, .. } | Param::Scalar { name, .. } => {
                name
            }
        }
    }
}

/// A function's parameters as (name, type) and its result type, as the
/// source spells them.
pub type SourceSignature = (Vec<(String, String)>, Option<String>);

/// Source signatures: function name -> [`SourceSignature`], read from Rust
/// source text (`fn NAME(a: T, ...) -> R`).
pub fn parse_signatures(src: &str) -> IndexMap<String, SourceSignature> {
    let mut out = IndexMap::new();
    let mut rest = src;
    while let Some(i) = rest.find("fn ") {
        let before = &rest[..i];
        rest = &rest[i + 3..];
        // A whole word `fn` (not `extern fn` inside a type, nor `xfn`).
        if before
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let Some(open) = rest.find('(') else { break };
        // (generic parameters: `helper<T: Copy>(`)
        let name = rest[..open].split('<').next().unwrap_or_default().trim();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let mut depth = 0i32;
        let mut close = None;
        for (k, c) in rest[open..].char_indices() {
            match c {
                '(' | '[' | '<' => depth += 1,
                ')' | ']' | '>' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { break };
        let inner = &rest[open + 1..close];
        let mut params = Vec::new();
        let (mut depth, mut start) = (0i32, 0usize);
        let bytes: Vec<char> = inner.chars().collect();
        let mut pieces = Vec::new();
        for (k, c) in bytes.iter().enumerate() {
            match c {
                '(' | '[' | '<' => depth += 1,
                ')' | ']' | '>' => depth -= 1,
                ',' if depth == 0 => {
                    pieces.push(bytes[start..k].iter().collect::<String>());
                    start = k + 1;
                }
                _ => {}
            }
        }
        pieces.push(bytes[start..].iter().collect::<String>());
        for p in pieces.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            if let Some((n, t)) = p.split_once(':') {
                let n = n.trim().trim_start_matches("mut ").trim().to_string();
                params.push((n, t.trim().to_string()));
            }
        }
        let after = rest[close + 1..].trim_start();
        let ret = after.strip_prefix("->").map(|r| {
            let end = r.find(['{', ';']).unwrap_or(r.len());
            let r = &r[..end];
            let r = r.split(" where").next().unwrap_or(r);
            r.trim().to_string()
        });
        out.insert(name.to_string(), (params, ret));
        rest = &rest[close..];
    }
    out
}

/// The source file of `f` from its debug info, if it is on this machine.
pub fn source_file(f: Function) -> Option<std::path::PathBuf> {
    use llvm_sys::debuginfo::*;
    unsafe {
        let sp = LLVMGetSubprogram(f.raw());
        if sp.is_null() {
            return None;
        }
        let file = LLVMDIScopeGetFile(sp);
        if file.is_null() {
            return None;
        }
        let text = |p: *const std::os::raw::c_char, n: u32| {
            String::from_utf8_lossy(std::slice::from_raw_parts(p as *const u8, n as usize))
                .into_owned()
        };
        let (mut n, mut d) = (0u32, 0u32);
        let name = text(LLVMDIFileGetFilename(file, &mut n), n);
        let dir = text(LLVMDIFileGetDirectory(file, &mut d), d);
        let path = std::path::Path::new(&dir).join(&name);
        path.is_file().then_some(path)
    }
}

/// The float type `p` (a pointer parameter) points to, from the loads and
/// stores through it and the addresses computed from it.
fn pointee_float(p: Value) -> Option<&'static str> {
    use llvm_sys::LLVMOpcode::*;
    let mut work = vec![p];
    let mut seen = indexmap::IndexSet::new();
    while let Some(v) = work.pop() {
        if !seen.insert(v) || seen.len() > 256 {
            continue;
        }
        for u in v.users() {
            let t = match u.opcode() {
                Some(LLVMLoad) => Some(u.ty()),
                Some(LLVMStore) if u.operand(1) == v => Some(u.operand(0).ty()),
                Some(LLVMGetElementPtr) | Some(LLVMPHI) | Some(LLVMSelect) => {
                    work.push(u);
                    None
                }
                _ => None,
            };
            if let Some(t) = t {
                match t.scalar().kind() {
                    LLVMTypeKind::LLVMDoubleTypeKind => return Some("f64"),
                    LLVMTypeKind::LLVMFloatTypeKind => return Some("f32"),
                    _ => {}
                }
            }
        }
    }
    None
}

fn has_attr(f: Function, index: u32, name: &str) -> bool {
    unsafe {
        let kind =
            llvm_sys::core::LLVMGetEnumAttributeKindForName(name.as_ptr() as *const _, name.len());
        !llvm_sys::core::LLVMGetEnumAttributeAtIndex(f.raw(), index, kind).is_null()
    }
}

fn int_type(width: u32, signed: bool) -> String {
    match width {
        1 => "bool".into(),
        w => format!("{}{w}", if signed { "i" } else { "u" }),
    }
}

/// The Rust parameters of `f`, paired with the IR parameter indices each
/// covers; `Err` says why `f` has no safe wrapper.
fn rust_params(
    f: Function,
    source: Option<&SourceSignature>,
) -> Result<Vec<(Param, Vec<usize>)>, String> {
    let params = f.params();
    let mut out = Vec::new();
    let mut i = 0;
    while i < params.len() {
        let p = params[i];
        let name = p.name();
        let next = params.get(i + 1);
        let k = out.len();
        let src_ty = source.and_then(|(ps, _)| ps.get(k).map(|(n, t)| (n.clone(), t.clone())));
        let (base, pair) = match name.strip_suffix(".0") {
            Some(b)
                if next.is_some_and(|n| n.name() == format!("{b}.1") && n.ty().is_integer()) =>
            {
                (b.to_string(), true)
            }
            _ => (name.clone(), false),
        };
        let pname = src_ty.as_ref().map(|(n, _)| n.clone()).unwrap_or_else(|| {
            if base.is_empty() {
                format!("a{k}")
            } else {
                base.clone()
            }
        });
        let pname = pname.replace('.', "_");
        if p.ty().is_pointer() {
            let elem = pointee_float(p).ok_or_else(|| {
                format!(
                    "parameter {} points to data adc cannot type as f64 or f32",
                    pname
                )
            })?;
            let mutable = match &src_ty {
                Some((_, t)) => t.contains("&mut") || t.starts_with("*mut"),
                None => !has_attr(f, i as u32 + 1, "readonly"),
            };
            if pair {
                out.push((
                    Param::Slice {
                        name: pname,
                        elem,
                        mutable,
                    },
                    vec![i, i + 1],
                ));
                i += 2;
            } else {
                out.push((
                    Param::Ref {
                        name: pname,
                        elem,
                        mutable,
                    },
                    vec![i],
                ));
                i += 1;
            }
            continue;
        }
        let t = p.ty();
        let (ty, float) = match t.kind() {
            LLVMTypeKind::LLVMDoubleTypeKind => ("f64".to_string(), true),
            LLVMTypeKind::LLVMFloatTypeKind => ("f32".to_string(), true),
            LLVMTypeKind::LLVMIntegerTypeKind => {
                let w = t.int_width();
                let from_source = src_ty
                    .as_ref()
                    .map(|(_, s)| s.trim().to_string())
                    .filter(|s| {
                        matches!(
                            s.as_str(),
                            "usize"
                                | "isize"
                                | "u64"
                                | "i64"
                                | "u32"
                                | "i32"
                                | "u16"
                                | "i16"
                                | "u8"
                                | "i8"
                                | "bool"
                        )
                    });
                (from_source.unwrap_or_else(|| int_type(w, true)), false)
            }
            _ => return Err(format!("parameter {pname} has IR type {}", t.print())),
        };
        out.push((
            Param::Scalar {
                name: pname,
                ty,
                float,
            },
            vec![i],
        ));
        i += 1;
    }
    Ok(out)
}

fn raw_type(t: crate::ir::Type) -> String {
    match t.kind() {
        LLVMTypeKind::LLVMDoubleTypeKind => "f64".into(),
        LLVMTypeKind::LLVMFloatTypeKind => "f32".into(),
        LLVMTypeKind::LLVMIntegerTypeKind => int_type(t.int_width(), true),
        LLVMTypeKind::LLVMPointerTypeKind => "*mut core::ffi::c_void".into(),
        LLVMTypeKind::LLVMVoidTypeKind => "()".into(),
        _ => t.print(),
    }
}

/// The bindings of the derivatives `differentiated` lists (primal name,
/// its activity, the mode; width 1) in module `m`, with the source text
/// of the primal functions when known.
/// The language of the primal functions, for what their bindings can say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// Slices and references: safe wrappers.
    Rust,
    /// C or C++ (`extern "C"`): a pointer has no length, so raw
    /// declarations only (with typed pointers).
    C,
}

/// For each parameter of the derivative of `f` (after any `sret`), the
/// index of the primal parameter it stands for (itself, its shadow, its
/// tangent).
fn param_origins(f: Function, acts: &[Activity], mode: Mode) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, (p, a)) in f.params().iter().zip(acts).enumerate() {
        out.push(i);
        let twin = match mode {
            Mode::Reverse => matches!(a, Activity::Dup | Activity::DupNoNeed),
            Mode::Forward => {
                matches!(a, Activity::Dup | Activity::DupNoNeed)
                    || (*a == Activity::Active && p.ty().contains_float())
            }
        };
        if twin {
            out.push(i);
        }
    }
    out
}

pub fn rust_bindings(
    m: llvm_sys::prelude::LLVMModuleRef,
    differentiated: &[(String, Vec<Activity>, Mode)],
    source: Option<&str>,
) -> String {
    bindings_for(m, differentiated, source, Language::Rust)
}

/// [`rust_bindings`] for primal functions in `language`.
pub fn bindings_for(
    m: llvm_sys::prelude::LLVMModuleRef,
    differentiated: &[(String, Vec<Activity>, Mode)],
    source: Option<&str>,
    language: Language,
) -> String {
    let sigs = source.map(parse_signatures).unwrap_or_default();
    let mut raw = String::new();
    let mut safe = String::new();
    let mut structs = String::new();
    for (fname, acts, mode) in differentiated {
        let Some(f) = get_function(m, fname) else {
            continue;
        };
        let dname = crate::derivative_name(fname, *mode, 1);
        let Some(d) = get_function(m, &dname) else {
            continue;
        };
        // The raw declaration, from the generated function's own type.
        let dparams = d.params();
        let adjoints: Vec<usize> = (0..acts.len())
            .filter(|i| acts[*i] == Activity::Active)
            .collect();
        // Three or more adjoints come back through a leading `sret`
        // pointer, as Rust's `extern "C"` returns such a struct.
        let sret = *mode == Mode::Reverse && adjoints.len() >= 3;
        let ret_struct = format!("{}Adjoints", camel(&dname));
        let raw_ret = match (*mode, adjoints.len()) {
            (Mode::Reverse, 0) => "()".to_string(),
            (Mode::Reverse, 1) => raw_type(f.params()[adjoints[0]].ty()),
            (Mode::Reverse, _) => ret_struct.clone(),
            (Mode::Forward, _) => raw_type(d.return_type()),
        };
        let skip = usize::from(sret);
        // C: the function itself too (a Rust crate has no other copy).
        if language == Language::C && !raw.contains(&format!(" fn {fname}(")) {
            let ps: Vec<String> = f
                .params()
                .iter()
                .enumerate()
                .map(|(k, p)| match pointee_float(*p) {
                    Some(e) if p.ty().is_pointer() => format!("a{k}: *mut {e}"),
                    _ => format!("a{k}: {}", raw_type(p.ty())),
                })
                .collect();
            let r = raw_type(f.return_type());
            let r = if r == "()" {
                String::new()
            } else {
                format!(" -> {r}")
            };
            writeln!(raw, "        pub fn {fname}({}){r};", ps.join(", ")).unwrap();
        }
        // Pointers typed by what the primal reads and writes through them.
        let origins = param_origins(f, acts, *mode);
        let fparams = f.params();
        let raw_ps: Vec<String> = dparams
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(k, p)| {
                let elem = origins
                    .get(k - skip)
                    .filter(|_| p.ty().is_pointer())
                    .and_then(|i| pointee_float(fparams[*i]));
                match elem {
                    Some(e) => format!("a{k}: *mut {e}"),
                    None => format!("a{k}: {}", raw_type(p.ty())),
                }
            })
            .collect();
        let arrow = |r: &str| {
            if r == "()" {
                String::new()
            } else {
                format!(" -> {r}")
            }
        };
        writeln!(
            raw,
            "        pub fn {dname}({}){};",
            raw_ps.join(", "),
            arrow(&raw_ret)
        )
        .unwrap();
        let rparams = rust_params(f, sigs.get(fname));
        if *mode == Mode::Reverse && adjoints.len() > 1 {
            let params = f.params();
            let fields: Vec<String> = adjoints
                .iter()
                .map(|i| {
                    let n = match &rparams {
                        Ok(ps) => rparams_name(ps, *i),
                        Err(_) => safe_name(&params[*i].name(), *i),
                    };
                    format!("    pub d_{n}: {},", raw_type(params[*i].ty()))
                })
                .collect();
            writeln!(
                structs,
                "/// The adjoints `{dname}` returns, in parameter order.\n#[repr(C)]\n#[derive(Clone, Copy, Debug, PartialEq)]\npub struct {ret_struct} {{\n{}\n}}\n",
                fields.join("\n")
            )
            .unwrap();
        }
        let rparams = match rparams {
            _ if language == Language::C => {
                writeln!(
                    safe,
                    "// `{dname}`: C pointers carry no length; call `raw::{dname}`.\n"
                )
                .unwrap();
                continue;
            }
            Ok(p) => p,
            Err(why) => {
                writeln!(
                    safe,
                    "// No safe wrapper for `{dname}`: {why}; call `raw::{dname}`.\n"
                )
                .unwrap();
                continue;
            }
        };
        // The safe wrapper.
        let mut ps = Vec::new();
        let mut call = Vec::new();
        let mut checks = Vec::new();
        let mut docs = Vec::new();
        for (p, idx) in &rparams {
            let act = acts[idx[0]];
            let dup = matches!(act, Activity::Dup | Activity::DupNoNeed);
            let n = p.name().to_string();
            match p {
                Param::Slice { elem, mutable, .. } => {
                    let r = if *mutable {
                        format!("&mut [{elem}]")
                    } else {
                        format!("&[{elem}]")
                    };
                    ps.push(format!("{n}: {r}"));
                    call.push(if *mutable {
                        format!("{n}.as_mut_ptr().cast()")
                    } else {
                        format!("{n}.as_ptr() as *mut _")
                    });
                    if dup {
                        // Forward: a read-only input's tangent is read;
                        // reverse: every shadow receives adjoints.
                        let dm = *mode == Mode::Reverse || *mutable;
                        let dr = if dm {
                            format!("&mut [{elem}]")
                        } else {
                            format!("&[{elem}]")
                        };
                        ps.push(format!("d_{n}: {dr}"));
                        call.push(if dm {
                            format!("d_{n}.as_mut_ptr().cast()")
                        } else {
                            format!("d_{n}.as_ptr() as *mut _")
                        });
                        checks.push(format!("    assert_eq!({n}.len(), d_{n}.len(), \"d_{n} must be as long as {n}\");"));
                        docs.push(format!(
                            "/// - `d_{n}`: {} of `{n}`",
                            if *mode == Mode::Reverse {
                                "receives the adjoint (added)"
                            } else {
                                "the tangent"
                            }
                        ));
                    }
                    call.push(format!(
                        "{n}.len() as {}",
                        raw_type(f.params()[idx[1]].ty())
                    ));
                }
                Param::Ref { elem, mutable, .. } => {
                    let r = if *mutable {
                        format!("&mut {elem}")
                    } else {
                        format!("&{elem}")
                    };
                    ps.push(format!("{n}: {r}"));
                    call.push(format!(
                        "{n} as *{} {elem} as *mut _",
                        if *mutable { "mut" } else { "const" }
                    ));
                    if dup {
                        ps.push(format!("d_{n}: &mut {elem}"));
                        call.push(format!("d_{n} as *mut {elem} as *mut _"));
                        docs.push(format!(
                            "/// - `d_{n}`: {} of `{n}`",
                            if *mode == Mode::Reverse {
                                "receives the adjoint (added)"
                            } else {
                                "the tangent"
                            }
                        ));
                    }
                }
                Param::Scalar { ty, float, .. } => {
                    ps.push(format!("{n}: {ty}"));
                    let it = raw_type(f.params()[idx[0]].ty());
                    call.push(if *float || it == *ty {
                        n.clone()
                    } else {
                        format!("{n} as {it}")
                    });
                    if *float && act == Activity::Active && *mode == Mode::Forward {
                        ps.push(format!("d_{n}: {ty}"));
                        call.push(format!("d_{n}"));
                        docs.push(format!("/// - `d_{n}`: the tangent of `{n}`"));
                    }
                }
            }
        }
        let float_ret = f.return_type().contains_float();
        if *mode == Mode::Reverse && float_ret {
            ps.push(format!("d_ret: {}", raw_type(f.return_type())));
            call.push("d_ret".into());
            docs.push("/// - `d_ret`: the seed, the adjoint of the result".into());
        }
        let (ret, what) = match (*mode, adjoints.len()) {
            (Mode::Reverse, 0) => (
                "()".to_string(),
                "nothing; the adjoints go to the shadows".to_string(),
            ),
            (Mode::Reverse, 1) => (
                raw_ret.clone(),
                format!("the adjoint of `{}`", rparams_name(&rparams, adjoints[0])),
            ),
            (Mode::Reverse, _) => (
                ret_struct.clone(),
                "the adjoints of the float parameters".to_string(),
            ),
            (Mode::Forward, _) if float_ret => {
                (raw_ret.clone(), "the tangent of the result".to_string())
            }
            (Mode::Forward, _) => (
                "()".to_string(),
                "nothing; the tangents go to the shadows".to_string(),
            ),
        };
        let kind = if *mode == Mode::Reverse {
            "Gradient (reverse mode)"
        } else {
            "Tangent (forward mode)"
        };
        writeln!(safe, "/// {kind} of `{fname}`, by adc. Returns {what}.").unwrap();
        for d in &docs {
            writeln!(safe, "{d}").unwrap();
        }
        writeln!(safe, "pub fn {dname}({}){} {{", ps.join(", "), arrow(&ret)).unwrap();
        for c in &checks {
            writeln!(safe, "{c}").unwrap();
        }
        writeln!(
            safe,
            "    unsafe {{ raw::{dname}({}) }}\n}}\n",
            call.join(", ")
        )
        .unwrap();
    }
    let about = match language {
        Language::Rust => "// The raw declarations are in `raw`; each safe wrapper checks that a\n// shadow is as long as its slice.",
        Language::C => "// C functions: the raw declarations only, in `raw` (a pointer carries no\n// length for a safe wrapper to check).",
    };
    format!(
        "// Generated by adc: Rust bindings of the derivatives it generated.\n\
         {about}\n\n{structs}/// The generated functions as the linker sees them.\n\
         pub mod raw {{\n    #[allow(unused_imports)]\n    use super::*;\n    extern \"C\" {{\n{raw}    }}\n}}\n\n{safe}"
    )
}

/// [`rust_bindings`] of what `opts` asked [`crate::differentiate`] for
/// (one tangent or seed per call), with the primal functions' source
/// files read where their debug info names them.
pub fn for_targets(
    m: llvm_sys::prelude::LLVMModuleRef,
    opts: &crate::Options,
) -> crate::error::Result<String> {
    if opts.width != 1 {
        return Err(crate::error::AdcError::Usage(
            "--rust writes bindings of FN_grad and FN_fwd (--width 1)".into(),
        ));
    }
    let mut list = Vec::new();
    let mut files = indexmap::IndexSet::new();
    for t in &opts.targets {
        let Some(f) = get_function(m, &t.name) else {
            continue;
        };
        let acts = match &t.activity {
            Some(a) => crate::signature::parse_activity(f, a)?,
            None => crate::signature::default_activity(f),
        };
        if let Some(p) = source_file(f) {
            files.insert(p);
        }
        list.push((t.name.clone(), acts, opts.mode));
    }
    let text: String = files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect::<Vec<_>>()
        .join("\n");
    Ok(rust_bindings(
        m,
        &list,
        (!text.is_empty()).then_some(text.as_str()),
    ))
}

fn rparams_name(ps: &[(Param, Vec<usize>)], ir_index: usize) -> String {
    ps.iter()
        .find(|(_, idx)| idx.contains(&ir_index))
        .map(|(p, _)| p.name().to_string())
        .unwrap_or_default()
}

fn safe_name(name: &str, i: usize) -> String {
    let n = name.replace('.', "_");
    if n.is_empty() {
        format!("a{i}")
    } else {
        n
    }
}

fn camel(s: &str) -> String {
    s.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_from_source() {
        let src = r#"
            /// doc
            #[no_mangle]
            pub fn loss(p: &[f64], mut x: &mut [f64], n: usize, m: HashMap<u32, Vec<f64>>) -> f64 { 0.0 }
            fn helper<T: Copy>(a: T) {}
            pub extern "C" fn raw(ptr: *const f64, len: i32) -> (f64, f64) where X: Y { }
        "#;
        let s = parse_signatures(src);
        let (ps, ret) = &s["loss"];
        let names: Vec<&str> = ps.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["p", "x", "n", "m"]);
        assert_eq!(ps[1].1, "&mut [f64]");
        assert_eq!(ps[3].1, "HashMap<u32, Vec<f64>>");
        assert_eq!(ret.as_deref(), Some("f64"));
        assert_eq!(s["raw"].0[1], ("len".to_string(), "i32".to_string()));
        assert_eq!(s["raw"].1.as_deref(), Some("(f64, f64)"));
        assert!(s.contains_key("helper"));
    }
}
