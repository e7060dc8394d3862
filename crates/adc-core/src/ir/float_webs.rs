//! Floats in disguise: integer loads whose bits only move between memory
//! locations or are bitcast to a float of the same size (a [`Web`]).
//! Generic code moves elements this way: std's sort moves f64 as `i64`
//! (and two at a time as `<2 x i64>`, through vector shuffles) and bitcasts
//! the ones it compares. Derivatives do not travel through integers, so
//! the copy adc differentiates ([`super::source_copy`]) carries each web
//! as floats when its casts, the type analysis of its memory, or
//! `--type-hint` say which floats; the webs nobody can type are refused
//! where their memory has a shadow ([`untyped_move`]), as is a float made
//! from an integer load's bits ([`float_from_integer_load`]).

use super::{Builder, Function, Type, Value};
use crate::analysis::types::TypeHint;
use crate::analysis::types::{MemoryType, TypeAnalysis};
use indexmap::IndexSet;
use llvm_sys::core::*;
use llvm_sys::LLVMOpcode;

/// Integers that are floats in disguise: a load of an integer whose bits
/// (through phis and selects) are only stored to memory or reinterpreted
/// as a float of the same size. Generic code moves elements this way
/// (std's sort moves f64 as i64 and bitcasts the ones it compares).
#[derive(Clone, Debug, Default)]
pub struct Web {
    /// Integer loads, phis and selects that carry the bits.
    pub members: Vec<Value>,
    /// Stores of a member.
    pub stores: Vec<Value>,
    /// Bitcasts of a member to a float: what the bits are, when any.
    pub casts: Vec<Value>,
}

/// The width of an integer, or of a vector of integers' elements.
fn word_bits(t: Type) -> Option<u32> {
    if t.is_integer() {
        Some(t.int_width())
    } else if t.is_vector() && t.element_type().is_integer() {
        Some(t.element_type().int_width())
    } else {
        None
    }
}

/// `t` (an integer or a vector of them) with float `f` in place of its
/// integers.
fn with_floats(t: Type, f: Type) -> Type {
    if t.is_vector() {
        Type(unsafe { LLVMVectorType(f.0, t.vector_size()) })
    } else {
        f
    }
}

/// Constants a web may merge in: integers (their bits) and undefined values.
fn web_constant(c: Value) -> bool {
    unsafe {
        !LLVMIsAConstantInt(c.0).is_null()
            || !LLVMIsAUndefValue(c.0).is_null()
            || !LLVMIsAPoisonValue(c.0).is_null()
    }
}

/// The web of integer load `load`, if its bits only move or become a float.
pub fn web_of(load: Value) -> Option<Web> {
    if load.opcode() != Some(LLVMOpcode::LLVMLoad) || !matches!(word_bits(load.ty()), Some(32 | 64))
    {
        return None;
    }
    let mut web = Web::default();
    let mut work = vec![load];
    while let Some(v) = work.pop() {
        if web.members.contains(&v) {
            continue;
        }
        let sources: Vec<Value> = match v.opcode() {
            Some(LLVMOpcode::LLVMLoad) => Vec::new(),
            Some(LLVMOpcode::LLVMPHI) => (0..v.count_incoming()).map(|i| v.incoming(i).0).collect(),
            Some(LLVMOpcode::LLVMSelect) => vec![v.operand(1), v.operand(2)],
            Some(LLVMOpcode::LLVMShuffleVector) => vec![v.operand(0), v.operand(1)],
            _ => return None,
        };
        web.members.push(v);
        for src in sources {
            match src.opcode() {
                Some(
                    LLVMOpcode::LLVMLoad
                    | LLVMOpcode::LLVMPHI
                    | LLVMOpcode::LLVMSelect
                    | LLVMOpcode::LLVMShuffleVector,
                ) if src.ty().is_integer() || src.ty().is_vector() => work.push(src),
                _ if web_constant(src) => {}
                _ => return None,
            }
        }
        for u in v.users() {
            match u.opcode() {
                Some(LLVMOpcode::LLVMStore) if u.operand(0) == v && u.operand(1) != v => {
                    if !web.stores.contains(&u) {
                        web.stores.push(u);
                    }
                }
                Some(LLVMOpcode::LLVMBitCast) if u.ty().is_float() => {
                    if !web.casts.contains(&u) {
                        web.casts.push(u);
                    }
                }
                Some(LLVMOpcode::LLVMPHI | LLVMOpcode::LLVMShuffleVector) => work.push(u),
                Some(LLVMOpcode::LLVMSelect) if u.operand(0) != v => work.push(u),
                _ => return None,
            }
        }
    }
    Some(web)
}

/// Whether integer `v` (a load, phi or select) belongs to a [`Web`].
pub fn in_web(v: Value) -> bool {
    if word_bits(v.ty()).is_none() {
        return false;
    }
    let mut work = vec![v];
    let mut seen: IndexSet<Value> = IndexSet::new();
    while let Some(x) = work.pop() {
        if !seen.insert(x) {
            continue;
        }
        match x.opcode() {
            Some(LLVMOpcode::LLVMLoad) => return web_of(x).is_some_and(|w| w.members.contains(&v)),
            Some(LLVMOpcode::LLVMPHI) => {
                work.extend((0..x.count_incoming()).map(|i| x.incoming(i).0))
            }
            Some(LLVMOpcode::LLVMSelect) => work.extend([x.operand(1), x.operand(2)]),
            Some(LLVMOpcode::LLVMShuffleVector) => work.extend([x.operand(0), x.operand(1)]),
            _ => {}
        }
    }
    false
}

/// The float type the casts of a web say its bits are.
fn cast_type(web: &Web) -> Option<Type> {
    let scalar = |c: &Value| c.ty().scalar();
    let t = scalar(web.casts.first()?);
    web.casts.iter().all(|c| scalar(c) == t).then_some(t)
}

/// The memory a web moves: its loads' and stores' addresses.
fn web_pointers(web: &Web) -> Vec<Value> {
    web.members
        .iter()
        .filter(|m| m.opcode() == Some(LLVMOpcode::LLVMLoad))
        .map(|l| l.operand(0))
        .chain(web.stores.iter().map(|s| s.operand(1)))
        .collect()
}

/// The webs of `f`.
pub(super) fn webs_of(f: Function) -> Vec<Web> {
    let mut webs: Vec<Web> = Vec::new();
    for i in f.blocks().into_iter().flat_map(|b| b.instructions()) {
        if i.opcode() == Some(LLVMOpcode::LLVMLoad) && !webs.iter().any(|w| w.members.contains(&i))
        {
            if let Some(w) = web_of(i) {
                webs.push(w);
            }
        }
    }
    webs
}

/// What a web's bits are: its casts' type, else what the type analysis
/// says of its memory, else the hint; `Ok(None)` when they are not floats
/// of the web's size (or nobody can tell), `Err` when a hint for this
/// place contradicts what the casts or the analysis say.
pub(super) fn web_type(
    web: &Web,
    types: &TypeAnalysis,
    hint: Option<&TypeHint>,
) -> Result<Option<Type>, (Value, String)> {
    let found = match cast_type(web) {
        Some(t) => MemoryType::Float(t),
        None => types.word_type(&web_pointers(web)),
    };
    let at = web.members[0];
    if let Some(e) = hint.and_then(|h| h.contradiction(at, &found, "this integer move")) {
        return Err((at, e));
    }
    let t = match found {
        MemoryType::Float(t) => t,
        MemoryType::Unknown(_) => match hint.and_then(|h| h.float_at(at)) {
            Some(t) => t,
            None => return Ok(None),
        },
        MemoryType::NoFloats | MemoryType::Fields(_) | MemoryType::Strided { .. } => {
            return Ok(None)
        }
    };
    let bits = match t.kind() {
        llvm_sys::LLVMTypeKind::LLVMDoubleTypeKind => 64,
        llvm_sys::LLVMTypeKind::LLVMFloatTypeKind => 32,
        _ => 0,
    };
    Ok((Some(bits) == word_bits(at.ty())).then_some(t))
}

/// Carry as `ty` what `web` carries as an integer.
pub(super) fn retype_web(web: &Web, ty: Type) {
    let ctx = unsafe { LLVMGetTypeContext(ty.0) };
    let b = Builder::new(ctx);
    let mut new: indexmap::IndexMap<Value, Value> = Default::default();
    for m in &web.members {
        b.position_before(*m);
        let n = match m.opcode() {
            Some(LLVMOpcode::LLVMLoad) => {
                let l = b.load(with_floats(m.ty(), ty), m.operand(0));
                l.set_alignment(m.alignment());
                l
            }
            Some(LLVMOpcode::LLVMPHI) => b.phi(with_floats(m.ty(), ty), &m.name()),
            // Selects and shuffles are made once their sources have twins.
            _ => continue,
        };
        new.insert(*m, n);
    }
    // A constant's bits as floats (integers; anything else is undefined).
    let constant = |c: Value| -> Value {
        let t = with_floats(c.ty(), ty);
        unsafe {
            if LLVMIsAConstantInt(c.0).is_null() {
                return Value(LLVMGetUndef(t.0));
            }
            let raw = LLVMConstIntGetZExtValue(c.0);
            if ty.kind() == llvm_sys::LLVMTypeKind::LLVMFloatTypeKind {
                Value(LLVMConstReal(ty.0, f32::from_bits(raw as u32) as f64))
            } else {
                Value(LLVMConstReal(ty.0, f64::from_bits(raw)))
            }
        }
    };
    // Selects and shuffles may use one another: make them sources first,
    // retrying until all are made.
    let mut pending: Vec<Value> = web
        .members
        .iter()
        .copied()
        .filter(|m| {
            matches!(
                m.opcode(),
                Some(LLVMOpcode::LLVMSelect | LLVMOpcode::LLVMShuffleVector)
            )
        })
        .collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|m| {
            let arm = |v: Value| {
                if web.members.contains(&v) {
                    new.get(&v).copied()
                } else {
                    Some(constant(v))
                }
            };
            b.position_before(*m);
            let made = if m.opcode() == Some(LLVMOpcode::LLVMSelect) {
                let (Some(a), Some(c)) = (arm(m.operand(1)), arm(m.operand(2))) else {
                    return true;
                };
                b.select(m.operand(0), a, c)
            } else {
                let (Some(a), Some(c)) = (arm(m.operand(0)), arm(m.operand(1))) else {
                    return true;
                };
                let ctx = unsafe { LLVMGetTypeContext(ty.0) };
                let i32t = Type::i32(ctx);
                let n = unsafe { LLVMGetNumMaskElements(m.0) };
                let mut mask: Vec<_> = (0..n)
                    .map(|i| {
                        let k = unsafe { LLVMGetMaskValue(m.0, i) };
                        if k < 0 {
                            unsafe { LLVMGetPoison(i32t.0) }
                        } else {
                            i32t.const_int(k as i64).0
                        }
                    })
                    .collect();
                let mv = Value(unsafe { LLVMConstVector(mask.as_mut_ptr(), n) });
                b.shuffle(a, c, mv)
            };
            new.insert(*m, made);
            false
        });
        if pending.len() == before {
            // A cycle of selects only (impossible in SSA without phis).
            return;
        }
    }
    let map = |v: Value| new.get(&v).copied().unwrap_or_else(|| constant(v));
    for m in &web.members {
        if m.opcode() == Some(LLVMOpcode::LLVMPHI) {
            for i in 0..m.count_incoming() {
                let (v, blk) = m.incoming(i);
                new[m].add_incoming(map(v), blk);
            }
        }
    }
    for st in &web.stores {
        b.position_before(*st);
        let s = b.store(map(st.operand(0)), st.operand(1));
        s.set_alignment(st.alignment());
        st.erase();
    }
    for c in &web.casts {
        c.replace_all_uses_with(map(c.operand(0)));
        c.erase();
    }
    for m in &web.members {
        m.replace_all_uses_with(Value(unsafe { LLVMGetPoison(m.ty().0) }));
    }
    for m in &web.members {
        m.erase();
    }
}

/// Why a float made from an integer load's bits cannot be differentiated.
pub const FLOAT_BITS: &str = "makes a float from the bits of an integer read from memory that \
     carries derivatives (generic code moving floats as integers, like std's insertion sort): adc \
     cannot carry that derivative";

/// Whether `cast` turns integer bits into a float that an integer load
/// (through phis and selects) read from memory `has_shadow` says carries
/// derivatives: generic code reading an f64 as i64 then bitcasting it
/// (std's insertion sort). adc cannot carry that derivative.
pub fn float_from_integer_load(cast: Value, has_shadow: impl Fn(Value) -> bool) -> bool {
    if cast.opcode() != Some(LLVMOpcode::LLVMBitCast)
        || !cast.operand(0).ty().is_integer()
        || !cast.ty().is_float()
    {
        return false;
    }
    let mut work = vec![cast.operand(0)];
    let mut seen: IndexSet<Value> = IndexSet::new();
    while let Some(v) = work.pop() {
        if !seen.insert(v) {
            continue;
        }
        match v.opcode() {
            Some(LLVMOpcode::LLVMLoad) if has_shadow(v.operand(0)) => return true,
            Some(LLVMOpcode::LLVMPHI) => {
                work.extend((0..v.count_incoming()).map(|i| v.incoming(i).0))
            }
            Some(LLVMOpcode::LLVMSelect) => work.extend([v.operand(1), v.operand(2)]),
            _ => {}
        }
    }
    false
}

/// Why an integer load of memory with a shadow cannot be differentiated:
/// its bits only move or become a float (a [`Web`]) and nobody can tell
/// which floats (a copy made by [`super::source_copy::source_of`] carries the ones it can tell
/// as floats).
/// `types` is the type analysis of `load`'s function.
pub fn untyped_move(load: Value, types: &TypeAnalysis) -> Option<String> {
    let web = web_of(load)?;
    if let Some(t) = cast_type(&web) {
        return Some(format!("moves {} as an integer of another size", t.print()));
    }
    match types.word_type(&web_pointers(&web)) {
        MemoryType::NoFloats => None,
        MemoryType::Float(t) => Some(format!(
            "moves memory that holds {} as an integer of another size",
            t.print()
        )),
        MemoryType::Unknown(why) => Some(format!(
            "moves memory that may hold floats as an integer ({why}); if it holds floats, say \
             which with --type-hint double@FILE:LINE (or float; the place this message names)"
        )),
        MemoryType::Fields(_) | MemoryType::Strided { .. } => {
            Some("moves a struct with float fields as an integer".into())
        }
    }
}
