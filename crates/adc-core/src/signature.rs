//! Parameter activity and the signatures of generated functions (DESIGN.md,
//! "User-facing contract"), including their C prototypes for `--header`.

use crate::error::{AdcError, Result};
use crate::ir::{Function, Type, Value};
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

/// How a parameter takes part in differentiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activity {
    /// No derivative.
    Const,
    /// A floating-point scalar (or vector) with a derivative.
    Active,
    /// A pointer with a shadow pointer to its derivative memory.
    Dup,
    /// Like `Dup`, but the primal memory's final contents are not needed.
    DupNoNeed,
}

impl Activity {
    pub fn parse(s: &str) -> Option<Activity> {
        Some(match s.trim() {
            "const" => Activity::Const,
            "active" => Activity::Active,
            "dup" => Activity::Dup,
            "dupnoneed" => Activity::DupNoNeed,
            _ => return None,
        })
    }
    pub fn letter(self) -> char {
        match self {
            Activity::Const => 'c',
            Activity::Active => 'a',
            Activity::Dup => 'd',
            Activity::DupNoNeed => 'n',
        }
    }
    /// Whether the parameter is followed by a tangent / shadow parameter.
    pub fn has_shadow(self) -> bool {
        self != Activity::Const
    }
}

/// Parameter types of a derived function: each of `f`'s parameters, followed
/// by a twin of the same type where `twin(activity)` (a tangent in forward
/// mode; a shadow pointer in both modes).
pub fn params_with_twins(
    f: Function,
    acts: &[Activity],
    twin: impl Fn(Activity) -> bool,
) -> Vec<Type> {
    let mut out = Vec::new();
    for (p, a) in f.params().iter().zip(acts) {
        out.push(p.ty());
        if twin(*a) {
            out.push(p.ty());
        }
    }
    out
}

/// An internal function `F.adc.KIND.PATTERN` (pattern: one letter per
/// parameter activity) for a derivative of `f`.
pub fn add_derived(f: Function, kind: &str, acts: &[Activity], ty: Type) -> Function {
    let pattern: String = acts.iter().map(|a| a.letter()).collect();
    let g = crate::ir::add_function(
        f.module(),
        &format!("{}.adc.{kind}.{pattern}", f.name()),
        ty,
    );
    g.set_internal();
    g
}

/// Whether pointer `p` is used (through GEPs and casts) to load or store floats.
fn points_to_floats(p: Value, depth: u32) -> bool {
    if depth > 8 {
        return false;
    }
    p.users().into_iter().any(|u| match u.opcode() {
        // Loading a pointer (a Vec's buffer, a list's next node): where it points.
        Some(LLVMOpcode::LLVMLoad) => {
            u.ty().contains_float() || (u.ty().is_pointer() && points_to_floats(u, depth + 1))
        }
        Some(LLVMOpcode::LLVMStore) if u.operand(1) == p => u.operand(0).ty().contains_float(),
        // Stored into a stack object the function hands to a callee (a
        // closure capturing a slice, an iterator over it, in unoptimized
        // Rust): what the callee reads through that object.
        Some(LLVMOpcode::LLVMStore) => {
            let slot = crate::analysis::types::root_object(u.operand(1));
            slot.opcode() == Some(LLVMOpcode::LLVMAlloca)
                && slot.users().iter().any(|c| {
                    matches!(
                        c.opcode(),
                        Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke)
                    ) && c.called_function().is_some_and(|f| !f.is_declaration())
                })
                && points_to_floats(slot, depth + 1)
        }
        Some(LLVMOpcode::LLVMGetElementPtr)
        | Some(LLVMOpcode::LLVMBitCast)
        | Some(LLVMOpcode::LLVMPHI)
        | Some(LLVMOpcode::LLVMSelect) => points_to_floats(u, depth + 1),
        // A copy: what the other side holds.
        Some(LLVMOpcode::LLVMCall)
            if u.called_function().is_some_and(|f| {
                f.name().starts_with("llvm.memcpy") || f.name().starts_with("llvm.memmove")
            }) =>
        {
            let other = if u.operand(0) == p {
                u.operand(1)
            } else {
                u.operand(0)
            };
            points_to_floats(crate::analysis::types::root_object(other), depth + 1)
        }
        // adc-runtime routines take only float data by pointer.
        Some(LLVMOpcode::LLVMCall)
            if u.called_function()
                .is_some_and(|f| crate::rules::runtime::is_runtime_routine(&f.name())) =>
        {
            let r = crate::rules::runtime::lookup_runtime(&u.called_function().unwrap().name())
                .unwrap();
            u.call_args()
                .iter()
                .enumerate()
                .any(|(i, a)| *a == p && !r.non_float_params.contains(&i))
        }
        // A function without a body whose derivative is a rule (CBLAS, a
        // user's rule): what it is given by pointer is its data.
        Some(LLVMOpcode::LLVMCall)
            if u.called_function()
                .is_some_and(|f| f.is_declaration() && crate::rules::custom::has_user_rule(f)) =>
        {
            true
        }
        Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke) => u
            .called_function()
            .map(|f| {
                !f.is_declaration()
                    && u.call_args()
                        .iter()
                        .position(|a| *a == p)
                        .is_some_and(|i| points_to_floats(f.params()[i], depth + 1))
            })
            .unwrap_or(false),
        _ => false,
    })
}

/// DESIGN's defaults: float scalars active, integers constant, pointers to
/// floating-point data duplicated.
pub fn default_activity(f: Function) -> Vec<Activity> {
    use crate::analysis::types::{MemoryType, TypeAnalysis};
    // (also memory only copied here whose floats other code reads: a
    // buffer copied into one an object keeps, read by its methods)
    let types = std::cell::OnceCell::new();
    let typed_floats = |p: Value| {
        let ta = types.get_or_init(|| TypeAnalysis::compute(f));
        matches!(
            ta.memory_type(&[p]),
            MemoryType::Float(_) | MemoryType::Fields(_) | MemoryType::Strided { .. }
        )
    };
    f.params()
        .into_iter()
        .map(|p| {
            let t = p.ty();
            if t.is_float() {
                Activity::Active
            } else if t.is_pointer() && (points_to_floats(p, 0) || typed_floats(p)) {
                Activity::Dup
            } else {
                Activity::Const
            }
        })
        .collect()
}

/// Parse `--activity const,active,...` for `f`, checking each against its type.
pub fn parse_activity(f: Function, list: &str) -> Result<Vec<Activity>> {
    let params = f.params();
    let items: Vec<&str> = list.split(',').collect();
    if items.len() != params.len() {
        return Err(AdcError::Usage(format!(
            "--activity for `{}` lists {} entries, but the function has {} parameters",
            f.name(),
            items.len(),
            params.len()
        )));
    }
    items
        .iter()
        .zip(&params)
        .enumerate()
        .map(|(i, (s, p))| {
            let a = Activity::parse(s).ok_or_else(|| {
                AdcError::Usage(format!(
                    "--activity entry {} is `{s}`: use const, active, dup or dupnoneed",
                    i + 1
                ))
            })?;
            let t = p.ty();
            let ok = match a {
                Activity::Const => true,
                Activity::Active => t.is_float(),
                Activity::Dup | Activity::DupNoNeed => t.is_pointer(),
            };
            if !ok {
                return Err(AdcError::Usage(format!(
                    "parameter {} of `{}` has type {}, which cannot be `{s}`",
                    i + 1,
                    f.name(),
                    t.print()
                )));
            }
            Ok(a)
        })
        .collect()
}

/// The C spelling of an LLVM type, for prototypes.
pub fn c_type(t: Type) -> String {
    match t.kind() {
        LLVMTypeKind::LLVMVoidTypeKind => "void".into(),
        LLVMTypeKind::LLVMDoubleTypeKind => "double".into(),
        LLVMTypeKind::LLVMFloatTypeKind => "float".into(),
        LLVMTypeKind::LLVMPointerTypeKind => "void *".into(),
        LLVMTypeKind::LLVMIntegerTypeKind => match t.int_width() {
            1 => "bool".into(),
            8 => "int8_t".into(),
            16 => "int16_t".into(),
            32 => "int32_t".into(),
            64 => "int64_t".into(),
            // (It was declared int64_t: another ABI, a silent misreading.)
            128 => "__int128".into(),
            w => format!("_BitInt({w})"),
        },
        LLVMTypeKind::LLVMX86_FP80TypeKind => "long double".into(),
        LLVMTypeKind::LLVMFP128TypeKind => "__float128".into(),
        LLVMTypeKind::LLVMHalfTypeKind => "_Float16".into(),
        _ => format!("/* {} */ void", t.print()),
    }
}

/// `ret name(t0 p0, ...)` for a function type.
pub fn c_prototype(name: &str, ty: Type) -> String {
    let ret = Type(unsafe { llvm_sys::core::LLVMGetReturnType(ty.0) });
    let params: Vec<String> = ty
        .params()
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{} a{i}", c_type(*t)))
        .collect();
    let params = if params.is_empty() {
        "void".to_string()
    } else {
        params.join(", ")
    };
    format!("{} {name}({params});", c_type(ret))
}

/// C declarations of a generated function of type `ty` (a `NAME_fwd`): its
/// prototype, and a typedef where it returns a struct. Only structs that
/// LLVM returns in the registers C uses for the same struct get one (two
/// 8-byte scalars); for any other struct the header says why it has no
/// C prototype instead of declaring a wrong one.
pub fn forward_declarations(name: &str, ty: Type) -> crate::Generated {
    let ret = Type(unsafe { llvm_sys::core::LLVMGetReturnType(ty.0) });
    let mut gen = crate::Generated {
        name: name.to_string(),
        c_prototype: c_prototype(name, ty),
        c_typedef: None,
    };
    if ret.kind() != LLVMTypeKind::LLVMStructTypeKind {
        return gen;
    }
    if let Some(body) = two_eight_byte_fields(ret) {
        let tname = format!("{name}_ret");
        gen.c_typedef = Some(format!("typedef struct {{{body} }} {tname};"));
        gen.c_prototype = c_prototype(name, ty).replacen(&c_type(ret), &tname, 1);
    } else {
        gen.c_prototype = format!(
            "/* {name} returns {} in registers, which no C struct matches: call it from \
             LLVM IR, or differentiate a function that writes its results through pointers */",
            ret.print()
        );
    }
    gen
}

/// C declarations of `NAME_grad` (DESIGN.md): parameters, a shadow after
/// each duplicated pointer, `d_ret` for a floating-point result; returns the
/// adjoints of active scalars (one: that type; several: a struct returned by
/// value, which the C ABI passes in registers for two doubles and through a
/// hidden pointer for more, as the generated code does).
pub fn gradient_declarations(f: Function, acts: &[Activity], name: &str) -> crate::Generated {
    let params = f.params();
    let mut ps = Vec::new();
    for (i, (p, a)) in params.iter().zip(acts).enumerate() {
        ps.push(format!("{} a{i}", c_type(p.ty())));
        if matches!(a, Activity::Dup | Activity::DupNoNeed) {
            ps.push(format!("{} d_a{i}", c_type(p.ty())));
        }
    }
    let ret = f.return_type();
    // The seed of a struct result (a gradient's, in reverse over reverse):
    // by value, which C matches for two 8-byte scalars only.
    let mut seed_typedef = None;
    if ret.contains_float() {
        if ret.kind() != LLVMTypeKind::LLVMStructTypeKind {
            ps.push(format!("{} d_ret", c_type(ret)));
        } else if let Some(body) = two_eight_byte_fields(ret) {
            let tname = format!("{name}_seed");
            seed_typedef = Some(format!("typedef struct {{{body} }} {tname};"));
            ps.push(format!("{tname} d_ret"));
        } else {
            return crate::Generated {
                name: name.to_string(),
                c_prototype: format!(
                    "/* {name} takes the seed of {} by value, which no C struct matches: call it \
                     from LLVM IR, or differentiate a function that writes its results through \
                     pointers */",
                    ret.print()
                ),
                c_typedef: None,
            };
        }
    }
    let adj: Vec<usize> = (0..acts.len())
        .filter(|i| acts[*i] == Activity::Active)
        .collect();
    let (rty, typedef) = match adj.as_slice() {
        [] => ("void".to_string(), None),
        [i] => (c_type(params[*i].ty()), None),
        many => {
            let tname = format!("{name}_ret");
            let fields: Vec<String> = many
                .iter()
                .map(|i| format!(" {} d_a{i};", c_type(params[*i].ty())))
                .collect();
            (
                tname.clone(),
                Some(format!("typedef struct {{{} }} {tname};", fields.join(""))),
            )
        }
    };
    let ps = if ps.is_empty() {
        "void".to_string()
    } else {
        ps.join(", ")
    };
    let typedefs: Vec<String> = [seed_typedef, typedef].into_iter().flatten().collect();
    crate::Generated {
        name: name.to_string(),
        c_prototype: format!("{rty} {name}({ps});"),
        c_typedef: (!typedefs.is_empty()).then(|| typedefs.join("\n")),
    }
}

/// `" double f0; double f1;"` for a struct of two 8-byte scalars (which the
/// C ABI passes and returns in registers as LLVM does); `None` otherwise.
fn two_eight_byte_fields(t: Type) -> Option<String> {
    let fields = t.struct_fields();
    let eight_bytes = |t: &Type| match t.kind() {
        LLVMTypeKind::LLVMDoubleTypeKind | LLVMTypeKind::LLVMPointerTypeKind => true,
        LLVMTypeKind::LLVMIntegerTypeKind => t.int_width() == 64,
        _ => false,
    };
    (fields.len() == 2 && fields.iter().all(eight_bytes)).then(|| {
        fields
            .iter()
            .enumerate()
            .map(|(i, t)| format!(" {} f{i};", c_type(*t)))
            .collect()
    })
}

/// C declarations of vector mode's `NAME_fwdN` (returns void; the tangents
/// of a floating-point result go to its last parameter, `width` of them).
/// The C prototype of a reverse vector mode gradient `NAME_gradN`; `seeded`:
/// it takes N seeds of a float result, `results`: a last pointer receives
/// the N returned adjoints.
pub fn vector_gradient_declarations(
    name: &str,
    ty: Type,
    width: u32,
    seeded: bool,
    results: bool,
) -> crate::Generated {
    let mut what = format!("each duplicated parameter is followed by {width} shadows");
    if seeded {
        what += &format!(", d_ret is {width} seeds");
    }
    if results {
        what += &format!(", a last pointer d_out receives the {width} results");
    }
    crate::Generated {
        name: name.to_string(),
        c_prototype: format!(
            "/* {width} seeds per call: {what} */\n{}",
            c_prototype(name, ty)
        ),
        c_typedef: None,
    }
}

pub fn vector_declarations(name: &str, ty: Type, width: u32) -> crate::Generated {
    crate::Generated {
        name: name.to_string(),
        c_prototype: format!(
            "/* {width} tangents per call: each parameter is followed by {width} tangents */\n{}",
            c_prototype(name, ty)
        ),
        c_typedef: None,
    }
}
