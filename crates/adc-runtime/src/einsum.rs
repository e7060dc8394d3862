//! einsum over up to three operands, e.g. "ij,jk->ik", "bij,bjk->bik",
//! "ii->", "i,i->", "ij,jk,kl->il". Labels are ASCII letters; a label
//! repeated inside one operand takes its diagonal; labels missing from the
//! output are summed; without "->" the output is the labels that occur once,
//! in alphabetical order.
//!
//! Contractions go through faer's matrix product: each pairwise step
//! permutes its operands to [batch, free, contracted] and multiplies per
//! batch. With three operands the pair whose product costs fewest
//! multiply-adds goes first.
//!
//! einsum is linear in each operand, so the rules are einsums themselves:
//! jvp: dOut = sum_k einsum(operands with the k-th replaced by its tangent);
//! vjp: X_k_bar = einsum("others..., out -> k", conj(others)..., Out_bar),
//! where an output label absent from the inputs broadcasts and a repeated
//! output label writes a diagonal.

use crate::dense::mm;
use crate::Scalar;
use faer::{Mat, MatRef};
use std::collections::BTreeMap;

/// A dense row-major tensor.
#[derive(Clone, Debug)]
pub struct Tensor<T> {
    pub shape: Vec<usize>,
    pub data: Vec<T>,
}

impl<T: Scalar> Tensor<T> {
    pub fn zeros(shape: &[usize]) -> Self {
        Tensor {
            shape: shape.to_vec(),
            data: vec![T::from_re(0.0); shape.iter().product()],
        }
    }
    pub fn conj(&self) -> Self {
        Tensor {
            shape: self.shape.clone(),
            data: self.data.iter().map(|x| x.cj()).collect(),
        }
    }
}

/// A parsed subscript string.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub inputs: Vec<Vec<u8>>,
    pub output: Vec<u8>,
}

impl Spec {
    pub fn parse(s: &str) -> Result<Spec, String> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let (ins, out) = match s.split_once("->") {
            Some((i, o)) => (i.to_string(), Some(o.to_string())),
            None => (s.clone(), None),
        };
        let inputs: Vec<Vec<u8>> = ins.split(',').map(|t| t.bytes().collect()).collect();
        if inputs.is_empty() || inputs.len() > 3 {
            return Err(format!("einsum `{s}`: 1 to 3 operands"));
        }
        let all: Vec<u8> = inputs.iter().flatten().copied().collect();
        if let Some(c) = all.iter().find(|c| !c.is_ascii_alphabetic()) {
            return Err(format!("einsum `{s}`: `{}` is not a letter", *c as char));
        }
        let output = match out {
            Some(o) => {
                let o: Vec<u8> = o.bytes().collect();
                if let Some(c) = o.iter().find(|c| !all.contains(c)) {
                    return Err(format!(
                        "einsum `{s}`: output label `{}` is in no operand",
                        *c as char
                    ));
                }
                o
            }
            None => {
                let mut once: Vec<u8> = all
                    .iter()
                    .copied()
                    .filter(|c| all.iter().filter(|d| *d == c).count() == 1)
                    .collect();
                once.sort();
                once
            }
        };
        Ok(Spec { inputs, output })
    }

    /// Label sizes, checked across operands.
    pub fn dims(&self, shapes: &[&[usize]]) -> Result<BTreeMap<u8, usize>, String> {
        let mut dims = BTreeMap::new();
        for (labels, shape) in self.inputs.iter().zip(shapes) {
            if labels.len() != shape.len() {
                return Err(format!(
                    "einsum: operand `{}` has {} dimensions",
                    String::from_utf8_lossy(labels),
                    shape.len()
                ));
            }
            for (l, &d) in labels.iter().zip(shape.iter()) {
                if *dims.entry(*l).or_insert(d) != d {
                    return Err(format!(
                        "einsum: label `{}` has sizes {} and {d}",
                        *l as char, dims[l]
                    ));
                }
            }
        }
        Ok(dims)
    }
}

fn unique(labels: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    for l in labels {
        if !u.contains(l) {
            u.push(*l);
        }
    }
    u
}

/// Re-index `x` (labels `lx`) as labels `lo`: diagonals where a label repeats
/// in `lx`, sums over labels not in `lo`, permutation, broadcast of labels
/// not in `lx`, and zero off the diagonal where a label repeats in `lo`.
/// Linear in the size of all labels involved, so only used for data movement.
fn reindex<T: Scalar>(
    x: &Tensor<T>,
    lx: &[u8],
    lo: &[u8],
    dims: &BTreeMap<u8, usize>,
) -> Tensor<T> {
    let all = unique(&[lx, lo].concat());
    let sizes: Vec<usize> = all.iter().map(|l| dims[l]).collect();
    let pos = |l: &u8| all.iter().position(|a| a == l).unwrap();
    let strides = |labels: &[u8]| {
        let mut s = vec![0usize; all.len()];
        let mut acc = 1;
        for l in labels.iter().rev() {
            s[pos(l)] += acc;
            acc *= dims[l];
        }
        s
    };
    let (sx, so) = (strides(lx), strides(lo));
    let oshape: Vec<usize> = lo.iter().map(|l| dims[l]).collect();
    let mut out = Tensor::zeros(&oshape);
    let total: usize = sizes.iter().product();
    let mut idx = vec![0usize; all.len()];
    for _ in 0..total {
        let (mut ix, mut io) = (0, 0);
        for k in 0..all.len() {
            ix += idx[k] * sx[k];
            io += idx[k] * so[k];
        }
        out.data[io] += x.data[ix];
        for k in (0..all.len()).rev() {
            idx[k] += 1;
            if idx[k] < sizes[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

/// Contract `x` (labels `lx`) with `y` (labels `ly`), keeping the labels in
/// `keep`: returns the product and its labels [batch, x free, y free].
fn contract<T: Scalar>(
    x: &Tensor<T>,
    lx: &[u8],
    y: &Tensor<T>,
    ly: &[u8],
    keep: &[u8],
    dims: &BTreeMap<u8, usize>,
) -> (Tensor<T>, Vec<u8>) {
    let ux: Vec<u8> = unique(lx)
        .into_iter()
        .filter(|l| ly.contains(l) || keep.contains(l))
        .collect();
    let uy: Vec<u8> = unique(ly)
        .into_iter()
        .filter(|l| lx.contains(l) || keep.contains(l))
        .collect();
    let batch: Vec<u8> = ux
        .iter()
        .copied()
        .filter(|l| uy.contains(l) && keep.contains(l))
        .collect();
    let contr: Vec<u8> = ux
        .iter()
        .copied()
        .filter(|l| uy.contains(l) && !keep.contains(l))
        .collect();
    let xf: Vec<u8> = ux.iter().copied().filter(|l| !uy.contains(l)).collect();
    let yf: Vec<u8> = uy.iter().copied().filter(|l| !ux.contains(l)).collect();
    let size = |ls: &[u8]| ls.iter().map(|l| dims[l]).product::<usize>();
    let (nb, nm, nk, nn) = (size(&batch), size(&xf), size(&contr), size(&yf));
    let x2 = reindex(
        x,
        lx,
        &[batch.clone(), xf.clone(), contr.clone()].concat(),
        dims,
    );
    let y2 = reindex(
        y,
        ly,
        &[batch.clone(), contr.clone(), yf.clone()].concat(),
        dims,
    );
    let mut out = Vec::with_capacity(nb * nm * nn);
    for b in 0..nb {
        let xa = unsafe { crate::dense::view(x2.data[b * nm * nk..].as_ptr(), nm, nk, nk) };
        let ya = unsafe { crate::dense::view(y2.data[b * nk * nn..].as_ptr(), nk, nn, nn) };
        let z: Mat<T> = mm(xa, ya);
        for i in 0..nm {
            for j in 0..nn {
                out.push(z[(i, j)]);
            }
        }
    }
    let labels = [batch, xf, yf].concat();
    let shape = labels.iter().map(|l| dims[l]).collect();
    (Tensor { shape, data: out }, labels)
}

/// Multiply-adds of contracting operands with these labels.
fn cost(a: &[u8], b: &[u8], dims: &BTreeMap<u8, usize>) -> usize {
    unique(&[a, b].concat()).iter().map(|l| dims[l]).product()
}

/// Evaluate `spec` on `ops`; `dims` gives every label's size (including
/// output labels no operand has, which broadcast).
pub fn eval<T: Scalar>(spec: &Spec, ops: &[&Tensor<T>], dims: &BTreeMap<u8, usize>) -> Tensor<T> {
    let l = &spec.inputs;
    match ops.len() {
        1 => reindex(ops[0], &l[0], &spec.output, dims),
        2 => {
            let (t, lt) = contract(ops[0], &l[0], ops[1], &l[1], &spec.output, dims);
            reindex(&t, &lt, &spec.output, dims)
        }
        3 => {
            // The cheapest pair first; the third operand's labels stay.
            let pairs = [(0, 1, 2), (0, 2, 1), (1, 2, 0)];
            let &(i, j, k) = pairs
                .iter()
                .min_by_key(|(i, j, k)| {
                    let first = cost(&l[*i], &l[*j], dims);
                    let keep = [l[*k].clone(), spec.output.clone()].concat();
                    let mid: Vec<u8> = unique(&[l[*i].clone(), l[*j].clone()].concat())
                        .into_iter()
                        .filter(|x| keep.contains(x))
                        .collect();
                    first + cost(&mid, &l[*k], dims)
                })
                .unwrap();
            let keep = [l[k].clone(), spec.output.clone()].concat();
            let (t, lt) = contract(ops[i], &l[i], ops[j], &l[j], &keep, dims);
            let (u, lu) = contract(&t, &lt, ops[k], &l[k], &spec.output, dims);
            reindex(&u, &lu, &spec.output, dims)
        }
        _ => unreachable!("parse allows 1 to 3 operands"),
    }
}

/// dOut for tangents `dops` (`None`: zero).
pub fn jvp<T: Scalar>(
    spec: &Spec,
    ops: &[&Tensor<T>],
    dops: &[Option<&Tensor<T>>],
    dims: &BTreeMap<u8, usize>,
) -> Tensor<T> {
    let oshape: Vec<usize> = spec.output.iter().map(|l| dims[l]).collect();
    let mut out = Tensor::zeros(&oshape);
    for (k, d) in dops.iter().enumerate() {
        let Some(d) = d else { continue };
        let mut args: Vec<&Tensor<T>> = ops.to_vec();
        args[k] = d;
        for (o, v) in out.data.iter_mut().zip(eval(spec, &args, dims).data) {
            *o += v;
        }
    }
    out
}

/// The adjoint of operand `k` for the output adjoint `out_bar`.
pub fn vjp<T: Scalar>(
    spec: &Spec,
    ops: &[&Tensor<T>],
    out_bar: &Tensor<T>,
    k: usize,
    dims: &BTreeMap<u8, usize>,
) -> Tensor<T> {
    let mut inputs = Vec::new();
    let others: Vec<Tensor<T>> = (0..ops.len())
        .filter(|i| *i != k)
        .map(|i| {
            inputs.push(spec.inputs[i].clone());
            ops[i].conj()
        })
        .collect();
    let mut args: Vec<&Tensor<T>> = others.iter().collect();
    inputs.push(spec.output.clone());
    args.push(out_bar);
    let s = Spec {
        inputs,
        output: spec.inputs[k].clone(),
    };
    eval(&s, &args, dims)
}

/// A row-major matrix view of a 2-D tensor (for tests and callers).
pub fn as_mat<T: Scalar>(t: &Tensor<T>) -> MatRef<'_, T> {
    assert_eq!(t.shape.len(), 2);
    unsafe { crate::dense::view(t.data.as_ptr(), t.shape[0], t.shape[1], t.shape[1]) }
}
