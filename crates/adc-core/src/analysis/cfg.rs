//! The control-flow graph of a function: successors, predecessors and a
//! reverse post-order (every block after its dominators, so a walk in this
//! order sees each definition before its non-phi uses).

use crate::ir::{Block, Function};
use indexmap::{IndexMap, IndexSet};

pub struct ControlFlowGraph {
    rpo: Vec<Block>,
    preds: IndexMap<Block, Vec<Block>>,
}

impl ControlFlowGraph {
    pub fn compute(f: Function) -> Self {
        let mut preds: IndexMap<Block, Vec<Block>> = IndexMap::new();
        let mut post = Vec::new();
        let mut seen = IndexSet::new();
        // Iterative DFS: (block, next successor index).
        let entry = f.entry();
        let mut stack = vec![(entry, f.entry().successors(), 0usize)];
        seen.insert(entry);
        while let Some((b, succs, i)) = stack.last_mut() {
            if *i < succs.len() {
                let s = succs[*i];
                *i += 1;
                preds.entry(s).or_default().push(*b);
                if seen.insert(s) {
                    stack.push((s, s.successors(), 0));
                }
            } else {
                post.push(*b);
                stack.pop();
            }
        }
        post.reverse();
        ControlFlowGraph { rpo: post, preds }
    }
    /// Reachable blocks in reverse post-order, entry first.
    pub fn reverse_post_order(&self) -> &[Block] {
        &self.rpo
    }
    /// Reachable predecessors of `b` (with multiplicity for switch edges).
    pub fn predecessors(&self, b: Block) -> &[Block] {
        self.preds.get(&b).map(Vec::as_slice).unwrap_or(&[])
    }
    pub fn is_reachable(&self, b: Block) -> bool {
        self.rpo.contains(&b)
    }
}
