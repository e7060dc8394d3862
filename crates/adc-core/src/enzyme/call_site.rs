//! Reading the arguments of an Enzyme call site as Enzyme v0.0.144 reads
//! them: the function, then for each of its parameters optional markers,
//! the value and (for duplicated parameters) its shadow or tangent, then,
//! for the split-mode reverse, the seed of the result and the tape.
//!
//! A marker is an argument that names a global (or local) `enzyme_*`: a
//! load of `int enzyme_dup`, the global's address, a cast of either. An
//! unmarked argument gets Enzyme's default: in reverse mode a float is
//! active and a pointer duplicated, in forward mode both are duplicated
//! (followed by a tangent or shadow); integers are constant.

use super::entry::Entry;
use crate::error::{AdcError, Result};
use crate::ir::{Builder, Function, Type, Value};
use crate::signature::Activity;
use llvm_sys::core::{LLVMGetValueKind, LLVMIsAGlobalVariable, LLVMIsConstant};
use llvm_sys::{LLVMOpcode, LLVMValueKind};

/// The name of the `enzyme_*` object an argument refers to, if any.
pub fn marker_name(v: Value) -> Option<String> {
    let named = |g: Value| {
        let n = g.name();
        n.starts_with("enzyme_").then_some(n)
    };
    let is_global = |g: Value| unsafe { !LLVMIsAGlobalVariable(g.0).is_null() };
    if is_global(v) {
        return named(v);
    }
    match v.opcode() {
        Some(LLVMOpcode::LLVMLoad)
        | Some(LLVMOpcode::LLVMBitCast)
        | Some(LLVMOpcode::LLVMPtrToInt) => {
            let p = v.operand(0);
            if is_global(p) || p.opcode() == Some(LLVMOpcode::LLVMAlloca) {
                return named(p);
            }
            None
        }
        Some(LLVMOpcode::LLVMAlloca) => named(v),
        _ => {
            // A constant expression over the global.
            let constant_expr = unsafe {
                LLVMIsConstant(v.0) != 0
                    && LLVMGetValueKind(v.0) == LLVMValueKind::LLVMConstantExprValueKind
            };
            if constant_expr && v.num_operands() > 0 && is_global(v.operand(0)) {
                return named(v.operand(0));
            }
            None
        }
    }
}

/// One parameter of the differentiated function as the call site gives it.
#[derive(Clone, Debug)]
pub struct Param {
    pub activity: Activity,
    pub value: Value,
    /// The shadow (pointers) or tangent (forward-mode floats): one per
    /// lane with `enzyme_width`.
    pub shadows: Vec<Value>,
}

/// How the caller wants the result of the function treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnActivity {
    /// Enzyme's default: active for floats (seeded with 1 in reverse mode).
    Default,
    /// `enzyme_const_return`: no derivative of the result.
    Const,
}

/// Everything a call site says besides its parameters.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub ret: ReturnActivity,
    /// `enzyme_primal_return`: return the primal result with the derivative.
    pub primal_return: bool,
    /// `enzyme_allocated SIZE`: the tape lives in a buffer of SIZE bytes.
    pub allocated: Option<u64>,
    /// `enzyme_tape PTR` (a pointer to the tape's buffer), or the trailing
    /// tape argument of `__enzyme_reverse` (the tape itself).
    pub tape: Option<Tape>,
    /// The trailing seed of the result (`__enzyme_reverse`).
    pub seed: Option<Value>,
    /// `enzyme_width N`: N tangents per duplicated argument (vector mode).
    pub width: u32,
}

#[derive(Clone, Copy, Debug)]
pub enum Tape {
    /// `enzyme_tape PTR`: the tape's buffer.
    Buffer(Value),
    /// The value `__enzyme_augmentfwd` returned.
    Handle(Value),
}

/// A call site, read.
#[derive(Clone, Debug)]
pub struct CallSite {
    pub call: Value,
    pub entry: Entry,
    pub target: Function,
    /// The call returns through a leading `sret` pointer (a large struct).
    pub sret: Option<(Value, Type)>,
    pub params: Vec<Param>,
    pub options: Options,
}

/// Markers Enzyme documents that adc does not implement, with the feature
/// they belong to (so the error can say what to use instead).
const UNIMPLEMENTED: &[(&str, &str)] = &[
    ("enzyme_buffer", "vector mode (__enzyme_batch)"),
    ("enzyme_byref", "arguments passed by reference"),
    ("enzyme_nofree", "keeping the primal's memory alive"),
    (
        "enzyme_dup_return",
        "a duplicated result in reverse mode, or of a pointer",
    ),
    (
        "enzyme_active_return",
        "an active result that is not a float",
    ),
    ("enzyme_interface", "probabilistic programming"),
    ("enzyme_trace", "probabilistic programming"),
    ("enzyme_duptrace", "probabilistic programming"),
    ("enzyme_likelihood", "probabilistic programming"),
    ("enzyme_duplikelihood", "probabilistic programming"),
    ("enzyme_observations", "probabilistic programming"),
    ("enzyme_active_rand_var", "probabilistic programming"),
];

fn unsupported_marker(call: Value, name: &str) -> AdcError {
    let why = match UNIMPLEMENTED.iter().find(|(n, _)| *n == name) {
        Some((_, feature)) => format!(
            "the marker `{name}` ({feature}) is not supported by adc yet; remove it or \
             differentiate this function with `adc grad`"
        ),
        None => format!(
            "`{name}` is not a marker Enzyme knows (enzyme_dup, enzyme_dupnoneed, enzyme_out, \
             enzyme_const, enzyme_const_return, enzyme_primal_return, enzyme_noret, \
             enzyme_not_overwritten, enzyme_allocated, enzyme_tape)"
        ),
    };
    AdcError::unsupported(call, why)
}

/// Enzyme's activity for an unmarked parameter of type `t`.
fn default_activity(t: Type, forward: bool) -> Activity {
    if t.is_float() {
        if forward {
            Activity::Dup
        } else {
            Activity::Active
        }
    } else if t.is_pointer() {
        Activity::Dup
    } else {
        Activity::Const
    }
}

/// Undo the default argument promotions of `...` (float to double, small
/// integers to int) so that `v` has the parameter's type `want`; anything
/// else that does not match is an error.
fn convert(b: &Builder, call: Value, v: Value, want: Type, what: &str) -> Result<Value> {
    let have = v.ty();
    if have == want {
        return Ok(v);
    }
    if have.is_float_scalar() && want.is_float_scalar() {
        let widen = want.kind() == llvm_sys::LLVMTypeKind::LLVMDoubleTypeKind;
        let op = if widen {
            LLVMOpcode::LLVMFPExt
        } else {
            LLVMOpcode::LLVMFPTrunc
        };
        return Ok(b.cast(op, v, want));
    }
    if have.is_integer() && want.is_integer() && have.int_width() > want.int_width() {
        return Ok(b.cast(LLVMOpcode::LLVMTrunc, v, want));
    }
    if have.is_pointer() && want.is_pointer() {
        return Ok(b.cast(LLVMOpcode::LLVMAddrSpaceCast, v, want));
    }
    Err(AdcError::unsupported(
        call,
        format!(
            "{what} is passed as {}, but the parameter has type {}",
            have.print(),
            want.print()
        ),
    ))
}

/// Whether `v` is a call's `sret` argument.
fn sret_type(call: Value) -> Option<Type> {
    unsafe {
        let kind = llvm_sys::core::LLVMGetEnumAttributeKindForName(c"sret".as_ptr(), 4);
        let a = llvm_sys::core::LLVMGetCallSiteEnumAttribute(call.0, 1, kind);
        if a.is_null() {
            None
        } else {
            Some(Type(llvm_sys::core::LLVMGetTypeAttributeValue(a)))
        }
    }
}

/// The function an Enzyme call differentiates: its first argument (after an
/// sret pointer), possibly behind casts.
fn target_of(call: Value, arg: Value) -> Result<Function> {
    let mut v = arg;
    for _ in 0..8 {
        if v.is_function() {
            let f = Function(v);
            if f.is_declaration() {
                return Err(AdcError::unsupported(
                    call,
                    format!(
                        "`{}` has no body in this module (link its bitcode in first, e.g. with \
                         llvm-link)",
                        f.name()
                    ),
                ));
            }
            return Ok(f);
        }
        // -O0: the function kept in a local variable, or returned by a
        // function (a lambda's conversion to a function pointer).
        if let Some(f) = stored_once(v).or_else(|| returned_constant(v)) {
            v = f;
            continue;
        }
        let cast =
            matches!(
                v.opcode(),
                Some(LLVMOpcode::LLVMBitCast) | Some(LLVMOpcode::LLVMAddrSpaceCast)
            ) || unsafe { LLVMGetValueKind(v.0) == LLVMValueKind::LLVMConstantExprValueKind };
        if !cast || v.num_operands() == 0 {
            break;
        }
        v = v.operand(0);
    }
    Err(AdcError::unsupported(
        call,
        "the first argument of an Enzyme call must be the function to differentiate (a \
         function of this module, not a pointer computed at run time)",
    ))
}

/// The function an Enzyme call differentiates.
pub fn target(call: Value) -> Result<Function> {
    let args = call.call_args();
    let first = usize::from(sret_type(call).is_some());
    match args.get(first) {
        Some(&a) => target_of(call, a),
        None => Err(AdcError::unsupported(
            call,
            "an Enzyme call needs the function to differentiate as its first argument",
        )),
    }
}

/// What a load reads from a local variable that is stored to once.
fn stored_once(load: Value) -> Option<Value> {
    if load.opcode() != Some(LLVMOpcode::LLVMLoad) {
        return None;
    }
    let slot = load.operand(0);
    if slot.opcode() != Some(LLVMOpcode::LLVMAlloca) {
        return None;
    }
    let stores: Vec<Value> = slot
        .users()
        .into_iter()
        .filter(|u| u.opcode() == Some(LLVMOpcode::LLVMStore))
        .collect();
    match stores.as_slice() {
        [s] if s.operand(1) == slot => Some(s.operand(0)),
        _ => None,
    }
}

/// The constant every return of a called function returns.
fn returned_constant(call: Value) -> Option<Value> {
    let f = call.called_function().filter(|f| !f.is_declaration())?;
    let mut found = None;
    for b in f.blocks() {
        let t = b.terminator()?;
        if t.opcode() == Some(LLVMOpcode::LLVMRet) {
            let mut r = t.operand(0);
            if let Some(x) = stored_once(r) {
                r = x;
            }
            if !r.is_function() || found.is_some_and(|g| g != r) {
                return None;
            }
            found = Some(r);
        }
    }
    found
}

impl CallSite {
    /// Read `call`, an Enzyme call of kind `entry`; conversions of promoted
    /// arguments are inserted before it.
    pub fn read(call: Value, entry: Entry) -> Result<CallSite> {
        let args = call.call_args();
        let sret = sret_type(call).map(|t| (args[0], t));
        let first = usize::from(sret.is_some());
        let target = target(call)?;
        let forward = entry.is_forward();
        let target_returns_float = target.return_type().is_float();
        let b = Builder::new(call.ty().context());
        b.position_before(call);
        let mut options = Options {
            ret: ReturnActivity::Default,
            primal_return: false,
            allocated: None,
            tape: None,
            seed: None,
            width: 1,
        };
        let params = target.params();
        let mut out = Vec::new();
        let mut i = first + 1;
        let mut extra = Vec::new();
        let too_few = |p: usize| {
            AdcError::unsupported(
                call,
                format!(
                    "too few arguments: parameter {} of `{}` (it has {}) has no value",
                    p + 1,
                    target.name(),
                    params.len()
                ),
            )
        };
        let mut act: Option<Activity> = None;
        // `enzyme_dupv OFFSET`: the argument's lanes share one shadow
        // pointer, lane k at OFFSET * k bytes from it.
        let mut lane_offset: Option<Value> = None;
        while i < args.len() {
            if let Some(name) = marker_name(args[i]) {
                i += 1;
                match name.as_str() {
                    "enzyme_dup" => act = Some(Activity::Dup),
                    "enzyme_dupnoneed" => act = Some(Activity::DupNoNeed),
                    "enzyme_dupv" | "enzyme_dupnoneedv" => {
                        act = Some(if name == "enzyme_dupv" {
                            Activity::Dup
                        } else {
                            Activity::DupNoNeed
                        });
                        let offset = args.get(i).copied().filter(|v| v.ty().is_integer());
                        lane_offset = Some(offset.ok_or_else(|| {
                            AdcError::unsupported(
                                call,
                                format!(
                                    "{name} must be followed by the byte offset between the \
                                     shadows of its lanes (an integer)"
                                ),
                            )
                        })?);
                        i += 1;
                    }
                    "enzyme_out" => act = Some(Activity::Active),
                    "enzyme_const" => act = Some(Activity::Const),
                    // Hints that change nothing adc does.
                    "enzyme_noret" | "enzyme_not_overwritten" => {}
                    "enzyme_const_return" => options.ret = ReturnActivity::Const,
                    // What Enzyme does by default for a float result: in
                    // reverse mode it is seeded (active), in forward mode its
                    // tangent is returned (duplicated).
                    "enzyme_active_return" if !forward && target_returns_float => {}
                    "enzyme_dup_return" if forward && target_returns_float => {}
                    "enzyme_primal_return" => options.primal_return = true,
                    "enzyme_allocated" => {
                        let size = args.get(i).and_then(|v| v.const_u64()).ok_or_else(|| {
                            AdcError::unsupported(
                                call,
                                "enzyme_allocated must be followed by a constant size in bytes",
                            )
                        })?;
                        options.allocated = Some(size);
                        i += 1;
                    }
                    "enzyme_width" => {
                        let n = width_at(call, &args, i)?;
                        if !out.is_empty() {
                            return Err(AdcError::unsupported(
                                call,
                                "enzyme_width must come before the arguments",
                            ));
                        }
                        options.width = n;
                        i += 1;
                    }
                    "enzyme_tape" => {
                        let t = args.get(i).copied().ok_or_else(|| {
                            AdcError::unsupported(call, "enzyme_tape must be followed by the tape")
                        })?;
                        options.tape = Some(Tape::Buffer(t));
                        i += 1;
                    }
                    other => return Err(unsupported_marker(call, other)),
                }
                continue;
            }
            let p = out.len();
            if p >= params.len() {
                extra.push(args[i]);
                i += 1;
                continue;
            }
            let Some(&v) = args.get(i) else {
                return Err(too_few(p));
            };
            i += 1;
            let t = params[p].ty();
            let act = act.take().unwrap_or(default_activity(t, forward));
            let what = format!("parameter {} of `{}`", p + 1, target.name());
            let value = convert(&b, call, v, t, &what)?;
            let takes_shadow = matches!(act, Activity::Dup | Activity::DupNoNeed);
            let fits = match act {
                Activity::Const => true,
                Activity::Active => t.is_float(),
                Activity::Dup | Activity::DupNoNeed => t.is_pointer() || (forward && t.is_float()),
            };
            if !fits {
                return Err(AdcError::unsupported(
                    call,
                    format!(
                        "{what} has type {}, which cannot be {} {}",
                        t.print(),
                        match act {
                            Activity::Active => "enzyme_out",
                            Activity::Dup => "enzyme_dup",
                            Activity::DupNoNeed => "enzyme_dupnoneed",
                            Activity::Const => "enzyme_const",
                        },
                        if forward {
                            "in forward mode"
                        } else {
                            "in reverse mode"
                        }
                    ),
                ));
            }
            let mut shadows = Vec::new();
            if let Some(offset) = lane_offset.take() {
                if !t.is_pointer() {
                    return Err(AdcError::unsupported(
                        call,
                        format!("{what} is enzyme_dupv, which needs a pointer"),
                    ));
                }
                let base = args.get(i).copied().ok_or_else(|| {
                    AdcError::unsupported(call, format!("{what} is enzyme_dupv but has no shadow"))
                })?;
                i += 1;
                let base = convert(&b, call, base, t, &format!("the shadow of {what}"))?;
                let i64t = Type::i64(call.ty().context());
                let offset = if offset.ty().int_width() < 64 {
                    b.cast(LLVMOpcode::LLVMSExt, offset, i64t)
                } else {
                    offset
                };
                let i8t = Type::i8(call.ty().context());
                for lane in 0..options.width {
                    let at = b.mul(offset, i64t.const_int(lane as i64));
                    shadows.push(b.gep(i8t, base, at));
                }
            }
            for lane in 0..if takes_shadow && shadows.is_empty() {
                options.width
            } else {
                0
            } {
                let s = args.get(i).copied().ok_or_else(|| {
                    AdcError::unsupported(
                        call,
                        format!(
                            "{what} is duplicated but the call gives {} {} after it{}",
                            if lane == 0 {
                                "no".to_string()
                            } else {
                                format!("only {lane}")
                            },
                            if t.is_float() { "tangent" } else { "shadow" },
                            if options.width > 1 {
                                format!(" (enzyme_width {} asks for that many)", options.width)
                            } else {
                                String::new()
                            }
                        ),
                    )
                })?;
                i += 1;
                shadows.push(convert(&b, call, s, t, &format!("the shadow of {what}"))?);
            }
            // A float with a tangent is what adc calls an active float.
            let activity = if forward && t.is_float() && takes_shadow {
                Activity::Active
            } else {
                act
            };
            out.push(Param {
                activity,
                value,
                shadows,
            });
        }
        if out.len() < params.len() {
            return Err(too_few(out.len()));
        }
        if act.is_some() {
            return Err(AdcError::unsupported(
                call,
                "the call ends with an activity marker that no argument follows",
            ));
        }
        // Trailing arguments: `__enzyme_reverse` takes the seed of a float
        // result, then the tape; nothing else takes any.
        let mut extra = extra.into_iter();
        if entry == Entry::ReverseSplit {
            let ret = target.return_type();
            if ret.contains_float() && options.ret == ReturnActivity::Default {
                if let Some(s) = extra.next() {
                    options.seed = Some(convert(&b, call, s, ret, "the seed of the result")?);
                }
            }
            if options.tape.is_none() {
                options.tape = extra.next().map(Tape::Handle);
            }
        }
        if let Some(x) = extra.next() {
            return Err(AdcError::unsupported(
                call,
                format!(
                    "more arguments than `{}` has parameters ({}); the first extra one is {}",
                    target.name(),
                    params.len(),
                    x.print().trim()
                ),
            ));
        }
        Ok(CallSite {
            call,
            entry,
            target,
            sret,
            params: out,
            options,
        })
    }

    pub fn activities(&self) -> Vec<Activity> {
        self.params.iter().map(|p| p.activity).collect()
    }
}

/// The constant after an `enzyme_width` marker (argument `i`): 1 to 64.
fn width_at(call: Value, args: &[Value], i: usize) -> Result<u32> {
    let n = args
        .get(i)
        .and_then(|v| v.const_u64())
        .filter(|n| (1..=64).contains(n));
    n.map(|n| n as u32).ok_or_else(|| {
        AdcError::unsupported(
            call,
            "enzyme_width must be followed by a constant number of lanes, 1 to 64, before the \
             arguments",
        )
    })
}

/// An `__enzyme_batch` call, read: the function run on `width` sets of
/// arguments at once. A parameter is `enzyme_vector` by default (`width`
/// values follow) or `enzyme_scalar` (one value for every lane).
#[derive(Clone, Debug)]
pub struct BatchSite {
    pub call: Value,
    pub target: Function,
    pub sret: Option<(Value, Type)>,
    pub width: u32,
    /// Per parameter: one value (scalar) or `width` (vector).
    pub params: Vec<Vec<Value>>,
}

impl BatchSite {
    pub fn read(call: Value) -> Result<BatchSite> {
        let args = call.call_args();
        let sret = sret_type(call).map(|t| (args[0], t));
        let first = usize::from(sret.is_some());
        let target = target(call)?;
        let b = Builder::new(call.ty().context());
        b.position_before(call);
        let params = target.params();
        let mut width = None;
        let mut vector = true;
        let mut out: Vec<Vec<Value>> = Vec::new();
        let mut i = first + 1;
        while i < args.len() {
            if let Some(name) = marker_name(args[i]) {
                i += 1;
                match name.as_str() {
                    "enzyme_width" => {
                        width = Some(width_at(call, &args, i)?);
                        i += 1;
                    }
                    "enzyme_vector" => vector = true,
                    "enzyme_scalar" => vector = false,
                    other => return Err(unsupported_marker(call, other)),
                }
                continue;
            }
            let Some(n) = width else {
                return Err(AdcError::unsupported(
                    call,
                    "__enzyme_batch needs enzyme_width N before the arguments",
                ));
            };
            let p = out.len();
            let Some(param) = params.get(p) else {
                return Err(AdcError::unsupported(
                    call,
                    format!("more arguments than `{}` has parameters", target.name()),
                ));
            };
            let count = if vector { n as usize } else { 1 };
            let what = format!("parameter {} of `{}`", p + 1, target.name());
            let mut lanes = Vec::new();
            for _ in 0..count {
                let v = args.get(i).copied().ok_or_else(|| {
                    AdcError::unsupported(
                        call,
                        format!("{what} has fewer than {count} values (one per lane)"),
                    )
                })?;
                lanes.push(convert(&b, call, v, param.ty(), &what)?);
                i += 1;
            }
            out.push(lanes);
            vector = true;
        }
        if out.len() < params.len() {
            return Err(AdcError::unsupported(
                call,
                format!(
                    "too few arguments: parameter {} of `{}` (it has {}) has no value",
                    out.len() + 1,
                    target.name(),
                    params.len()
                ),
            ));
        }
        Ok(BatchSite {
            call,
            target,
            sret,
            width: width.unwrap_or(1),
            params: out,
        })
    }
}
