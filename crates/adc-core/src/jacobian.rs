//! Dense Jacobians in one call: `FN_jac`.
//!
//! For `f(x, y, ...)` that reads an array `x` of n floats and writes an
//! array `y` of m floats, the Jacobian dy/dx (m rows, n columns, row-major)
//! comes from vector mode in chunks of W = `--width` directions: forward
//! mode gives W columns per call of `FN_fwdW` (x's shadows seeded with unit
//! vectors, as ForwardDiff.jl does), reverse mode W rows per call of
//! `FN_gradW` (y's shadows seeded). Forward needs ceil(n / W) calls and
//! reverse ceil(m / W), and a reverse call costs about twice a forward
//! one, so `FN_jac` takes forward when n <= m (fewer inputs than outputs)
//! and reverse otherwise, at run time, unless the user fixed the choice.
//! Where reverse vector mode refuses the code, the automatic choice says
//! so and uses forward mode alone.
//!
//! `FN_jac(params of f..., jac, n_in, n_out)`: the lengths are arguments
//! because the arrays' lengths are not in the code in general. Every call
//! starts from y's contents at entry (saved once and restored before each
//! chunk), so a y that f also reads gives the Jacobian at that y; at the
//! end, y holds f's result.

use crate::error::{AdcError, Result};
use crate::ir::{add_function, get_function, get_or_declare, Builder, Function, Type, Value};
use crate::signature::{self, Activity};
use crate::{differentiate, Generated, Mode, Options, Output};
use inkwell::module::Module;
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

/// Which derivative `FN_jac` uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Forward when there are no more inputs than outputs, else reverse.
    Auto,
    /// Forward vector mode: W columns per call.
    Forward,
    /// Reverse vector mode: W rows per call.
    Reverse,
}

impl Strategy {
    fn uses(self, mode: Mode) -> bool {
        match self {
            Strategy::Auto => true,
            Strategy::Forward => mode == Mode::Forward,
            Strategy::Reverse => mode == Mode::Reverse,
        }
    }
}

/// The input and output arrays of a function, as the Jacobian sees them.
struct Arrays {
    acts: Vec<Activity>,
    input: usize,
    output: usize,
    elem: Type,
}

/// Generate `FN_jac` (with the vector-mode derivatives it calls) for each
/// target of `opts`; `opts.width` is the chunk size. Returns the module
/// with them: with [`Strategy::Auto`], reverse vector mode is tried on a
/// copy (a refusal may leave a module half-built), which becomes the
/// module when it succeeds.
pub fn jacobians<'ctx>(
    module: Module<'ctx>,
    opts: &Options,
    strategy: Strategy,
) -> Result<(Module<'ctx>, Output)> {
    let mut module = module;
    for t in &opts.targets {
        let name = format!("{}_jac", t.name);
        if get_function(module.as_mut_ptr(), &name).is_some() {
            return Err(AdcError::Usage(format!(
                "the module already has a function named `{name}`"
            )));
        }
    }
    let mut out = Output::default();
    let mut strategy = strategy;
    for mode in [Mode::Forward, Mode::Reverse] {
        if !strategy.uses(mode) {
            continue;
        }
        let mode_opts = Options {
            mode,
            ..opts.clone()
        };
        let part = if strategy == Strategy::Auto && mode == Mode::Reverse {
            // The automatic choice does with forward mode alone where
            // reverse vector mode refuses the code.
            let trial = module.clone();
            match differentiate(&trial, &mode_opts) {
                Ok(part) => {
                    module = trial;
                    part
                }
                Err(e) => {
                    let why = e.to_string();
                    let why = why.lines().last().unwrap_or_default().trim().to_string();
                    eprintln!(
                        "adc: note: Jacobian by forward mode only; reverse vector mode: {why}"
                    );
                    strategy = Strategy::Forward;
                    continue;
                }
            }
        } else {
            differentiate(&module, &mode_opts)?
        };
        out.generated.extend(part.generated);
        out.tape_stats.extend(part.tape_stats);
        out.lowered_call_sites += part.lowered_call_sites;
        out.phases.extend(part.phases);
    }
    let m = module.as_mut_ptr();
    let w = opts.width;
    let derivative = |name: &str, mode: Mode| -> Option<Function> {
        strategy
            .uses(mode)
            .then(|| get_function(m, &crate::derivative_name(name, mode, w)).expect("generated"))
    };
    for t in &opts.targets {
        let f = get_function(m, &t.name).expect("differentiated");
        let arrays = arrays_of(f, t.activity.as_deref())?;
        let fwd = derivative(&t.name, Mode::Forward);
        let rev = derivative(&t.name, Mode::Reverse);
        let name = format!("{}_jac", t.name);
        let jac = build(f, &arrays, fwd, rev, w, &name);
        out.generated
            .push(declarations(f, &arrays, jac, w, strategy));
    }
    crate::verify(&module)?;
    Ok((module, out))
}

/// Find the one array `f` reads (the input) and the one it writes (the
/// output) among its duplicated pointers; everything else must be constant.
fn arrays_of(f: Function, activity: Option<&str>) -> Result<Arrays> {
    let acts = match activity {
        Some(list) => signature::parse_activity(f, list)?,
        None => signature::default_activity(f),
    };
    let usage = |what: String| {
        Err(AdcError::Usage(format!(
            "Jacobian mode of `{}`: {what}. It differentiates one array that the function \
             reads (the input) against one array that it writes (the output); mark every \
             other parameter `const` with --activity",
            f.name()
        )))
    };
    if f.return_type().contains_float() {
        return usage(
            "it returns a floating-point value; write it to the output array instead \
             (or use --mode reverse: the gradient of a scalar is its Jacobian)"
                .into(),
        );
    }
    let params = f.params();
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for (i, (p, a)) in params.iter().zip(&acts).enumerate() {
        match a {
            Activity::Const => {}
            Activity::Active => {
                return usage(format!(
                    "parameter {} is an active scalar; pass it in the input array, or mark \
                     it const",
                    i + 1
                ))
            }
            Activity::Dup | Activity::DupNoNeed => {
                if written_through(*p, 0) {
                    outputs.push(i)
                } else {
                    inputs.push(i)
                }
            }
        }
    }
    let (input, output) = match (inputs.as_slice(), outputs.as_slice()) {
        ([i], [o]) => (*i, *o),
        _ => {
            let list = |v: &[usize]| {
                if v.is_empty() {
                    "none".to_string()
                } else {
                    v.iter()
                        .map(|i| (i + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            return usage(format!(
                "its duplicated pointers that are only read are parameters {}, those it \
                 writes {}",
                list(&inputs),
                list(&outputs)
            ));
        }
    };
    let ta = crate::analysis::types::TypeAnalysis::compute(f);
    let elem_of = |i: usize| match ta.memory_type(&[params[i]]) {
        crate::analysis::types::MemoryType::Float(t) => Ok(t),
        _ => Err(AdcError::Usage(format!(
            "Jacobian mode of `{}`: parameter {} is not an array of one floating-point type",
            f.name(),
            i + 1
        ))),
    };
    let elem = elem_of(input)?;
    if elem_of(output)? != elem {
        return usage(format!(
            "the input array holds {} and the output {}: both must hold the same type",
            elem.print(),
            elem_of(output)?.print()
        ));
    }
    Ok(Arrays {
        acts,
        input,
        output,
        elem,
    })
}

/// Whether memory reached through `p` may be written: a store or memory
/// intrinsic into it, or a call that is given it without `readonly`.
fn written_through(p: Value, depth: u32) -> bool {
    if depth > 16 {
        return true;
    }
    p.users().into_iter().any(|u| match u.opcode() {
        Some(LLVMOpcode::LLVMStore) => u.operand(1) == p,
        Some(LLVMOpcode::LLVMLoad) => false,
        Some(LLVMOpcode::LLVMGetElementPtr)
        | Some(LLVMOpcode::LLVMBitCast)
        | Some(LLVMOpcode::LLVMPHI)
        | Some(LLVMOpcode::LLVMSelect) => written_through(u, depth + 1),
        Some(LLVMOpcode::LLVMICmp) | Some(LLVMOpcode::LLVMPtrToInt) => false,
        Some(LLVMOpcode::LLVMCall) | Some(LLVMOpcode::LLVMInvoke) => {
            let args = u.call_args();
            match u.called_function() {
                Some(c)
                    if c.name().starts_with("llvm.memcpy")
                        || c.name().starts_with("llvm.memmove") =>
                {
                    args[0] == p
                }
                Some(c) if c.name().starts_with("llvm.memset") => args[0] == p,
                Some(c)
                    if c.name().starts_with("llvm.lifetime")
                        || c.name().starts_with("llvm.prefetch") =>
                {
                    false
                }
                Some(c) => args
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| **a == p)
                    .any(|(i, _)| !param_read_only(c, i)),
                None => true,
            }
        }
        _ => true,
    })
}

/// Whether `f` declares its parameter `i` read-only (`readonly` or `readnone`).
fn param_read_only(f: Function, i: usize) -> bool {
    ["readonly", "readnone"].iter().any(|name| unsafe {
        let kind =
            llvm_sys::core::LLVMGetEnumAttributeKindForName(name.as_ptr() as *const _, name.len());
        !llvm_sys::core::LLVMGetEnumAttributeAtIndex(f.raw(), (i + 1) as u32, kind).is_null()
    })
}

/// `for (i = 0; i < n; i += step) body(i)` from the builder's position;
/// the builder ends after the loop.
fn counted_loop(b: &Builder, f: Function, n: Value, step: u64, body: impl FnOnce(Value)) {
    let ctx = b.context();
    let i64t = Type::i64(ctx);
    let pre = b.insert_block();
    let head = f.append_block(ctx, "jac.head");
    let inner = f.append_block(ctx, "jac.body");
    let exit = f.append_block(ctx, "jac.exit");
    b.br(head);
    b.position_at_end(head);
    let i = b.phi(i64t, "i");
    i.add_incoming(i64t.const_int(0), pre);
    b.cond_br(b.icmp(LLVMIntPredicate::LLVMIntULT, i, n), inner, exit);
    b.position_at_end(inner);
    body(i);
    let next = b.add(i, i64t.const_int(step as i64));
    i.add_incoming(next, b.insert_block());
    b.br(head);
    b.position_at_end(exit);
}

/// The smaller of `a` and `b` (unsigned).
fn min(b: &Builder, a: Value, c: Value) -> Value {
    b.select(b.icmp(LLVMIntPredicate::LLVMIntULT, a, c), a, c)
}

/// Build `name`: scratch lanes for x's and y's shadows (W each, padded by
/// W elements so that a chunk's seeds need no bounds check), y saved, then
/// the forward and/or reverse chunk loops.
fn build(
    f: Function,
    arrays: &Arrays,
    fwd: Option<Function>,
    rev: Option<Function>,
    width: u32,
    name: &str,
) -> Function {
    let m = f.module();
    let ctx = unsafe { llvm_sys::core::LLVMGetModuleContext(m) };
    let (i64t, ptr) = (Type::i64(ctx), Type::ptr(ctx));
    let mut ptys: Vec<Type> = f.params().iter().map(|p| p.ty()).collect();
    ptys.extend([ptr, i64t, i64t]);
    let jac = add_function(m, name, Type::function(Type::void(ctx), &ptys));
    let ps = jac.params();
    let nparams = f.params().len();
    let (jout, n, rows) = (ps[nparams], ps[nparams + 1], ps[nparams + 2]);
    jout.set_name("jac");
    n.set_name("n_in");
    rows.set_name("n_out");
    let y = ps[arrays.output];
    let b = Builder::new(ctx);
    b.position_at_end(jac.append_block(ctx, "entry"));
    let elem = arrays.elem;
    let esize = b.size_of(elem);
    let wv = i64t.const_int(width as i64);
    // Lane k of x's shadow at k * (n + W), of y's after the W of x's.
    let xstride = b.add(n, wv);
    let ystride = b.add(rows, wv);
    let xlanes = b.mul(wv, xstride);
    let total = b.add(xlanes, b.add(b.mul(wv, ystride), rows));
    let calloc = get_or_declare(m, "calloc", Type::function(ptr, &[i64t, i64t]));
    let free = get_or_declare(m, "free", Type::function(Type::void(ctx), &[ptr]));
    // Small Jacobians (one observation's block, called in a loop) keep
    // the lanes on the stack: no allocation per call.
    let bytes = b.mul(total, esize);
    let stack = b.alloca(Type::array(Type::i8(ctx), STACK_LANES));
    stack.set_alignment(16);
    let small = b.icmp(
        LLVMIntPredicate::LLVMIntULE,
        bytes,
        i64t.const_int(STACK_LANES as i64),
    );
    let (on_stack, on_heap, lanes_ready) = (
        jac.append_block(ctx, "jac.stack"),
        jac.append_block(ctx, "jac.heap"),
        jac.append_block(ctx, "jac.lanes"),
    );
    b.cond_br(small, on_stack, on_heap);
    b.position_at_end(on_stack);
    b.memset(stack, Type::i8(ctx).const_int(0), bytes, 16);
    b.br(lanes_ready);
    b.position_at_end(on_heap);
    let heap = b.call(calloc, &[total, esize]);
    b.br(lanes_ready);
    b.position_at_end(lanes_ready);
    let buf = b.phi(ptr, "lanes");
    buf.add_incoming(stack, on_stack);
    buf.add_incoming(heap, on_heap);
    let dx = |b: &Builder, k: Value| b.gep(elem, buf, b.mul(k, xstride));
    let dy = |b: &Builder, k: Value| b.gep(elem, buf, b.add(xlanes, b.mul(k, ystride)));
    let lanes_len = b.mul(b.add(xlanes, b.mul(wv, ystride)), esize);
    let ylen = b.mul(rows, esize);
    // y at entry, after the lanes.
    let saved = b.gep(elem, buf, b.add(xlanes, b.mul(wv, ystride)));
    b.memcpy(saved, y, ylen, 1);
    let one = elem.const_float(1.0);
    let arguments = |b: &Builder| -> Vec<Value> {
        let mut args = Vec::new();
        for (i, a) in arrays.acts.iter().enumerate() {
            args.push(ps[i]);
            if a.has_shadow() {
                for k in 0..width {
                    let k = i64t.const_int(k as i64);
                    args.push(if i == arrays.input {
                        dx(b, k)
                    } else {
                        dy(b, k)
                    });
                }
            }
        }
        args
    };
    // One chunk: lanes cleared and y restored, seeds set by `seed(k)`, the call.
    // One chunk: derivative memory cleared (`cleared` bytes from `from`)
    // and y restored, seeds set by `seed(k)`, the call.
    let chunk =
        |b: &Builder, g: Function, from: Value, cleared: Value, seed: &dyn Fn(&Builder, Value)| {
            b.memset(from, Type::i8(ctx).const_int(0), cleared, 1);
            b.memcpy(y, saved, ylen, 1);
            for k in 0..width {
                seed(b, i64t.const_int(k as i64));
            }
            b.call(g, &arguments(b));
        };
    let forward = |b: &Builder, g: Function| {
        // Columns c..c+W: x's lane k seeded with unit vector c + k. Forward
        // mode does not write x's shadows: only y's are cleared, and the
        // seeds are taken back after the call.
        let y_lanes = dy(b, i64t.const_int(0));
        let y_bytes = b.mul(b.mul(wv, ystride), esize);
        counted_loop(b, jac, n, width as u64, |c| {
            chunk(b, g, y_lanes, y_bytes, &|b, k| {
                b.store(one, b.gep(elem, dx(b, k), b.add(c, k)));
            });
            for k in 0..width {
                let k = i64t.const_int(k as i64);
                b.store(elem.const_float(0.0), b.gep(elem, dx(b, k), b.add(c, k)));
            }
            // Row by row: the chunk's W columns are next to each other.
            let lanes = min(b, wv, b.sub(n, c));
            counted_loop(b, jac, rows, 1, |i| {
                let row = b.gep(elem, jout, b.add(b.mul(i, n), c));
                counted_loop(b, jac, lanes, 1, |k| {
                    let v = b.load(elem, b.gep(elem, dy(b, k), i));
                    b.store(v, b.gep(elem, row, k));
                });
            });
        });
    };
    let reverse = |b: &Builder, g: Function| {
        // Rows r..r+W: y's lane k seeded with unit vector r + k. The
        // reverse sweep adds into x's shadows and may leave y's nonzero
        // (a y it reads): all lanes are cleared.
        counted_loop(b, jac, rows, width as u64, |r| {
            chunk(b, g, buf, lanes_len, &|b, k| {
                b.store(one, b.gep(elem, dy(b, k), b.add(r, k)));
            });
            let lanes = min(b, wv, b.sub(rows, r));
            counted_loop(b, jac, lanes, 1, |k| {
                let row = b.gep(elem, jout, b.mul(b.add(r, k), n));
                b.memcpy(row, dx(b, k), b.mul(n, esize), 1);
            });
        });
    };
    match (fwd, rev) {
        (Some(g), Some(h)) => {
            let by_fwd = jac.append_block(ctx, "jac.forward");
            let by_rev = jac.append_block(ctx, "jac.reverse");
            let done = jac.append_block(ctx, "jac.done");
            b.cond_br(
                b.icmp(LLVMIntPredicate::LLVMIntULE, n, rows),
                by_fwd,
                by_rev,
            );
            b.position_at_end(by_fwd);
            forward(&b, g);
            b.br(done);
            b.position_at_end(by_rev);
            reverse(&b, h);
            b.br(done);
            b.position_at_end(done);
        }
        (Some(g), None) => forward(&b, g),
        (None, Some(h)) => reverse(&b, h),
        (None, None) => unreachable!("a strategy uses a mode"),
    }
    let (release, done) = (
        jac.append_block(ctx, "jac.free"),
        jac.append_block(ctx, "jac.ret"),
    );
    b.cond_br(small, done, release);
    b.position_at_end(release);
    b.call(free, &[buf]);
    b.br(done);
    b.position_at_end(done);
    b.ret_void();
    jac
}

/// Bytes of lanes (and the saved output) that `FN_jac` keeps on its stack.
const STACK_LANES: u64 = 4096;

/// `FN_jac`'s C prototype, with what its arguments are.
fn declarations(
    f: Function,
    arrays: &Arrays,
    jac: Function,
    width: u32,
    strategy: Strategy,
) -> Generated {
    let plural = if width == 1 { "" } else { "s" };
    let cols = format!("forward mode, {width} column{plural} per call");
    let rows = format!("reverse mode, {width} row{plural} per call");
    let how = match strategy {
        Strategy::Auto => format!("{cols}, when n_in <= n_out, else {rows}"),
        Strategy::Forward => cols,
        Strategy::Reverse => rows,
    };
    let name = jac.name();
    Generated {
        c_prototype: format!(
            "/* Jacobian of {}: jac[i * n_in + j] = d a{}[i] / d a{}[j] for the n_out outputs \
             and n_in inputs ({how}) */\n{}",
            f.name(),
            arrays.output,
            arrays.input,
            signature::c_prototype(&name, jac.fn_type())
        ),
        name,
        c_typedef: None,
    }
}
