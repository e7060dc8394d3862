//! Which blocks lie on a cycle of the CFG (are in some loop).
//!
//! Reverse mode keeps a value needed by the adjoint in a plain stack slot
//! when its block runs at most once per call, and on the tape otherwise;
//! this is the query that decides. Strongly connected components (Tarjan),
//! so irreducible control flow is handled too.

use super::ControlFlowGraph;
use crate::ir::Block;
use indexmap::{IndexMap, IndexSet};

pub struct LoopAnalysis {
    in_cycle: IndexSet<Block>,
    simple: IndexMap<Block, SimpleLoop>,
}

/// A loop in loop-simplify form: one preheader, one latch, dedicated exits.
#[derive(Clone, Debug)]
pub struct SimpleLoop {
    pub header: Block,
    pub preheader: Block,
    pub latch: Block,
    pub body: IndexSet<Block>,
    /// Blocks outside the loop entered from it (all their predecessors are in the body).
    pub exits: Vec<Block>,
}

impl LoopAnalysis {
    pub fn compute(cfg: &ControlFlowGraph) -> Self {
        let blocks = cfg.reverse_post_order();
        let mut index: IndexMap<Block, usize> = IndexMap::new();
        let mut low: IndexMap<Block, usize> = IndexMap::new();
        let mut on_stack = IndexSet::new();
        let mut stack = Vec::new();
        let mut in_cycle = IndexSet::new();
        let mut next = 0;
        // Iterative Tarjan: frames of (block, successors, next successor).
        for &root in blocks {
            if index.contains_key(&root) {
                continue;
            }
            let mut frames = vec![(root, root.successors(), 0usize)];
            index.insert(root, next);
            low.insert(root, next);
            next += 1;
            stack.push(root);
            on_stack.insert(root);
            while let Some((b, succs, i)) = frames.last_mut() {
                let b = *b;
                if *i < succs.len() {
                    let s = succs[*i];
                    *i += 1;
                    if s == b {
                        in_cycle.insert(b);
                    }
                    if let indexmap::map::Entry::Vacant(e) = index.entry(s) {
                        e.insert(next);
                        low.insert(s, next);
                        next += 1;
                        stack.push(s);
                        on_stack.insert(s);
                        frames.push((s, s.successors(), 0));
                    } else if on_stack.contains(&s) {
                        let m = low[&b].min(index[&s]);
                        low.insert(b, m);
                    }
                } else {
                    frames.pop();
                    if let Some((parent, _, _)) = frames.last() {
                        let m = low[parent].min(low[&b]);
                        low.insert(*parent, m);
                    }
                    if low[&b] == index[&b] {
                        let mut comp = Vec::new();
                        loop {
                            let w = stack.pop().expect("tarjan stack");
                            on_stack.shift_remove(&w);
                            comp.push(w);
                            if w == b {
                                break;
                            }
                        }
                        if comp.len() > 1 {
                            in_cycle.extend(comp);
                        }
                    }
                }
            }
        }
        let mut simple = IndexMap::new();
        for &h in blocks {
            let mut preds: Vec<Block> = Vec::new();
            for p in cfg.predecessors(h) {
                if !preds.contains(p) {
                    preds.push(*p);
                }
            }
            if preds.len() != 2 || !in_cycle.contains(&h) {
                continue;
            }
            // The latch is the predecessor reachable from the header.
            let body_of = |latch: Block| -> Option<IndexSet<Block>> {
                let mut body = IndexSet::from([h]);
                let mut work = vec![latch];
                while let Some(b) = work.pop() {
                    if body.insert(b) {
                        work.extend(cfg.predecessors(b).iter().copied());
                    }
                }
                (!body.contains(&blocks[0])).then_some(body)
            };
            for (latch, pre) in [(preds[0], preds[1]), (preds[1], preds[0])] {
                let Some(body) = body_of(latch) else { continue };
                if body.contains(&pre) || !body.contains(&latch) {
                    continue;
                }
                let mut exits: Vec<Block> = Vec::new();
                for b in &body {
                    for s in b.successors() {
                        if !body.contains(&s) && !exits.contains(&s) {
                            exits.push(s);
                        }
                    }
                }
                let dedicated = exits
                    .iter()
                    .all(|e| cfg.predecessors(*e).iter().all(|p| body.contains(p)));
                if dedicated {
                    simple.insert(
                        h,
                        SimpleLoop {
                            header: h,
                            preheader: pre,
                            latch,
                            body,
                            exits,
                        },
                    );
                    break;
                }
            }
        }
        LoopAnalysis { in_cycle, simple }
    }

    /// The loop headed by `h`, if it is in loop-simplify form.
    pub fn simple_loop(&self, h: Block) -> Option<&SimpleLoop> {
        self.simple.get(&h)
    }

    /// Every loop in loop-simplify form.
    pub fn simple_loops(&self) -> impl Iterator<Item = &SimpleLoop> {
        self.simple.values()
    }

    /// The innermost loop in loop-simplify form whose body holds `b`.
    pub fn innermost_simple(&self, b: Block) -> Option<&SimpleLoop> {
        self.simple
            .values()
            .filter(|l| l.body.contains(&b))
            .min_by_key(|l| l.body.len())
    }

    /// Whether `b` can run more than once per call.
    pub fn in_loop(&self, b: Block) -> bool {
        self.in_cycle.contains(&b)
    }
}
