//! Derivative rules users write, and what users say about their code.
//!
//! A user registers, for a function `f`, a forward rule, a reverse rule (an
//! augmented primal `aug` that may return a tape of its own, and a reverse
//! `rev` that consumes it), or a plain vjp for a pure scalar function; or
//! says that `f` carries no derivative, behaves like a libm function, or
//! allocates memory. adc reads Enzyme's forms of all of these (the tables
//! `__enzyme_register_gradient_F`, `__enzyme_register_derivative_F`,
//! `__enzyme_inactivefn`, `__enzyme_inactive_global`,
//! `__enzyme_function_like`, `__enzyme_allocation_like`, the annotations
//! Enzyme's clang plugin or adc.h write, and the attributes Enzyme's own
//! preprocessing leaves), and adc.h's macros expand to the same tables.
//!
//! [`read`] runs once per module, checks each rule's signature against its
//! function, and leaves what it read on the functions as attributes
//! (Enzyme's `enzyme_inactive` and `enzyme_math`, adc's `adc.rule.*`), so
//! that every pass asks the callee: [`forward_rule`], [`reverse_rule`],
//! [`is_inactive`], [`rule_name`].
//!
//! The calling convention is Enzyme's. A rule's parameters are `f`'s with
//! a second copy after each pointer (its shadow; null when the pointer
//! carries no derivative) and after each integer (the same value); a float
//! parameter is followed by its tangent in a forward rule and stands alone
//! in a reverse rule. A forward rule returns `{primal, tangent}` when `f`
//! returns a float (void when `f` does). `aug` returns `f`'s result, a
//! `{tape, result}`, `{result, shadow}` or `{tape, result, shadow}` struct,
//! a tape alone, or nothing; `rev` takes the parameters, then the result's
//! adjoint when `f` returns a float, then the tape, and returns the
//! adjoints of `f`'s float parameters (one value, or a struct of them).

use crate::error::{AdcError, Result};
use crate::ir::constants::{self, as_function, as_global_variable, c_string, elements};
use crate::ir::{get_function, Function, Type, Value};
use llvm_sys::prelude::LLVMModuleRef;

/// Enzyme's attribute and metadata names, so that IR Enzyme's tools
/// prepared reads the same.
const INACTIVE: &str = "enzyme_inactive";
const FUNCTION_LIKE: &str = "enzyme_math";
const FORWARD: &str = "adc.rule.forward";
const AUGMENT: &str = "adc.rule.augment";
const REVERSE: &str = "adc.rule.reverse";
const VJP: &str = "adc.rule.vjp";
const ALLOCATOR: &str = crate::ir::heap::ALLOCATOR_ATTR;
const DEALLOCATOR: &str = crate::ir::heap::DEALLOCATOR_ATTR;

/// Where `aug`'s results are in what it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The whole return value.
    Whole,
    /// A field of the returned struct.
    Field(u32),
}

/// A reverse rule for a function, as the reverse sweep calls it.
#[derive(Clone, Copy, Debug)]
pub struct ReverseRule {
    /// `None` for a vjp rule: the forward sweep calls `f` itself.
    pub aug: Option<Function>,
    pub rev: Function,
    pub primal: Option<Part>,
    pub shadow: Option<Part>,
    pub tape: Option<(Part, Type)>,
    /// A vjp rule takes `f`'s parameters as they are (no shadows, no copies).
    pub plain: bool,
}

/// Whether `f` carries no derivative (the user said so).
pub fn is_inactive(f: Function) -> bool {
    f.string_attr(INACTIVE).is_some()
}

/// Whether global variable `g` carries no derivative (the user said so).
pub fn is_inactive_global(g: Value) -> bool {
    constants::is_inactive_global(g)
}

/// Whether `ptr` points into a global the user said carries no
/// derivative (a store there drops its derivative, as asked).
pub fn into_inactive_global(ptr: Value) -> bool {
    is_inactive_global(crate::analysis::types::root_object(ptr))
}

/// The name `f`'s derivative rule goes by: the libm function the user said
/// it behaves like, or its own.
pub fn rule_name(f: Function) -> String {
    f.string_attr(FUNCTION_LIKE).unwrap_or_else(|| f.name())
}

/// Whether a call of `f` is differentiated by a rule the user wrote or
/// named (so `f`'s body, if any, is not differentiated).
pub fn has_user_rule(f: Function) -> bool {
    f.string_attr(FORWARD).is_some()
        || f.string_attr(REVERSE).is_some()
        || f.string_attr(VJP).is_some()
        || f.string_attr(FUNCTION_LIKE).is_some()
}

fn named(f: Function, key: &str) -> Option<Function> {
    get_function(f.module(), &f.string_attr(key)?)
}

/// The registered forward rule of `f`.
pub fn forward_rule(f: Function) -> Option<Function> {
    named(f, FORWARD)
}

/// The registered reverse rule of `f` (checked when it was read).
pub fn reverse_rule(f: Function) -> Option<ReverseRule> {
    if let Some(rev) = named(f, VJP) {
        return Some(ReverseRule {
            aug: None,
            rev,
            primal: None,
            shadow: None,
            tape: None,
            plain: true,
        });
    }
    let rev = named(f, REVERSE)?;
    let aug = named(f, AUGMENT)?;
    let (primal, shadow, tape) = augment_parts(f, aug);
    Some(ReverseRule {
        aug: Some(aug),
        rev,
        primal,
        shadow,
        tape,
        plain: false,
    })
}

/// Why a call of `f`, which has no body in the module, cannot be
/// differentiated in this mode: it has a rule for the other mode only, or
/// no rule (see [`super::table::no_rule`]).
pub fn missing_rule(f: Function, forward: bool) -> String {
    let name = f.name();
    let other = if forward {
        reverse_rule(f).is_some()
    } else {
        forward_rule(f).is_some()
    };
    match (other, forward) {
        (true, true) => format!(
            "`{name}` has a reverse rule registered but no forward rule, and its body is not in \
             the module: register a forward rule too (__enzyme_register_derivative_{name}, or \
             ADC_FORWARD_RULE in adc_rules.h)"
        ),
        (true, false) => format!(
            "`{name}` has a forward rule registered but no reverse rule, and its body is not in \
             the module: register a reverse rule too (__enzyme_register_gradient_{name}, or \
             ADC_REVERSE_RULE / ADC_VJP_RULE in adc_rules.h)"
        ),
        _ => super::table::no_rule(&name),
    }
}

/// The parameter types of a rule for `f`: each pointer and integer
/// followed by a second of its type, each float by its tangent in forward
/// rules.
fn rule_params(f: Function, forward: bool) -> Vec<Type> {
    let mut out = Vec::new();
    for t in f.fn_type().params() {
        out.push(t);
        if t.is_pointer() || t.is_integer() || (forward && t.contains_float()) {
            out.push(t);
        }
    }
    out
}

/// Where `aug`'s return holds `f`'s result, its shadow and the tape
/// (Enzyme's reading of an augmented forward pass's return type).
fn augment_parts(f: Function, aug: Function) -> (Option<Part>, Option<Part>, Option<(Part, Type)>) {
    let ret = f.return_type();
    let a = aug.return_type();
    if a == ret {
        let primal = (!ret.is_void()).then_some(Part::Whole);
        return (primal, None, None);
    }
    if a.kind() == llvm_sys::LLVMTypeKind::LLVMStructTypeKind {
        let fields = a.struct_fields();
        match fields.len() {
            3 => {
                return (
                    Some(Part::Field(1)),
                    Some(Part::Field(2)),
                    Some((Part::Field(0), fields[0])),
                )
            }
            2 if fields[0] == fields[1] => {
                return (Some(Part::Field(0)), Some(Part::Field(1)), None)
            }
            2 => {
                return (
                    Some(Part::Field(1)),
                    None,
                    Some((Part::Field(0), fields[0])),
                )
            }
            _ => {}
        }
    }
    if a.is_void() {
        (None, None, None)
    } else {
        (None, None, Some((Part::Whole, a)))
    }
}

/// The return type `rev` (or a vjp) must have: the adjoints of `f`'s float
/// parameters. One adjoint may also come as a struct of one.
fn adjoints_fit(f: Function, rev_ret: Type) -> bool {
    let floats: Vec<Type> = f
        .fn_type()
        .params()
        .into_iter()
        .filter(|t| t.contains_float())
        .collect();
    let ctx = rev_ret.context();
    match floats.as_slice() {
        [] => rev_ret.is_void(),
        [t] => rev_ret == *t || rev_ret == Type::struct_of(ctx, &[*t]),
        // C returns a struct of two floats as <2 x float>.
        [a, b] if a == b && a.is_float_scalar() && rev_ret.is_vector() => {
            rev_ret.vector_size() == 2 && rev_ret.element_type() == *a
        }
        many => rev_ret == Type::struct_of(ctx, many),
    }
}

fn describe(ty: Type) -> String {
    ty.print()
}

fn misfit(f: Function, rule: Function, what: &str, want: String) -> AdcError {
    AdcError::Usage(format!(
        "the {what} `{}` registered for `{}` does not fit it: `{}` has type `{}`, and a {what} \
         of `{}` (type `{}`) must have type `{want}` (pointers and integers are followed by \
         their shadow or copy; see adc.h)",
        rule.name(),
        f.name(),
        rule.name(),
        describe(rule.fn_type()),
        f.name(),
        describe(f.fn_type()),
    ))
}

fn fn_type_text(ret: &str, params: &[Type]) -> String {
    let ps: Vec<String> = params.iter().map(|t| t.print()).collect();
    format!("{ret} ({})", ps.join(", "))
}

fn check_forward(f: Function, fwd: Function) -> Result<()> {
    let want = rule_params(f, true);
    let ret = f.return_type();
    let want_ret = if ret.contains_float() || ret.contains_pointer() {
        Type::struct_of(ret.context(), &[ret, ret])
    } else {
        ret
    };
    // C returns a struct of two floats as <2 x float>.
    let pair_vector = |t: Type| {
        t.is_vector() && t.vector_size() == 2 && t.element_type() == ret && ret.is_float_scalar()
    };
    let ret_fits = fwd.return_type() == want_ret || pair_vector(fwd.return_type());
    if fwd.fn_type().params() != want || !ret_fits || is_sret(fwd) {
        return Err(misfit(
            f,
            fwd,
            "forward rule",
            fn_type_text(&want_ret.print(), &want),
        ));
    }
    Ok(())
}

fn is_sret(f: Function) -> bool {
    f.params().iter().enumerate().any(|(i, _)| unsafe {
        let kind = llvm_sys::core::LLVMGetEnumAttributeKindForName(c"sret".as_ptr(), 4);
        !llvm_sys::core::LLVMGetEnumAttributeAtIndex(f.raw(), (i + 1) as u32, kind).is_null()
    })
}

fn check_reverse(f: Function, aug: Function, rev: Function) -> Result<()> {
    let want = rule_params(f, false);
    if aug.fn_type().params() != want || is_sret(aug) {
        return Err(misfit(
            f,
            aug,
            "augmented forward pass",
            fn_type_text("T", &want),
        ));
    }
    let (primal, shadow, tape) = augment_parts(f, aug);
    let ret = f.return_type();
    if ret.contains_pointer() && !ret.is_void() && shadow.is_none() {
        return Err(AdcError::Usage(format!(
            "the augmented forward pass `{}` registered for `{}` must return the pointer `{}` \
             returns and its shadow (a struct {{result, shadow}} or {{tape, result, shadow}})",
            aug.name(),
            f.name(),
            f.name()
        )));
    }
    let _ = primal;
    let mut want_rev = want;
    if ret.contains_float() {
        want_rev.push(ret);
    }
    if let Some((_, t)) = tape {
        want_rev.push(t);
    }
    if rev.fn_type().params() != want_rev || !adjoints_fit(f, rev.return_type()) || is_sret(rev) {
        return Err(misfit(
            f,
            rev,
            "reverse pass",
            fn_type_text("ADJOINTS", &want_rev),
        ));
    }
    Ok(())
}

fn check_vjp(f: Function, vjp: Function) -> Result<()> {
    let params = f.fn_type().params();
    let ret = f.return_type();
    if params.iter().any(|t| t.contains_pointer()) || !ret.is_float() {
        return Err(AdcError::Usage(format!(
            "a vjp rule (registered for `{}` with `{}`) is for pure scalar functions: `{}` \
             takes a pointer or does not return a float; register an augmented forward pass \
             and a reverse pass instead",
            f.name(),
            vjp.name(),
            f.name()
        )));
    }
    let mut want = params;
    want.push(ret);
    if vjp.fn_type().params() != want || !adjoints_fit(f, vjp.return_type()) {
        return Err(misfit(f, vjp, "vjp", fn_type_text("ADJOINTS", &want)));
    }
    Ok(())
}

/// One entry of a registration table: the function at position `i`.
fn table_function(table: &[Value], i: usize, global: &str) -> Result<Function> {
    table
        .get(i)
        .and_then(|v| {
            // A nested aggregate (a struct inside the array) holds it first.
            let e = elements(constants::strip(*v));
            as_function(e.first().copied().unwrap_or(*v))
        })
        .ok_or_else(|| {
            let what = if i < table.len() {
                "is not a function"
            } else {
                "is missing"
            };
            AdcError::Usage(format!(
                "`{global}` must list functions ({{f, augmented forward pass, reverse pass}} \
                 for a reverse rule, {{f, forward rule}} for a forward rule): entry {i} {what}"
            ))
        })
}

/// The first function or global a registration global points to.
fn first_target(init: Value) -> Value {
    let mut v = constants::strip(init);
    while let Some(e) = elements(v).first() {
        v = constants::strip(*e);
    }
    v
}

/// Keep `f` whole so its calls stay calls the rule can replace (adc
/// optimizes -O0 input itself before differentiating).
fn keep_calls(f: Function) {
    f.add_fn_attr("noinline");
    f.remove_fn_attr("alwaysinline");
}

fn set_rule(f: Function, key: &str, rule: Function) -> Result<()> {
    if let Some(old) = f.string_attr(key) {
        if old != rule.name() {
            return Err(AdcError::Usage(format!(
                "`{}` has two rules of the same kind registered: `{old}` and `{}`",
                f.name(),
                rule.name()
            )));
        }
    }
    f.set_string_attr(key, &rule.name());
    keep_calls(f);
    Ok(())
}

/// Read the module's registrations (see the module documentation) and
/// leave them on the functions. A rule whose signature does not fit its
/// function is an error naming both.
pub fn read(m: LLVMModuleRef) -> Result<()> {
    let annotated = read_annotations(m)?;
    let attributed = crate::ir::functions(m)
        .into_iter()
        .any(|f| is_inactive(f) || f.string_attr(FUNCTION_LIKE).is_some());
    // adc_rules.h leaves a marker: with it, the attributes were in force.
    let header = constants::globals(m)
        .iter()
        .any(|g| g.name().contains("adc_rules_h_included"));
    if !annotated && !attributed && !header {
        refuse_dropped_attributes(m)?;
    }
    for g in constants::globals(m) {
        let name = g.name();
        let Some(init) = constants::initializer(g) else {
            continue;
        };
        let table = elements(constants::strip(init));
        if name.contains("__enzyme_register_gradient") {
            let (f, aug, rev) = (
                table_function(&table, 0, &name)?,
                table_function(&table, 1, &name)?,
                table_function(&table, 2, &name)?,
            );
            if table.len() > 3 {
                return Err(AdcError::Usage(format!(
                    "`{name}` passes options after the three functions (Enzyme's byref_N); adc \
                     does not implement them: take the argument by value or by pointer"
                )));
            }
            register_rules(f, None, Some((aug, rev)))?;
        } else if name.contains("__enzyme_register_derivative") {
            let (f, fwd) = (
                table_function(&table, 0, &name)?,
                table_function(&table, 1, &name)?,
            );
            register_rules(f, Some(fwd), None)?;
        } else if name.contains("__enzyme_register_splitderivative") {
            // For Enzyme's split forward mode, which adc has not: nothing
            // adc builds would call it.
            table_function(&table, 0, &name)?;
        } else if name.contains("__adc_register_vjp") {
            let (f, vjp) = (
                table_function(&table, 0, &name)?,
                table_function(&table, 1, &name)?,
            );
            check_vjp(f, vjp)?;
            set_rule(f, VJP, vjp)?;
        } else if name.contains("__enzyme_inactivefn") {
            let f = as_function(first_target(init))
                .ok_or_else(|| AdcError::Usage(format!("`{name}` must point to a function")))?;
            mark_inactive(f);
        } else if name.contains("__enzyme_inactive_global") {
            let t = as_global_variable(first_target(init)).ok_or_else(|| {
                AdcError::Usage(format!("`{name}` must point to a global variable"))
            })?;
            constants::set_flag(t, constants::INACTIVE_GLOBAL);
        } else if name.contains("__enzyme_function_like") {
            let f = table_function(&table, 0, &name)?;
            let like = table
                .get(1)
                .and_then(|v| c_string(*v))
                .filter(|s| !s.is_empty());
            let like = like.ok_or_else(|| {
                AdcError::Usage(format!(
                    "`{name}` must hold a function and the name of the function it is like"
                ))
            })?;
            mark_like(f, &like)?;
        } else if name.contains("__enzyme_allocation_like") {
            read_allocation_like(&name, &table)?;
        } else if name.contains("__enzyme_sparse_accumulate") {
            return Err(AdcError::Usage(format!(
                "`{name}` asks for Enzyme's sparse accumulation, which adc does not implement"
            )));
        }
    }
    super::blas::register(m)?;
    for f in crate::ir::functions(m) {
        // Enzyme's own preprocessing leaves attributes: honour them too.
        if is_inactive(f) || f.string_attr(FUNCTION_LIKE).is_some() {
            keep_calls(f);
        }
        if registered(f) && returns_argument(f) {
            return Err(AdcError::Usage(format!(
                "`{}` has a derivative rule or annotation but returns its argument unchanged, \
                 so the compiler has replaced the results of its calls with that argument (the \
                 `returned` attribute), where the rule or annotation cannot apply: give adc -O0 \
                 bitcode (adc optimizes it itself and keeps such calls)",
                f.name()
            )));
        }
    }
    Ok(())
}

/// Whether a parameter of `f` has the `returned` attribute (the optimizer
/// found that `f` returns it).
fn returns_argument(f: Function) -> bool {
    (0..f.params().len()).any(|i| unsafe {
        let kind = llvm_sys::core::LLVMGetEnumAttributeKindForName(c"returned".as_ptr(), 8);
        !llvm_sys::core::LLVMGetEnumAttributeAtIndex(f.raw(), (i + 1) as u32, kind).is_null()
    })
}

/// Forget the rules registered on `f` (adc's own, which live only while
/// adc differentiates; see `rules::blas`).
pub fn unregister(f: Function) {
    for key in [FORWARD, AUGMENT, REVERSE, VJP] {
        f.remove_string_attr(key);
    }
}

/// Register rules for `f` as a table would (checked against `f`'s
/// signature): a forward rule and/or an augmented forward pass and reverse.
pub fn register_rules(
    f: Function,
    forward: Option<Function>,
    reverse: Option<(Function, Function)>,
) -> Result<()> {
    if let Some(fwd) = forward {
        check_forward(f, fwd)?;
    }
    if let Some((aug, rev)) = reverse {
        check_reverse(f, aug, rev)?;
    }
    if let Some(fwd) = forward {
        set_rule(f, FORWARD, fwd)?;
    }
    if let Some((aug, rev)) = reverse {
        set_rule(f, AUGMENT, aug)?;
        set_rule(f, REVERSE, rev)?;
    }
    Ok(())
}

fn mark_inactive(f: Function) {
    f.set_string_attr(INACTIVE, "");
    keep_calls(f);
}

fn mark_like(f: Function, like: &str) -> Result<()> {
    if crate::rules::lookup_call(like).is_none() {
        return Err(AdcError::Usage(format!(
            "`{}` is declared to behave like `{like}`, which has no derivative rule in adc (the \
             rule table has libm's functions: sin, exp, log1p, ...)",
            f.name()
        )));
    }
    f.set_string_attr(FUNCTION_LIKE, like);
    keep_calls(f);
    Ok(())
}

/// `{allocator, size argument index, "free's arguments", free}`: free's
/// arguments are the allocator's argument indices, -1 for the allocated
/// pointer.
fn read_allocation_like(name: &str, table: &[Value]) -> Result<()> {
    let bad = || {
        AdcError::Usage(format!(
            "`{name}` must be {{allocator, size argument index, \"free arguments\", free}}"
        ))
    };
    if table.len() != 4 {
        return Err(bad());
    }
    let alloc = table_function(table, 0, name)?;
    let size = constants::strip(table[1]);
    let size = if unsafe { !llvm_sys::core::LLVMIsAConstantPointerNull(size.0).is_null() } {
        0
    } else {
        size.const_u64().ok_or_else(bad)? as usize
    };
    let frees = c_string(table[2]).ok_or_else(bad)?;
    let free = table_function(table, 3, name)?;
    let pos: Vec<i64> = frees
        .split(',')
        .map(|s| s.trim().parse::<i64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad())?;
    let ptr_arg = pos.iter().position(|p| *p == -1).ok_or_else(bad)?;
    if size >= alloc.params().len() || !alloc.return_type().is_pointer() {
        return Err(bad());
    }
    alloc.set_string_attr(ALLOCATOR, &size.to_string());
    free.set_string_attr(DEALLOCATOR, &ptr_arg.to_string());
    keep_calls(alloc);
    keep_calls(free);
    Ok(())
}

/// `llvm.global.annotations`: what `__attribute__((annotate(...)))` left
/// (adc.h turns Enzyme's attributes into such annotations; Enzyme's clang
/// plugin writes `enzyme_function_like=NAME`).
/// Whether it found an Enzyme annotation.
fn read_annotations(m: LLVMModuleRef) -> Result<bool> {
    let Some(g) = constants::globals(m)
        .into_iter()
        .find(|g| g.name() == "llvm.global.annotations")
    else {
        return Ok(false);
    };
    let Some(init) = constants::initializer(g) else {
        return Ok(false);
    };
    let mut found = false;
    for entry in elements(init) {
        let fields = elements(entry);
        if fields.len() < 2 {
            continue;
        }
        let Some(text) = c_string(fields[1]) else {
            continue;
        };
        let target = constants::strip(fields[0]);
        let f = as_function(target);
        found |= text.starts_with("enzyme_");
        match (text.as_str(), f) {
            ("enzyme_inactive", Some(f)) => {
                mark_inactive(f);
            }
            ("enzyme_inactive", None) => {
                if let Some(gv) = as_global_variable(target) {
                    constants::set_flag(gv, constants::INACTIVE_GLOBAL);
                }
            }
            (t, Some(f)) if t.starts_with("enzyme_function_like=") => {
                mark_like(f, &t["enzyme_function_like=".len()..])?;
            }
            _ => {}
        }
    }
    Ok(found)
}

/// Enzyme's attributes written in the source but absent from the module:
/// clang without Enzyme's plugin drops attributes it does not know (with
/// a warning), and differentiating as if they were not there would give
/// another derivative than the one asked for. Looked for in the module's
/// main source file, when it can be read.
fn refuse_dropped_attributes(m: LLVMModuleRef) -> Result<()> {
    let mut len = 0usize;
    let p = unsafe { llvm_sys::core::LLVMGetSourceFileName(m, &mut len) };
    if p.is_null() || len == 0 {
        return Ok(());
    }
    let path = String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(p as *const u8, len) })
        .into_owned();
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(());
    };
    if meta.len() > 16 << 20 {
        return Ok(());
    }
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    for word in ["enzyme_inactive", "enzyme_function_like"] {
        let used = text.match_indices(word).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(before) && !ident(after)
        });
        if used {
            return Err(AdcError::Usage(format!(
                "{path} uses Enzyme's attribute `{word}`, which clang drops without Enzyme's \
                 plugin (warning: unknown attribute), so this module does not say what it \
                 asked: compile with -include adc_rules.h (crates/adc-runtime/include), which \
                 turns it into an annotation adc reads, or use the table form (ADC_INACTIVE, \
                 ADC_FUNCTION_LIKE)"
            )));
        }
    }
    Ok(())
}

/// Whether the user said something about `f` (a rule, inactive, like a
/// libm function, an allocator or its free).
pub fn registered(f: Function) -> bool {
    has_user_rule(f)
        || is_inactive(f)
        || f.string_attr(ALLOCATOR).is_some()
        || f.string_attr(DEALLOCATOR).is_some()
}

/// A function with a rule that the compiler inlined into code adc will
/// differentiate is an error: the rule cannot apply to its inlined body,
/// and differentiating that body would give another derivative than the
/// user's. (Found through debug info; clang -O1 and above inline before
/// adc sees the code.)
pub fn refuse_inlined(m: LLVMModuleRef, roots: &[Function]) -> Result<()> {
    let names: indexmap::IndexMap<String, Function> = crate::ir::functions(m)
        .into_iter()
        .filter(|f| registered(*f))
        .map(|f| (f.name(), f))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let mut seen = indexmap::IndexSet::new();
    for r in roots {
        for g in crate::ir::globals::call_tree(*r) {
            // (A body a rule replaces is not differentiated.)
            if !seen.insert(g) || has_user_rule(g) || is_inactive(g) {
                continue;
            }
            for i in g.blocks().into_iter().flat_map(|b| b.instructions()) {
                for n in crate::ir::debug_loc::inlined_from(i) {
                    if let Some(f) = names.get(&n) {
                        return Err(AdcError::unsupported(
                            i,
                            format!(
                                "`{}` has a derivative rule or annotation, but the compiler \
                                 inlined it into `{}` here, where the rule cannot apply: mark \
                                 it __attribute__((noinline)) (Rust: #[inline(never)]), or \
                                 give adc -O0 bitcode (adc optimizes it itself and keeps the \
                                 call)",
                                f.name(),
                                g.name()
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Loads and stores of the globals the user said carry no derivative,
/// through address arithmetic.
fn inactive_global_accesses(m: LLVMModuleRef) -> Vec<(Value, Vec<Value>)> {
    use llvm_sys::LLVMOpcode::*;
    let mut out = Vec::new();
    for g in constants::globals(m)
        .into_iter()
        .filter(|g| is_inactive_global(*g))
    {
        let mut found = Vec::new();
        let mut work = vec![g];
        let mut seen = indexmap::IndexSet::new();
        while let Some(p) = work.pop() {
            if !seen.insert(p) {
                continue;
            }
            for u in p.users() {
                match u.opcode() {
                    Some(LLVMLoad) => found.push(u),
                    Some(LLVMStore) if u.operand(1) == p => found.push(u),
                    Some(LLVMGetElementPtr) | Some(LLVMBitCast) => work.push(u),
                    None if unsafe { !llvm_sys::core::LLVMIsAConstantExpr(u.0).is_null() } => {
                        work.push(u)
                    }
                    _ => {}
                }
            }
        }
        out.push((g, found));
    }
    out
}

/// While adc optimizes the input before differentiating it, the accesses
/// of inactive globals are made volatile: forwarding a store of an active
/// value to a later load would carry the derivative past the global the
/// user said carries none. [`unpin_inactive_globals`] undoes it (unless the
/// program had volatile accesses of that global itself).
pub fn pin_inactive_globals(m: LLVMModuleRef) -> Vec<Value> {
    let mut pinned = Vec::new();
    for (g, accesses) in inactive_global_accesses(m) {
        let user_volatile = accesses
            .iter()
            .any(|a| unsafe { llvm_sys::core::LLVMGetVolatile(a.0) } != 0);
        if user_volatile {
            continue;
        }
        for a in accesses {
            unsafe { llvm_sys::core::LLVMSetVolatile(a.0, 1) };
        }
        pinned.push(g);
    }
    pinned
}

/// Undo [`pin_inactive_globals`] for the globals it pinned.
pub fn unpin_inactive_globals(m: LLVMModuleRef, pinned: &[Value]) {
    for (g, accesses) in inactive_global_accesses(m) {
        if pinned.contains(&g) {
            for a in accesses {
                unsafe { llvm_sys::core::LLVMSetVolatile(a.0, 0) };
            }
        }
    }
}
