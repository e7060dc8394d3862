//! What clang's type-based alias metadata says about memory: the fields of
//! a struct copy (`!tbaa.struct`), and the layout of the structs a pointer
//! points to.
//!
//! clang tags every access with a path (base struct, access type, offset),
//! and names a pointer field's access type after its pointee: a load of a
//! `Particle *` is tagged `"p1 _ZTS8Particle"`. The module's tags also
//! describe each struct (`!{"_ZTS8Particle", int, 0, p1 double, 8, double,
//! 16, ...}`). Together they say what a buffer of structs holds even where
//! the code that moves it only sees bytes: `std::vector` relocating its
//! elements with one `memcpy`.

#![allow(clippy::not_unsafe_ptr_arg_deref)] // (LLVM handles, as in ir/)

use super::types::MemoryType;
use crate::ir::metadata::{float_named, int_operand, md_string, metadata, operands};
use crate::ir::{Function, Type, Value};
use indexmap::IndexMap;
use llvm_sys::prelude::{LLVMContextRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

/// The (offset, access type name) of each field of a copy's `!tbaa.struct`.
pub fn struct_copy_fields(copy: Value) -> Option<Vec<(u64, String)>> {
    let md = metadata(copy, "tbaa.struct")?;
    let mut out = Vec::new();
    for c in operands(md).chunks(3) {
        let (Some(off), Some(tag)) = (c.first().and_then(|o| int_operand(*o)), c.get(2)) else {
            return None;
        };
        // tag = {base type, access type, offset}; access type = {!"name", ...}
        let access = operands(*tag).get(1).copied()?;
        out.push((off, md_string(operands(access).first().copied()?)?));
    }
    Some(out)
}

/// Bytes and alignment of the scalar a TBAA type name stands for (x86-64).
fn scalar(name: &str) -> Option<(u64, u64)> {
    Some(match name {
        "long double" | "__float128" => (16, 16),
        "double" | "long" | "long long" | "any pointer" => (8, 8),
        "float" | "int" => (4, 4),
        "short" | "_Float16" | "__bf16" => (2, 2),
        "omnipotent char" | "bool" | "_Bool" => (1, 1),
        n if is_pointer_name(n) => (8, 8),
        _ => return None,
    })
}

/// clang's name of a pointer access type: "any pointer", "p1 int", ...
pub fn is_pointer_name(n: &str) -> bool {
    n == "any pointer"
        || (n.starts_with('p')
            && n[1..]
                .split(' ')
                .next()
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())))
}

/// The structs the module's access tags describe, by name: each a list of
/// (offset, scalar type name), nested structs flattened, and its size.
#[derive(Default)]
pub struct Layouts {
    structs: IndexMap<String, (Vec<(u64, String)>, u64)>,
}

impl Layouts {
    /// Read every access tag of the module of `f`.
    pub fn of_module(f: Function) -> Self {
        let mut nodes: IndexMap<String, LLVMValueRef> = IndexMap::new();
        for g in crate::ir::functions(f.module()) {
            for i in g.blocks().into_iter().flat_map(|b| b.instructions()) {
                let Some(tag) = metadata(i, "tbaa") else {
                    continue;
                };
                if let Some(&base) = operands(tag).first() {
                    collect_structs(base, &mut nodes);
                }
            }
        }
        let mut out = Layouts::default();
        for (name, node) in &nodes {
            if let Some((fields, size, _)) = flatten(*node, &nodes, 0) {
                out.structs.insert(name.clone(), (fields, size));
            }
        }
        out
    }

    /// What memory holding an array of the struct `name` holds.
    pub fn memory_type(&self, name: &str, ctx: LLVMContextRef) -> Option<MemoryType> {
        let (fields, size) = self.structs.get(name)?;
        Some(match classify(fields, ctx) {
            Ok(t) => t,
            Err(floats) => MemoryType::Strided {
                stride: *size,
                fields: floats,
                pointers: fields
                    .iter()
                    .filter(|(_, n)| is_pointer_name(n))
                    .map(|(o, _)| *o)
                    .collect(),
            },
        })
    }

    /// What the memory behind pointer `p` holds, when `p` was loaded from a
    /// field whose type names its pointee (`T *`, tagged "p1 T") and the
    /// module describes `T`.
    pub fn pointee(&self, p: Value) -> Option<MemoryType> {
        let load = super::types::root_object(p);
        if load.opcode() != Some(LLVMOpcode::LLVMLoad) {
            return None;
        }
        let tag = metadata(load, "tbaa")?;
        let access = operands(tag).get(1).copied()?;
        let name = md_string(operands(access).first().copied()?)?;
        let pointee = name.strip_prefix("p1 ")?;
        let t = self.memory_type(pointee, load.ty().context())?;
        // The layout holds from where `p` points only if that is the start
        // of an element (the copy of a buffer's tail would be misread).
        match &t {
            MemoryType::Strided { stride, .. } if !at_element(p, load, *stride) => None,
            _ => Some(t),
        }
    }
}

/// Whether `p`, derived from `base` by address arithmetic, points at the
/// start of an element of `stride` bytes: each step a multiple of it (a
/// constant byte offset, or an index scaled by a type whose size is).
fn at_element(p: Value, base: Value, stride: u64) -> bool {
    let td = unsafe { llvm_sys::target::LLVMGetModuleDataLayout(p.parent_function().module()) };
    let mut q = p;
    for _ in 0..16 {
        if q == base {
            return true;
        }
        match q.opcode() {
            Some(LLVMOpcode::LLVMBitCast) | Some(LLVMOpcode::LLVMAddrSpaceCast) => {}
            Some(LLVMOpcode::LLVMGetElementPtr) if q.num_operands() == 2 => {
                let size =
                    unsafe { llvm_sys::target::LLVMABISizeOfType(td, q.gep_source_type().0) };
                let step = match q.operand(1).const_u64() {
                    Some(k) => k.wrapping_mul(size),
                    None => size,
                };
                if step % stride != 0 {
                    return false;
                }
            }
            _ => return false,
        }
        q = q.operand(0);
    }
    false
}

/// What fields (offset, TBAA type name) hold: `Ok` for no floats or floats
/// of one type only, else `Err` with the float fields (offset, type).
pub fn classify(
    fields: &[(u64, String)],
    ctx: LLVMContextRef,
) -> Result<MemoryType, Vec<(u64, Type)>> {
    let floats: Vec<(u64, Type)> = fields
        .iter()
        .filter_map(|(o, n)| float_named(n, ctx).map(|t| (*o, t)))
        .collect();
    match floats.as_slice() {
        [] => Ok(MemoryType::NoFloats),
        [(_, t), ..] if floats.len() == fields.len() && floats.iter().all(|f| f.1 == *t) => {
            Ok(MemoryType::Float(*t))
        }
        _ => Err(floats),
    }
}

/// Struct type nodes reachable from `node` (a tag's base type), by name.
fn collect_structs(node: LLVMValueRef, out: &mut IndexMap<String, LLVMValueRef>) {
    let ops = operands(node);
    let Some(name) = ops.first().and_then(|o| md_string(*o)) else {
        return;
    };
    if scalar(&name).is_some() || out.contains_key(&name) || ops.len() < 3 {
        return;
    }
    out.insert(name, node);
    for pair in ops[1..].chunks(2) {
        collect_structs(pair[0], out);
    }
}

/// Scalar fields (offset, type name), size and alignment of a struct.
type Flat = (Vec<(u64, String)>, u64, u64);

/// A struct node's scalar fields at their offsets, its size and its
/// alignment; `None` if a field's type is unknown, or is "omnipotent char":
/// clang's name for char, but also for an array member or a union, whose
/// floats it would hide.
fn flatten(node: LLVMValueRef, nodes: &IndexMap<String, LLVMValueRef>, depth: u32) -> Option<Flat> {
    if depth > 8 {
        return None;
    }
    let ops = operands(node);
    let mut fields = Vec::new();
    let (mut end, mut align) = (0u64, 1u64);
    for pair in ops.get(1..)?.chunks(2) {
        let [ty, off] = pair else { return None };
        let off = int_operand(*off)?;
        let name = md_string(operands(*ty).first().copied()?)?;
        if name == "omnipotent char" {
            return None;
        }
        let (size, a) = match scalar(&name) {
            Some(s) => {
                fields.push((off, name));
                s
            }
            None => {
                let (inner, size, a) = flatten(*nodes.get(&name)?, nodes, depth + 1)?;
                fields.extend(inner.into_iter().map(|(o, n)| (off + o, n)));
                (size, a)
            }
        };
        end = end.max(off + size);
        align = align.max(a);
    }
    Some((fields, end.div_ceil(align) * align, align))
}
