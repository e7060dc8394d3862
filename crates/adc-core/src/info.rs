//! `adc info`: a function's IR annotated with the activity of every value,
//! so a user can see why a derivative is zero or where the cost goes.

use crate::analysis::ActivityAnalysis;
use crate::ir::Function;
use crate::signature::Activity;
use std::fmt::Write as _;

/// The annotated listing of `f` (after adc's preprocessing) under `acts`.
pub fn annotate(f: Function, acts: &[Activity]) -> String {
    let params = f.params();
    let names: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = p.name();
            if n.is_empty() {
                format!("arg{i}")
            } else {
                n
            }
        })
        .collect();
    let full = ActivityAnalysis::compute(f, acts);
    // Which active input each value depends on: one analysis per input.
    let per_input: Vec<(usize, ActivityAnalysis)> = acts
        .iter()
        .enumerate()
        .filter(|(_, a)| **a != Activity::Const)
        .map(|(i, _)| {
            let mut only = vec![Activity::Const; acts.len()];
            only[i] = acts[i];
            (i, ActivityAnalysis::compute(f, &only))
        })
        .collect();
    let mut out = String::new();
    let sig: Vec<String> = params
        .iter()
        .zip(acts)
        .zip(&names)
        .map(|((p, a), n)| format!("{} {n}: {a:?}", p.ty().print()))
        .collect();
    writeln!(out, "function {}({})", f.name(), sig.join(", ")).unwrap();
    let (mut active, mut total) = (0, 0);
    for bb in f.blocks() {
        writeln!(out, "{}:", bb.label()).unwrap();
        for i in bb.instructions() {
            total += 1;
            let deps: Vec<&str> = per_input
                .iter()
                .filter(|(_, a)| a.is_varied(i))
                .map(|(k, _)| names[*k].as_str())
                .collect();
            let carries = i.ty().contains_float() || i.ty().is_pointer();
            let (tag, why) = if !full.is_varied(i) {
                let why = if carries {
                    "depends on no active input".to_string()
                } else if i.ty().is_void() {
                    "control flow or effect".to_string()
                } else {
                    "integer value: never differentiated".to_string()
                };
                ("const ", why)
            } else if full.is_active(i) {
                active += 1;
                (
                    "active",
                    format!("depends on {}; reaches an output", deps.join(", ")),
                )
            } else {
                (
                    "varied",
                    format!(
                        "depends on {} but reaches no output: no adjoint",
                        deps.join(", ")
                    ),
                )
            };
            // Metadata attachments (`, !dbg !12`) come last; they are noise here.
            let text = i.print();
            let text = text.split(", !").next().unwrap_or(&text).to_string();
            writeln!(out, "  {tag}  {text:<60} ; {why}").unwrap();
        }
    }
    writeln!(out, "{active} of {total} instructions are active").unwrap();
    // The names `--checkpoint` takes.
    let loops = crate::checkpoint::names::loops_of(f);
    if !loops.is_empty() {
        writeln!(out, "loops (for --checkpoint):").unwrap();
    }
    for l in loops {
        let at = l.location.map(|s| format!(" at {s}")).unwrap_or_default();
        writeln!(
            out,
            "  {}:{}  header {}{at}",
            f.name(),
            l.index,
            l.header.label()
        )
        .unwrap();
    }
    out
}
