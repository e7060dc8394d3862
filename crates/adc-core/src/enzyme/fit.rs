//! Fitting what a derivative returns into the type the caller declared for
//! the Enzyme call: `double`, `float`, `void`, a struct of the adjoints (in
//! registers as the C ABI passes it, `{double, double}` or `<2 x float>`,
//! or through an `sret` pointer). Both sides are flattened into their
//! scalar leaves (struct fields, array and vector elements, in memory
//! order); the leaves must pair up one to one, floats with floats (a
//! `float` adjoint may fill a `double` and back) and anything else with its
//! own type. Two adjoints into one `double` is a mismatch, and an error.

use crate::ir::{Builder, Type, Value};
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

/// The scalar leaves of `t`, in order.
pub fn leaf_types(t: Type) -> Vec<Type> {
    match t.kind() {
        LLVMTypeKind::LLVMStructTypeKind => {
            t.struct_fields().into_iter().flat_map(leaf_types).collect()
        }
        LLVMTypeKind::LLVMArrayTypeKind => {
            let e = leaf_types(t.element_type());
            (0..t.aggregate_len()).flat_map(|_| e.clone()).collect()
        }
        LLVMTypeKind::LLVMVectorTypeKind => vec![t.element_type(); t.vector_size() as usize],
        LLVMTypeKind::LLVMVoidTypeKind => Vec::new(),
        _ => vec![t],
    }
}

/// The leaves of value `v`.
pub fn leaves(b: &Builder, v: Value) -> Vec<Value> {
    let t = v.ty();
    match t.kind() {
        LLVMTypeKind::LLVMStructTypeKind | LLVMTypeKind::LLVMArrayTypeKind => (0..t
            .aggregate_len())
            .flat_map(|i| leaves(b, b.extract_value(v, i)))
            .collect(),
        LLVMTypeKind::LLVMVectorTypeKind => {
            let i32 = Type::i32(t.context());
            (0..t.vector_size())
                .map(|i| b.extract_element(v, i32.const_int(i as i64)))
                .collect()
        }
        LLVMTypeKind::LLVMVoidTypeKind => Vec::new(),
        _ => vec![v],
    }
}

/// A value of type `t` made of `leaves` (taken from the front).
fn assemble(b: &Builder, t: Type, leaves: &mut std::vec::IntoIter<Value>) -> Value {
    match t.kind() {
        LLVMTypeKind::LLVMStructTypeKind => {
            let mut agg = t.null();
            for (i, f) in t.struct_fields().into_iter().enumerate() {
                let x = assemble(b, f, leaves);
                agg = b.insert_value(agg, x, i as u32);
            }
            agg
        }
        LLVMTypeKind::LLVMArrayTypeKind => {
            let mut agg = t.null();
            for i in 0..t.aggregate_len() {
                let x = assemble(b, t.element_type(), leaves);
                agg = b.insert_value(agg, x, i);
            }
            agg
        }
        LLVMTypeKind::LLVMVectorTypeKind => {
            let i32 = Type::i32(t.context());
            let mut v = t.null();
            for i in 0..t.vector_size() {
                let x = leaves.next().expect("leaf count checked");
                v = b.insert_element(v, x, i32.const_int(i as i64));
            }
            v
        }
        _ => leaves.next().expect("leaf count checked"),
    }
}

/// `values` (the derivative's results, flattened) as a value of type `want`;
/// `Err` says why they do not fit. No values fill `want` with zeros.
pub fn fit(b: &Builder, values: Vec<Value>, want: Type) -> Result<Value, String> {
    let wanted = leaf_types(want);
    if values.is_empty() {
        return Ok(want.null());
    }
    let describe = |vs: &[Value]| {
        let names: Vec<String> = vs.iter().map(|v| v.ty().print()).collect();
        format!("{} ({})", vs.len(), names.join(", "))
    };
    if wanted.len() != values.len() {
        return Err(format!(
            "the call is declared to return {} ({} value{}), but the derivative gives {}",
            want.print(),
            wanted.len(),
            if wanted.len() == 1 { "" } else { "s" },
            describe(&values)
        ));
    }
    let mut conv = Vec::new();
    for (v, t) in values.iter().zip(&wanted) {
        let have = v.ty();
        conv.push(if have == *t {
            *v
        } else if have.is_float_scalar() && t.is_float_scalar() {
            let op = if size_rank(have) < size_rank(*t) {
                LLVMOpcode::LLVMFPExt
            } else {
                LLVMOpcode::LLVMFPTrunc
            };
            b.cast(op, *v, *t)
        } else {
            return Err(format!(
                "the call is declared to return {}, but the derivative gives {}",
                want.print(),
                describe(&values)
            ));
        });
    }
    Ok(assemble(b, want, &mut conv.into_iter()))
}

/// Whether `values` fit `want` as [`fit`] would make them.
pub fn fits(values: &[Value], want: Type) -> bool {
    let wanted = leaf_types(want);
    wanted.len() == values.len()
        && values
            .iter()
            .zip(&wanted)
            .all(|(v, t)| v.ty() == *t || (v.ty().is_float_scalar() && t.is_float_scalar()))
}

fn size_rank(t: Type) -> u8 {
    match t.kind() {
        LLVMTypeKind::LLVMFloatTypeKind => 0,
        _ => 1,
    }
}

/// 1.0 in every float leaf of `t` (the seed of a result that Enzyme's
/// `__enzyme_autodiff` differentiates).
pub fn ones(b: &Builder, t: Type) -> Value {
    let leaves: Vec<Value> = leaf_types(t)
        .into_iter()
        .map(|l| {
            if l.is_float_scalar() {
                l.const_float(1.0)
            } else {
                l.null()
            }
        })
        .collect();
    assemble(b, t, &mut leaves.into_iter())
}
