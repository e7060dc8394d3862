//! Enzyme's C API: code written for Enzyme calls `__enzyme_autodiff(fn,
//! args...)` (reverse), `__enzyme_fwddiff` (forward), or the split pair
//! `__enzyme_augmentfwd` / `__enzyme_reverse`; adc replaces each call with
//! a call of a derivative it generates, reading the call as Enzyme v0.0.144
//! does (see [`call_site`] for the arguments, [`entry`] for the names and
//! [`fit`] for the result). Entry points adc does not implement, and
//! markers it does not know, are errors naming them.
//!
//! The split pair shares adc's tape: `__enzyme_augmentfwd` starts a tape
//! (in the caller's `enzyme_allocated` buffer, whose first 32 bytes hold the
//! tape's header and the rest its first chunk; otherwise in a small block
//! from malloc whose address is the tape handle) and runs the augmented
//! primal on it; `__enzyme_reverse` runs the adjoint from it and frees what
//! the tape grew into.

pub mod call_site;
pub mod entry;
pub mod fit;

use crate::error::{AdcError, Result};
use crate::forward::ForwardSynth;
use crate::ir::{functions, get_or_declare, Builder, Function, Type, Value};
use crate::reverse::ReverseSynth;
use crate::signature::Activity;
use call_site::{CallSite, ReturnActivity, Tape};
use entry::Entry;
use llvm_sys::prelude::LLVMModuleRef;
use llvm_sys::LLVMOpcode;

/// Bytes of the tape header (`%adc.tape`: base, length, capacity, first chunk).
const TAPE_HEADER: u64 = 32;
/// First chunk of a tape that `__enzyme_augmentfwd` allocates itself.
const OWN_TAPE_CHUNK: u64 = 224;

/// All calls of Enzyme entry points in the module, with their kind; a use
/// of an entry point adc does not implement is an error.
pub fn call_sites(m: LLVMModuleRef) -> Result<Vec<(Value, Entry)>> {
    let mut out = Vec::new();
    for f in functions(m) {
        let Some(kind) = entry::classify(&f.name()) else {
            continue;
        };
        for mut u in f.0.users() {
            // C++ with exceptions invokes it: the derivative does not unwind.
            if u.opcode() == Some(LLVMOpcode::LLVMInvoke) && u.called_value() == f.0 {
                u = crate::ir::source_copy::invoke_to_call(u).ok_or_else(|| {
                    AdcError::unsupported(
                        u,
                        "this Enzyme call is invoked with an unwind destination that starts with \
                         phis; compile with -fno-exceptions",
                    )
                })?;
            }
            let is_call = u.opcode() == Some(LLVMOpcode::LLVMCall) && u.called_value() == f.0;
            match kind {
                Err((name, what)) => {
                    return Err(AdcError::unsupported(
                        u,
                        format!(
                            "`{name}` ({what}) is part of Enzyme's API that adc does not \
                             implement yet; adc implements __enzyme_autodiff, __enzyme_fwddiff, \
                             __enzyme_augmentfwd and __enzyme_reverse"
                        ),
                    ))
                }
                Ok(e) if is_call => out.push((u, e)),
                Ok(_) => {
                    return Err(AdcError::unsupported(
                        u,
                        format!(
                            "`{}` is an Enzyme entry point; adc can only replace direct calls of \
                             it, not other uses of its address",
                            f.name()
                        ),
                    ))
                }
            }
        }
    }
    Ok(out)
}

/// The functions the module's Enzyme call sites differentiate, as far as
/// they can be read before lowering (errors are reported by [`lower`]).
pub fn targets(m: LLVMModuleRef) -> Vec<Function> {
    let mut out = Vec::new();
    for f in functions(m) {
        if !matches!(entry::classify(&f.name()), Some(Ok(_))) {
            continue;
        }
        for u in f.0.users() {
            let is_call = matches!(
                u.opcode(),
                Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke)
            ) && u.called_value() == f.0;
            if let Some(t) = is_call.then(|| call_site::target(u).ok()).flatten() {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// What [`lower`] did.
#[derive(Default)]
pub struct Lowered {
    /// Call sites replaced.
    pub sites: usize,
    /// Tape statistics of gradients built on the way (second order: an
    /// inner derivative is built before the call site that differentiates
    /// it is lowered).
    pub tape_stats: Vec<crate::reverse::TapeStats>,
}

/// Replace every Enzyme call site.
///
/// Second order (a function whose body calls an Enzyme entry point, itself
/// differentiated by another call site) is lowered inside out: the inner
/// sites first, their derivatives built, then the sites that differentiate
/// them, which now see ordinary code.
pub fn lower(
    m: LLVMModuleRef,
    fwd: &mut ForwardSynth,
    rev: &mut ReverseSynth,
    batchers: &mut crate::vector::Batchers,
) -> Result<Lowered> {
    refuse_unknown_registrations(m)?;
    replace_virtual_shadows(m)?;
    let mut todo = call_sites(m)?;
    let mut out = Lowered::default();
    let mut round = 0;
    while !todo.is_empty() {
        let mut ready = Vec::new();
        let mut later = Vec::new();
        for (call, e) in todo {
            let target = call_site::target(call)?;
            match nested_call_site(target) {
                Some(_) => later.push((call, e)),
                None => ready.push((call, e)),
            }
        }
        if ready.is_empty() {
            let (call, _) = later[0];
            return Err(AdcError::unsupported(
                call,
                "this Enzyme call differentiates a function that, through its callees, \
                 differentiates itself",
            ));
        }
        // One at a time: a site may use what an earlier one returned (the
        // tape of __enzyme_augmentfwd), which replacing that call rewrites.
        for (call, e) in ready {
            if e == Entry::Batch {
                lower_batch(call, batchers).map_err(|err| second_order(err, round))?;
                out.sites += 1;
                continue;
            }
            let site = CallSite::read(call, e)?;
            lower_one(&site, fwd, rev, batchers).map_err(|err| second_order(err, round))?;
            out.sites += 1;
        }
        // Build what this round asked for: the next round differentiates it,
        // and a derivative of a derivative fails here, where it can say so.
        if !later.is_empty() || round > 0 {
            let context = |err| second_order(err, round);
            fwd.finish().map_err(context)?;
            out.tape_stats.extend(rev.finish().map_err(context)?);
        }
        todo = later;
        round += 1;
    }
    define_markers(m);
    Ok(out)
}

/// `__enzyme_virtualreverse(f)` is `f` (see [`entry::VIRTUAL_SHADOW`]).
fn replace_virtual_shadows(m: LLVMModuleRef) -> Result<()> {
    for f in functions(m) {
        if !f.name().contains(entry::VIRTUAL_SHADOW) {
            continue;
        }
        for u in f.0.users() {
            let is_call = u.opcode() == Some(LLVMOpcode::LLVMCall) && u.called_value() == f.0;
            match u.call_args().first() {
                Some(&arg) if is_call && arg.ty() == u.ty() => {
                    u.replace_all_uses_with(arg);
                    u.erase();
                }
                _ => {
                    return Err(AdcError::unsupported(
                        u,
                        format!(
                            "`{}` is used other than as a call `p = {}(p)` of one pointer",
                            f.name(),
                            entry::VIRTUAL_SHADOW
                        ),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// An error met while differentiating a derivative adc made (round > 0)
/// says so: second order through call sites has limits of its own.
fn second_order(err: AdcError, round: usize) -> AdcError {
    match err {
        AdcError::Unsupported { site, reason } if round > 0 => AdcError::Unsupported {
            site,
            reason: format!(
                "{reason}\n  (while differentiating a derivative adc made for an inner Enzyme \
                 call site)"
            ),
        },
        e => e,
    }
}

/// Enzyme's globals that adc reads (`rules::custom`) or that only hint
/// at optimizations (`__enzyme_nofree`, `__enzyme_shouldrecompute`).
const KNOWN_GLOBALS: &[&str] = &[
    "__enzyme_register_gradient",
    "__enzyme_register_derivative",
    "__enzyme_register_splitderivative",
    "__enzyme_inactivefn",
    "__enzyme_inactive_global",
    "__enzyme_function_like",
    "__enzyme_allocation_like",
    "__enzyme_nofree",
    "__enzyme_shouldrecompute",
];

/// Another Enzyme global asks for something adc does not know: ignoring
/// it could give another derivative than the user's, so it is an error.
fn refuse_unknown_registrations(m: LLVMModuleRef) -> Result<()> {
    for g in crate::ir::constants::globals(m) {
        let name = g.name();
        if name.starts_with("__enzyme_") && !KNOWN_GLOBALS.iter().any(|k| name.contains(k)) {
            return Err(AdcError::Usage(format!(
                "the global `{name}` is part of Enzyme's registration API that adc does not \
                 read (adc reads {}); ignoring it could give another derivative than the one \
                 asked for: remove it, or differentiate with Enzyme",
                KNOWN_GLOBALS.join(", ")
            )));
        }
    }
    Ok(())
}

/// An Enzyme call in `f` or a function it calls, if any.
fn nested_call_site(f: Function) -> Option<Value> {
    let mut seen = indexmap::IndexSet::new();
    let mut todo = vec![f];
    while let Some(g) = todo.pop() {
        if !seen.insert(g) || g.is_declaration() {
            continue;
        }
        for i in g.blocks().into_iter().flat_map(|b| b.instructions()) {
            if let Some(c) = i.called_function() {
                if entry::classify(&c.name()).is_some() {
                    return Some(i);
                }
                todo.push(c);
            }
        }
    }
    None
}

/// Arguments of a derivative: each value, then its shadow where `twin`.
fn derivative_args(site: &CallSite, twin: impl Fn(Activity) -> bool) -> Vec<Value> {
    let mut a = Vec::new();
    for p in &site.params {
        a.push(p.value);
        if twin(p.activity) {
            match p.shadows.as_slice() {
                [] => a.push(p.value.ty().null()),
                lanes => a.extend(lanes),
            }
        }
    }
    a
}

fn is_dup(a: Activity) -> bool {
    matches!(a, Activity::Dup | Activity::DupNoNeed)
}

fn lower_one(
    site: &CallSite,
    fwd: &mut ForwardSynth,
    rev: &mut ReverseSynth,
    batchers: &mut crate::vector::Batchers,
) -> Result<()> {
    let call = site.call;
    let target = site.target;
    let acts = site.activities();
    let ctx = call.ty().context();
    let b = Builder::new(ctx);
    b.position_before(call);
    let ret = target.return_type();
    if site.options.primal_return && !matches!(site.entry, Entry::Forward | Entry::Reverse) {
        return Err(AdcError::unsupported(
            call,
            "enzyme_primal_return belongs to __enzyme_autodiff and __enzyme_fwddiff",
        ));
    }
    if !matches!(site.entry, Entry::AugmentedForward | Entry::ReverseSplit)
        && (site.options.allocated.is_some() || site.options.tape.is_some())
    {
        return Err(AdcError::unsupported(
            call,
            "enzyme_allocated and enzyme_tape belong to __enzyme_augmentfwd and __enzyme_reverse",
        ));
    }
    let seed = |b: &Builder| -> Value {
        match (site.options.seed, site.options.ret) {
            (Some(s), _) => s,
            (None, ReturnActivity::Const) => ret.null(),
            (None, ReturnActivity::Default) => fit::ones(b, ret),
        }
    };
    let width = site.options.width;
    if width > 1 && !matches!(site.entry, Entry::Forward | Entry::Reverse) {
        return Err(AdcError::unsupported(
            call,
            "enzyme_width: adc has vector mode in __enzyme_fwddiff and __enzyme_autodiff only; \
             call the split derivative once per direction",
        ));
    }
    if width > 1 && site.entry == Entry::Reverse && site.options.primal_return {
        return Err(AdcError::unsupported(
            call,
            "enzyme_width with enzyme_primal_return in reverse mode: take the primal result \
             from a separate call",
        ));
    }
    let results: Vec<Value> = match site.entry {
        Entry::Forward if width > 1 => {
            if site
                .params
                .iter()
                .any(|p| p.activity == Activity::Active && p.shadows.is_empty())
            {
                return Err(AdcError::unsupported(
                    call,
                    "a parameter marked enzyme_out in forward mode: pass it enzyme_dup with its \
                     tangents, or enzyme_const",
                ));
            }
            let m = target.module();
            crate::vector::clear_lane_shadows(&b, target, width);
            let batcher = batchers.width(m, ctx, width);
            let (g, info) = crate::vector::batched_tangent(fwd, batcher, target, &acts);
            let r = b.call(g, &derivative_args(site, Activity::has_shadow));
            let lanes = |b: &Builder| -> Vec<Value> {
                let t = b.extract_value(r, 1);
                (0..width)
                    .flat_map(|k| fit::leaves(b, b.extract_value(t, k)))
                    .collect()
            };
            match (info.paired, site.options.primal_return) {
                (true, true) if site.options.ret == ReturnActivity::Const => {
                    vec![b.extract_value(r, 0)]
                }
                (true, true) => [fit::leaves(&b, b.extract_value(r, 0)), lanes(&b)].concat(),
                (true, false) if site.options.ret == ReturnActivity::Const => Vec::new(),
                (true, false) => lanes(&b),
                (false, true) if !ret.is_void() => vec![r],
                (false, _) => Vec::new(),
            }
        }
        Entry::Forward => {
            if let Some(p) = site
                .params
                .iter()
                .position(|p| p.activity == Activity::Active && p.shadows.is_empty())
            {
                return Err(AdcError::unsupported(
                    call,
                    format!(
                        "parameter {} of `{}` is marked enzyme_out, which forward mode does not \
                         have: pass it enzyme_dup with its tangent, or enzyme_const",
                        p + 1,
                        target.name()
                    ),
                ));
            }
            crate::ir::globals::clear_shadows_for(&b, target);
            let (g, sig) = fwd.tangent_of(target, &acts);
            let r = b.call(g, &derivative_args(site, Activity::has_shadow));
            match (sig.paired_return, site.options.primal_return) {
                (true, true) if site.options.ret == ReturnActivity::Const => {
                    vec![b.extract_value(r, 0)]
                }
                (true, true) => fit::leaves(&b, r),
                (true, false) if site.options.ret == ReturnActivity::Const => Vec::new(),
                (true, false) => vec![b.extract_value(r, 1)],
                // Integer results: the primal value is all there is.
                (false, true) if !ret.is_void() => vec![r],
                (false, _) => Vec::new(),
            }
        }
        Entry::Reverse if site.options.primal_return => {
            // The primal result and the adjoints: the split pair on a tape
            // of this call's own gives both.
            let pair = split_pair(site, rev)?;
            crate::ir::globals::clear_shadows_for(&b, target);
            let tape = rev.tape_fns()?;
            let handle = own_tape(&b, target.module(), tape);
            let mut a = derivative_args(site, is_dup);
            a.push(handle);
            let primal = aug_primal(&b, b.call(pair.aug, &a), ret);
            a.pop();
            if ret.contains_float() {
                a.push(seed(&b));
            }
            a.push(handle);
            let adjoints = b.call(pair.rev, &a);
            release_own_tape(&b, target.module(), tape, handle);
            // Enzyme's order: the primal result first (its C++ header
            // then moves it last).
            [fit::leaves(&b, primal), fit::leaves(&b, adjoints)].concat()
        }
        Entry::Reverse if width > 1 => {
            // Reverse vector mode (vector::public_gradient_wrapper): the
            // gradient batched to N seeds, each seed as the call's; the
            // adjoints in Enzyme's order, each active argument's N lanes.
            rev.lanes = true;
            let (g, sig) = rev.gradient_of(target, &acts);
            let m = target.module();
            crate::vector::clear_lane_shadows(&b, target, width);
            let batcher = batchers.width(m, ctx, width);
            let gw = crate::vector::batched_gradient(batcher, &acts, g, sig.seeded_return);
            let mut a = derivative_args(site, is_dup);
            if sig.seeded_return {
                let s = seed(&b);
                a.extend(std::iter::repeat_n(s, width as usize));
            }
            let r = b.call(gw, &a);
            let n = sig.adjoints.len();
            let mut out = Vec::new();
            for j in 0..n {
                for k in 0..width {
                    let lane = b.extract_value(r, k);
                    let adj = if n == 1 {
                        lane
                    } else {
                        b.extract_value(lane, j as u32)
                    };
                    out.extend(fit::leaves(&b, adj));
                }
            }
            out
        }
        Entry::Reverse => {
            crate::ir::globals::clear_shadows_for(&b, target);
            let (g, sig) = rev.gradient_of(target, &acts);
            let mut a = derivative_args(site, is_dup);
            if sig.seeded_return {
                a.push(seed(&b));
            }
            let r = b.call(g, &a);
            fit::leaves(&b, r)
        }
        Entry::AugmentedForward => {
            let pair = split_pair(site, rev)?;
            crate::ir::globals::clear_shadows_for(&b, target);
            let tape = rev.tape_fns()?;
            let (handle, in_buffer) = match (site.options.tape, site.options.allocated) {
                (Some(Tape::Buffer(buf)), Some(size)) => {
                    if size < TAPE_HEADER + 8 {
                        return Err(AdcError::unsupported(
                            call,
                            format!(
                                "enzyme_allocated gives the tape {size} bytes; adc's tape needs \
                                 at least {} (a {TAPE_HEADER}-byte header, then its first chunk)",
                                TAPE_HEADER + 8
                            ),
                        ));
                    }
                    let chunk = b.byte_gep(buf, TAPE_HEADER);
                    let i64t = Type::i64(ctx);
                    b.call(
                        tape.init,
                        &[buf, chunk, i64t.const_int((size - TAPE_HEADER) as i64)],
                    );
                    (buf, true)
                }
                (_, Some(_)) => {
                    return Err(AdcError::unsupported(
                        call,
                        "enzyme_allocated needs enzyme_tape with the buffer of that size",
                    ))
                }
                (t, None) => {
                    let h = own_tape(&b, target.module(), tape);
                    if let Some(Tape::Buffer(p)) = t {
                        b.store(h, p);
                    }
                    (h, matches!(t, Some(Tape::Buffer(_))))
                }
            };
            let mut a = derivative_args(site, is_dup);
            a.push(handle);
            let r = aug_primal(&b, b.call(pair.aug, &a), ret);
            let primal = fit::leaves(&b, r);
            // The caller may keep the tape and the result in either order,
            // or only one of them.
            let want = call.ty();
            let handle = if in_buffer { vec![] } else { vec![handle] };
            let candidates = [
                [handle.clone(), primal.clone()].concat(),
                [primal.clone(), handle.clone()].concat(),
                handle.clone(),
                primal.clone(),
            ];
            candidates
                .iter()
                .find(|c| fit::fits(c, want))
                .cloned()
                .unwrap_or_else(|| [handle, primal].concat())
        }
        Entry::Batch => {
            return Err(AdcError::unsupported(
                call,
                "__enzyme_batch is lowered by lower_batch",
            ))
        }
        Entry::ReverseSplit => {
            let pair = split_pair(site, rev)?;
            let tape = rev.tape_fns()?;
            let ptr = Type::ptr(ctx);
            let (handle, own) =
                match (site.options.tape, site.options.allocated) {
                    (Some(Tape::Buffer(buf)), Some(_)) => (buf, false),
                    (Some(Tape::Buffer(p)), None) => (b.load(ptr, p), true),
                    (Some(Tape::Handle(h)), None) if h.ty().is_pointer() => (h, true),
                    (Some(Tape::Handle(_)), Some(_)) => {
                        return Err(AdcError::unsupported(
                            call,
                            "enzyme_allocated needs enzyme_tape with the buffer of that size",
                        ))
                    }
                    (Some(Tape::Handle(h)), None) => {
                        return Err(AdcError::unsupported(
                            call,
                            format!(
                            "the tape passed to __enzyme_reverse has type {}; pass the pointer \
                             __enzyme_augmentfwd returned",
                            h.ty().print()
                        ),
                        ))
                    }
                    (None, _) => return Err(AdcError::unsupported(
                        call,
                        "__enzyme_reverse needs the tape of __enzyme_augmentfwd: pass it last, \
                         or as enzyme_tape",
                    )),
                };
            let mut a = derivative_args(site, is_dup);
            if ret.contains_float() {
                a.push(seed(&b));
            }
            a.push(handle);
            let r = b.call(pair.rev, &a);
            if own {
                release_own_tape(&b, target.module(), tape, handle);
            } else {
                b.call(tape.free, &[handle]);
            }
            fit::leaves(&b, r)
        }
    };
    replace(site.call, site.sret, &b, results)
}

/// The primal result of an augmented primal (a pointer result comes with
/// its shadow).
fn aug_primal(b: &Builder, r: Value, ret: Type) -> Value {
    if ret.contains_pointer() {
        b.extract_value(r, 0)
    } else {
        r
    }
}

/// The split pair (augmented primal, adjoint) of the site's function.
fn split_pair(site: &CallSite, rev: &mut ReverseSynth) -> Result<crate::reverse::SplitPair> {
    rev.split_of(site.target, &site.activities())
        .ok_or_else(|| {
            AdcError::unsupported(
                site.call,
                format!(
                    "`{}` has stack objects of variable size, which the split pair \
                 __enzyme_augmentfwd / __enzyme_reverse cannot keep between the two calls; \
                 use __enzyme_autodiff",
                    site.target.name()
                ),
            )
        })
}

/// A tape of its own for `__enzyme_augmentfwd`: header and first chunk in
/// one malloc'd block, whose address is the handle.
fn own_tape(b: &Builder, m: LLVMModuleRef, tape: crate::reverse::tape::TapeFns) -> Value {
    let ctx = b.context();
    let i64t = Type::i64(ctx);
    let ptr = Type::ptr(ctx);
    let malloc = get_or_declare(m, "malloc", Type::function(ptr, &[i64t]));
    let h = b.call(
        malloc,
        &[i64t.const_int((TAPE_HEADER + OWN_TAPE_CHUNK) as i64)],
    );
    let chunk = b.byte_gep(h, TAPE_HEADER);
    b.call(
        tape.init,
        &[h, chunk, i64t.const_int(OWN_TAPE_CHUNK as i64)],
    );
    h
}

/// Free what a tape from [`own_tape`] grew into, and the tape itself.
fn release_own_tape(
    b: &Builder,
    m: LLVMModuleRef,
    tape: crate::reverse::tape::TapeFns,
    handle: Value,
) {
    let ctx = b.context();
    let ptr = Type::ptr(ctx);
    b.call(tape.free, &[handle]);
    let free = get_or_declare(m, "free", Type::function(Type::void(ctx), &[ptr]));
    b.call(free, &[handle]);
}

/// `__enzyme_batch`: a call of the target's batched form (every lane of
/// every vector parameter in order), its `[N x R]` result fitted to the
/// declared type.
fn lower_batch(call: Value, batchers: &mut crate::vector::Batchers) -> Result<()> {
    let site = call_site::BatchSite::read(call)?;
    let target = site.target;
    let ctx = call.ty().context();
    let b = Builder::new(ctx);
    b.position_before(call);
    let lanes: Vec<bool> = site.params.iter().map(|p| p.len() > 1).collect();
    let batcher = batchers.width(target.module(), ctx, site.width);
    let w = batcher.batched_primal(target, lanes);
    let args: Vec<Value> = site.params.iter().flatten().copied().collect();
    let r = b.call(w, &args);
    let results = if target.return_type().is_void() {
        Vec::new()
    } else {
        fit::leaves(&b, r)
    };
    replace(call, site.sret, &b, results)
}

/// Put `results` where the result of `call` goes (its `sret` pointer, or
/// its uses).
fn replace(
    call: Value,
    sret: Option<(Value, Type)>,
    b: &Builder,
    results: Vec<Value>,
) -> Result<()> {
    let mismatch = |why: String| AdcError::unsupported(call, why);
    if let Some((ptr, ty)) = sret {
        let v = fit::fit(b, results, ty).map_err(mismatch)?;
        b.store(v, ptr);
        call.erase();
        return Ok(());
    }
    let want = call.ty();
    if want.is_void() {
        call.erase();
        return Ok(());
    }
    let v = fit::fit(b, results, want).map_err(mismatch)?;
    call.replace_all_uses_with(v);
    call.erase();
    Ok(())
}

/// Marker globals still used after lowering (a marker loaded once and kept
/// in a variable) get weak definitions, so that the program links; each
/// marker has its own value, as with Enzyme's header.
fn define_markers(m: LLVMModuleRef) {
    use llvm_sys::core::*;
    unsafe {
        let mut g = LLVMGetFirstGlobal(m);
        let mut k = 0;
        while !g.is_null() {
            let next = LLVMGetNextGlobal(g);
            let v = Value(g);
            if v.name().starts_with("enzyme_") && LLVMIsDeclaration(g) != 0 {
                // Dead marker loads go first; a marker nobody reads goes too.
                for u in v.users() {
                    if u.opcode() == Some(LLVMOpcode::LLVMLoad) && u.users().is_empty() {
                        u.erase();
                    }
                }
                if v.users().is_empty() {
                    LLVMDeleteGlobal(g);
                } else {
                    k += 1;
                    let ty = LLVMGlobalGetValueType(g);
                    let init = if LLVMGetTypeKind(ty) == llvm_sys::LLVMTypeKind::LLVMIntegerTypeKind
                    {
                        LLVMConstInt(ty, 0x4144_4300 + k, 0)
                    } else {
                        LLVMConstNull(ty)
                    };
                    LLVMSetInitializer(g, init);
                    LLVMSetLinkage(g, llvm_sys::LLVMLinkage::LLVMWeakAnyLinkage);
                }
            }
            g = next;
        }
    }
}
