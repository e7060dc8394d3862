//! Enzyme-compatible call sites.
//!
//! C code written for Enzyme calls `__enzyme_autodiff(fn, args...)` (reverse)
//! and `__enzyme_fwddiff(fn, args...)` (forward); any function whose name
//! starts with those prefixes counts, so a user can declare variants with
//! other return types. Before an argument, a marker (a load of the global
//! `enzyme_dup`, `enzyme_const`, `enzyme_out` or `enzyme_dupnoneed`) sets the
//! activity of the next parameter; without one, floats are active in reverse
//! mode and constant in forward mode, pointers duplicated, integers constant.
//! A duplicated parameter is followed by its shadow (in forward mode, a
//! duplicated float by its tangent). adc replaces each call with a call of
//! the derivative it generates: the reverse one seeded with 1 and returning
//! the adjoints of the active floats, the forward one returning the tangent.

use crate::error::{AdcError, Result};
use crate::forward::ForwardSynth;
use crate::ir::{functions, Builder, Function, Value};
use crate::reverse::ReverseSynth;
use crate::signature::Activity;
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::LLVMOpcode;

const REVERSE: &str = "__enzyme_autodiff";
const FORWARD: &str = "__enzyme_fwddiff";

/// The marker an argument is, if it is one.
fn marker(v: Value) -> Option<Activity> {
    if v.opcode() != Some(LLVMOpcode::LLVMLoad) {
        return None;
    }
    match v.operand(0).name().as_str() {
        "enzyme_dup" => Some(Activity::Dup),
        "enzyme_const" => Some(Activity::Const),
        "enzyme_out" => Some(Activity::Active),
        "enzyme_dupnoneed" => Some(Activity::DupNoNeed),
        _ => None,
    }
}

/// All call sites of `__enzyme_autodiff*` / `__enzyme_fwddiff*` in the module.
pub fn enzyme_call_sites(m: LLVMModuleRef) -> Vec<(Value, bool)> {
    let mut out = Vec::new();
    for f in functions(m) {
        let name = f.name();
        let forward = name.starts_with(FORWARD);
        if !(forward || name.starts_with(REVERSE)) {
            continue;
        }
        for u in f.0.users() {
            if u.opcode() == Some(LLVMOpcode::LLVMCall) && u.called_value() == f.0 {
                out.push((u, forward));
            }
        }
    }
    out
}

/// Replace every Enzyme call site; returns how many were replaced.
pub fn lower(m: LLVMModuleRef, fwd: &mut ForwardSynth, rev: &mut ReverseSynth) -> Result<usize> {
    let sites = enzyme_call_sites(m);
    for &(call, forward) in &sites {
        lower_one(call, forward, fwd, rev)?;
    }
    Ok(sites.len())
}

fn lower_one(
    call: Value,
    forward: bool,
    fwd: &mut ForwardSynth,
    rev: &mut ReverseSynth,
) -> Result<()> {
    let args = call.call_args();
    let Some(target) = args
        .first()
        .copied()
        .filter(|v| v.is_function())
        .map(Function)
    else {
        return Err(AdcError::unsupported(
            call,
            "the first argument of an Enzyme call must be the function to differentiate",
        ));
    };
    if target.is_declaration() {
        return Err(AdcError::unsupported(
            call,
            format!("`{}` has no body in this module", target.name()),
        ));
    }
    // Walk parameters and arguments together.
    let mut acts = Vec::new();
    let mut primal = Vec::new(); // per parameter: (value, shadow or tangent)
    let mut rest = args[1..].iter().copied().peekable();
    for (i, p) in target.params().into_iter().enumerate() {
        let mut act = None;
        while let Some(m) = rest.peek().and_then(|v| marker(*v)) {
            act = Some(m);
            rest.next();
        }
        let missing = || {
            AdcError::unsupported(
                call,
                format!(
                    "too few arguments for parameter {} of `{}`",
                    i + 1,
                    target.name()
                ),
            )
        };
        let v = rest.next().ok_or_else(missing)?;
        let t = p.ty();
        let act = act.unwrap_or(if t.is_float() {
            if forward {
                Activity::Const
            } else {
                Activity::Active
            }
        } else if t.is_pointer() {
            Activity::Dup
        } else {
            Activity::Const
        });
        let takes_shadow = matches!(act, Activity::Dup | Activity::DupNoNeed);
        let shadow = if takes_shadow {
            Some(rest.next().ok_or_else(missing)?)
        } else {
            None
        };
        // In forward mode a duplicated float is an active float with its tangent.
        let act = if forward && t.is_float() && takes_shadow {
            Activity::Active
        } else {
            act
        };
        if (act == Activity::Active && !t.is_float())
            || (takes_shadow && !t.is_float() && !t.is_pointer())
        {
            return Err(AdcError::unsupported(
                call,
                format!(
                    "parameter {} of `{}` has type {}, which cannot be {act:?}",
                    i + 1,
                    target.name(),
                    t.print()
                ),
            ));
        }
        acts.push(act);
        primal.push((v, shadow));
    }
    if rest.next().is_some() {
        return Err(AdcError::unsupported(
            call,
            format!("more arguments than `{}` has parameters", target.name()),
        ));
    }
    let b = Builder::new(call.ty().context());
    b.position_before(call);
    crate::ir::globals::clear_shadows_for(&b, target);
    let result = if forward {
        let (g, sig) = fwd.tangent_of(target, &acts);
        let mut a = Vec::new();
        for ((v, s), act) in primal.iter().zip(&acts) {
            a.push(*v);
            if act.has_shadow() {
                a.push(s.unwrap_or_else(|| v.ty().null()));
            }
        }
        let r = b.call(g, &a);
        if sig.paired_return {
            b.extract_value(r, 1)
        } else {
            r
        }
    } else {
        let (g, sig) = rev.gradient_of(target, &acts);
        let mut a = Vec::new();
        for ((v, s), act) in primal.iter().zip(&acts) {
            a.push(*v);
            if matches!(act, Activity::Dup | Activity::DupNoNeed) {
                a.push(s.expect("shadow"));
            }
        }
        if sig.seeded_return {
            a.push(target.return_type().const_float(1.0));
        }
        b.call(g, &a)
    };
    let want = call.ty();
    if want.is_void() {
        call.erase();
        return Ok(());
    }
    if result.ty() != want {
        return Err(AdcError::unsupported(
            call,
            format!(
                "this call site expects {}, but the derivative of `{}` returns {}",
                want.print(),
                target.name(),
                result.ty().print()
            ),
        ));
    }
    call.replace_all_uses_with(result);
    call.erase();
    Ok(())
}
