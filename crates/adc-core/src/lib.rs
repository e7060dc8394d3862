//! adc-core: automatic differentiation of LLVM IR.
//!
//! The pipeline (DESIGN.md): load -> preprocess -> analyses -> synthesis ->
//! postprocess -> verify -> emit. [`differentiate`] runs the middle of it on
//! a module the caller loaded with [`ir::module_io::load`].

pub mod analysis;
pub mod bindings;
pub mod check;
pub mod checkpoint;
pub mod enzyme;
pub mod error;
pub mod forward;
pub mod info;
pub mod ir;
pub mod jacobian;
pub mod jit;
pub mod reverse;
pub mod rules;
pub mod second_order;
pub mod signature;
pub mod vector;

use error::{AdcError, Result};
use inkwell::module::Module;
use ir::{functions, get_function, passes, Function};
use signature::Activity;

pub use indexmap;
pub use inkwell;

/// Which derivative to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Tangents: `FN_fwd`.
    Forward,
    /// Adjoints: `FN_grad`.
    Reverse,
}

/// One function to differentiate.
#[derive(Clone, Debug)]
pub struct Target {
    pub name: String,
    /// `--activity` list (`const,active,...`); `None` for the defaults.
    pub activity: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub targets: Vec<Target>,
    pub mode: Mode,
    /// Run the O2 cleanup on the result (on by default; off helps debugging).
    pub optimize: bool,
    /// Vector mode (forward only): tangents per call, `FN_fwdN` for N > 1.
    pub width: u32,
    /// `--type-hint`: what copies hold when the type analysis cannot tell.
    pub type_hint: Option<reverse::TypeHint>,
    /// `--checkpoint`: loops whose reverse follows a binomial schedule.
    pub checkpoints: Vec<checkpoint::Request>,
    /// `--tape-limit`: bytes for the snapshots of the loops adc chooses.
    pub tape_limit: Option<u64>,
}

/// A function adc generated, with its C declarations.
#[derive(Clone, Debug)]
pub struct Generated {
    pub name: String,
    pub c_prototype: String,
    /// A `typedef struct` for gradients that return several adjoints.
    pub c_typedef: Option<String>,
}

/// What [`differentiate`] made.
#[derive(Clone, Debug, Default)]
pub struct Output {
    pub generated: Vec<Generated>,
    /// Tape layout of each gradient function (reverse mode).
    pub tape_stats: Vec<reverse::TapeStats>,
    /// Enzyme-style call sites replaced (`__enzyme_autodiff`, `__enzyme_fwddiff`).
    pub lowered_call_sites: usize,
    /// One line per checkpointed loop (`--stats`).
    pub checkpoints: Vec<String>,
    /// Wall time of each phase (`--time`): preprocessing, checkpointed
    /// loops, synthesis, verification, cleanup.
    pub phases: Vec<(&'static str, std::time::Duration)>,
}

/// The public name of `name`'s derivative: `FN_fwd`, `FN_grad`, and with
/// N > 1 tangents or seeds per call `FN_fwdN`, `FN_gradN`.
pub fn derivative_name(name: &str, mode: Mode, width: u32) -> String {
    match mode {
        Mode::Forward if width > 1 => format!("{name}_fwd{width}"),
        Mode::Forward => format!("{name}_fwd"),
        Mode::Reverse if width > 1 => format!("{name}_grad{width}"),
        Mode::Reverse => format!("{name}_grad"),
    }
}

/// Differentiate the requested functions of `module` in place, adding the
/// derivative functions, and replace Enzyme-style call sites (see [`enzyme`]);
/// with no targets it only does the latter. The module passes the LLVM
/// verifier afterwards.
pub fn differentiate(module: &Module, opts: &Options) -> Result<Output> {
    let m = module.as_mut_ptr();
    let ctx = module.get_context().raw();
    let defined: Vec<Function> = functions(m)
        .into_iter()
        .filter(|f| !f.is_declaration())
        .collect();
    let mut wanted = Vec::new();
    for t in &opts.targets {
        match get_function(m, &t.name) {
            Some(f) if !f.is_declaration() => wanted.push(f),
            _ => {
                return Err(AdcError::UnknownFunction {
                    name: t.name.clone(),
                    defined: defined.iter().map(|f| f.name()).collect(),
                })
            }
        }
    }
    let mut clock = std::time::Instant::now();
    let mut lap = |out: &mut Output, what: &'static str| {
        let now = std::time::Instant::now();
        out.phases.push((what, now - clock));
        clock = now;
    };
    prepare(module, &wanted)?;
    let mut out = Output::default();
    lap(&mut out, "preprocess (O2 of -O0 input, adc's passes)");
    if !opts.checkpoints.is_empty() || opts.tape_limit.is_some() {
        if opts.mode != Mode::Reverse || opts.width > 1 {
            return Err(AdcError::Usage(
                "--checkpoint and --tape-limit are for reverse mode with one seed per call (its schedule runs the \
                 loop's reverse; forward mode keeps no tape)"
                    .into(),
            ));
        }
        out.checkpoints = checkpoint::prepare(m, &wanted, &opts.checkpoints, opts.tape_limit)?;
        lap(&mut out, "checkpointed loops");
    }

    let mut forward = forward::ForwardSynth::new(m, ctx);
    let mut reverse = reverse::ReverseSynth::new(m, ctx);
    reverse.type_hint = opts.type_hint.clone();
    forward.type_hint = opts.type_hint.clone();
    // Public functions whose derivative recurses: they run on a larger stack.
    let mut deep = Vec::new();
    if opts.width == 0 {
        return Err(AdcError::Usage(
            "--width takes a number of tangents (or seeds) of at least 1".into(),
        ));
    }
    reverse.lanes = opts.width > 1 && opts.mode == Mode::Reverse;
    if opts.width > 1 && ir::openmp::has_regions(m) {
        return Err(AdcError::Usage(
            "vector mode (--width) of code with OpenMP parallel regions: adc differentiates \
             parallel regions with one tangent or seed per call"
                .into(),
        ));
    }
    let mut vectors = Vec::new();
    let mut reverse_vectors = Vec::new();
    for (t, f) in opts.targets.iter().zip(&wanted) {
        let acts: Vec<Activity> = match &t.activity {
            Some(list) => signature::parse_activity(*f, list)?,
            None => signature::default_activity(*f),
        };
        let name = derivative_name(&t.name, opts.mode, opts.width);
        if get_function(m, &name).is_some() {
            return Err(AdcError::Usage(format!(
                "the module already has a function named `{name}`"
            )));
        }
        let gen = match opts.mode {
            Mode::Forward if opts.width > 1 => {
                // Built once the tangent functions have bodies (below).
                forward.tangent_of(*f, &acts);
                vectors.push((*f, acts.clone(), name.clone()));
                continue;
            }
            Mode::Forward => {
                let w = forward.public_wrapper(*f, &acts, &name)?;
                signature::forward_declarations(&name, w.fn_type())
            }
            Mode::Reverse if opts.width > 1 => {
                // Batched once the gradients have bodies (below).
                let (g, sig) = reverse.gradient_of(*f, &acts);
                reverse_vectors.push((*f, acts.clone(), g, sig.seeded_return, name.clone()));
                continue;
            }
            Mode::Reverse => {
                reverse.public_wrapper(*f, &acts, &name)?;
                signature::gradient_declarations(*f, &acts, &name)
            }
        };
        if ir::stack_switch::reaches_recursion(*f) {
            deep.push(gen.name.clone());
        }
        out.generated.push(gen);
    }
    let mut batchers = vector::Batchers::default();
    let lowered = enzyme::lower(m, &mut forward, &mut reverse, &mut batchers)?;
    out.lowered_call_sites = lowered.sites;
    out.tape_stats = lowered.tape_stats;
    if let Err(e) = forward.finish() {
        crate::ir::source_copy::remove_copies(m);
        return Err(e);
    }
    let batched = (|| {
        for (f, acts, name) in &vectors {
            let batcher = batchers.width(m, ctx, opts.width);
            let w = vector::public_wrapper(&mut forward, batcher, *f, acts, name)?;
            out.generated.push(signature::vector_declarations(
                name,
                w.fn_type(),
                opts.width,
            ));
        }
        // (Batching declares no new tangent functions: callees have theirs.)
        if batchers.is_empty() {
            return Ok(());
        }
        batchers.finish(&vector::tangent_functions(&forward))
    })();
    if let Err(e) = batched {
        crate::ir::source_copy::remove_copies(m);
        return Err(e);
    }
    let built = reverse.finish().and_then(|stats| {
        for (f, acts, g, seeded, name) in &reverse_vectors {
            let batcher = batchers.width(m, ctx, opts.width);
            let w = vector::public_gradient_wrapper(batcher, *f, acts, *g, *seeded, name)?;
            out.generated.push(signature::vector_gradient_declarations(
                name,
                w.fn_type(),
                opts.width,
                *seeded,
                !g.return_type().is_void(),
            ));
        }
        // Batched gradients (above, or from Enzyme call sites), with their
        // split-mode callees.
        if batchers.has_pending() {
            let mut known = vector::tangent_functions(&forward);
            known.extend(vector::split_functions(&reverse.split_pairs()));
            batchers.finish(&known)?;
        }
        if batchers.has_pending() {
            return Err(AdcError::Llvm(
                "internal error: a batched derivative's source has no body".into(),
            ));
        }
        Ok(stats)
    });
    crate::ir::source_copy::remove_copies(m);
    rules::blas::internalize(m);
    out.tape_stats.extend(built?);
    for name in &deep {
        if let Some(w) = get_function(m, name) {
            ir::stack_switch::wrap(m, w)?;
        }
    }
    ir::stack_switch::unmark(m);
    checkpoint::finish(m);
    ir::metadata::strip_lane_objects(m);
    ir::iteration_count::resolve(m);
    ir::openmp::restore(m);
    lap(&mut out, "synthesis (analyses, derivatives)");
    verify(module)?;
    lap(&mut out, "verify");
    if opts.optimize {
        let held = ir::huge_blocks::hold_off_slp(m);
        let r = passes::run(module, passes::POSTPROCESS);
        ir::huge_blocks::release(m, held);
        r?;
        lap(&mut out, "cleanup (O2)");
        if ir::huge_blocks::reshape(m) {
            lap(&mut out, "huge blocks reshaped for code generation");
        }
        verify(module)?;
        lap(&mut out, "verify");
    }
    Ok(out)
}

/// The passes before analysis. Input from clang -O0 (`optnone noinline`
/// everywhere: every C++ accessor a call, every value in memory) or rustc
/// -C opt-level=0 (no mark, but values in stack slots) is first optimized
/// as -O2 would have, so that it differentiates like -O2 input;
/// the functions asked for are kept (made external for the while), and
/// its fast-math flags are dropped first (see `ir::fast_math`).
fn prepare(module: &Module, keep: &[Function]) -> Result<()> {
    let m = module.as_mut_ptr();
    // Before adc's own optimization: a function with a rule stays a call.
    rules::custom::read(m)?;
    let mut roots = keep.to_vec();
    roots.extend(enzyme::targets(m));
    rules::custom::refuse_inlined(m, &roots)?;
    ir::devirtualize::promote(m, &roots, &|f| {
        let name = f.name();
        !f.is_declaration()
            || rules::lookup_callee(f).is_some()
            || rules::is_inactive_call(&name)
            || rules::custom::has_user_rule(f)
            || rules::runtime::is_runtime_routine(&name)
            || ir::heap::HeapFn::named(&name).is_some()
    });
    ir::heap::rewrite_posix_memalign(m);
    ir::inline_asm::rewrite_min_max(m);
    let unoptimized: Vec<Function> = functions(m)
        .into_iter()
        .filter(|f| !f.is_declaration() && f.has_fn_attr("optnone"))
        .collect();
    for f in &unoptimized {
        f.remove_fn_attr("optnone");
        if !rules::custom::registered(*f) {
            f.remove_fn_attr("noinline");
        }
        f.remove_fast_math_attrs();
        ir::fast_math::make_strict(*f);
    }
    let pinned = rules::custom::pin_inactive_globals(m);
    if !unoptimized.is_empty() || passes::unoptimized(m) {
        use llvm_sys::core::{LLVMGetLinkage, LLVMSetLinkage};
        let saved: Vec<_> = keep
            .iter()
            .map(|f| unsafe { LLVMGetLinkage(f.raw()) })
            .collect();
        for f in keep {
            unsafe { LLVMSetLinkage(f.raw(), llvm_sys::LLVMLinkage::LLVMExternalLinkage) };
        }
        let r = passes::run(module, passes::POSTPROCESS);
        for (f, l) in keep.iter().zip(saved) {
            unsafe { LLVMSetLinkage(f.raw(), l) };
        }
        r?;
    }
    passes::run(module, passes::PREPROCESS)?;
    if ir::openmp::expose(m)? {
        // (the reductions' other way folds away; their private copies
        // become values)
        passes::run(module, passes::TIDY_REGIONS)?;
    }
    ir::int_pointers::rebuild_phis(m);
    rules::custom::unpin_inactive_globals(m, &pinned);
    ir::float_params::retype(m, &|f| {
        // (a region's parameters are the runtime's pointer-sized slots)
        roots.contains(&f)
            || ir::openmp::is_region(f)
            || rules::custom::registered(f)
            || rules::custom::has_user_rule(f)
            || rules::custom::is_inactive(f)
            || rules::lookup_callee(f).is_some()
    });
    ir::fp_idioms::mark(m);
    ir::libm_outputs::split(m, |f| {
        rules::custom::has_user_rule(f) || rules::custom::is_inactive(f)
    });
    Ok(())
}

/// `adc info`: preprocess as for differentiation, then annotate `name`.
pub fn describe(module: &Module, name: &str, activity: Option<&str>) -> Result<String> {
    let m = module.as_mut_ptr();
    let f = match get_function(m, name) {
        Some(f) if !f.is_declaration() => f,
        _ => {
            return Err(AdcError::UnknownFunction {
                name: name.to_string(),
                defined: functions(m)
                    .into_iter()
                    .filter(|f| !f.is_declaration())
                    .map(|f| f.name())
                    .collect(),
            })
        }
    };
    prepare(module, &[f])?;
    let acts = match activity {
        Some(list) => signature::parse_activity(f, list)?,
        None => signature::default_activity(f),
    };
    Ok(info::annotate(f, &acts))
}

/// Run the LLVM verifier on the whole module.
pub fn verify(module: &Module) -> Result<()> {
    module.verify().map_err(|e| AdcError::Verify(e.to_string()))
}

/// A C header declaring the generated functions.
pub fn c_header(generated: &[Generated]) -> String {
    let mut s = String::from(
        "/* Generated by adc: prototypes of the derivative functions. */\n#pragma once\n#include <stdbool.h>\n#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
    );
    for g in generated {
        if let Some(t) = &g.c_typedef {
            s.push_str(t);
            s.push('\n');
        }
        s.push_str(&g.c_prototype);
        s.push('\n');
    }
    s.push_str("\n#ifdef __cplusplus\n}\n#endif\n");
    s
}
