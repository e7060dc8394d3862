//! The dominator tree of a function's reachable blocks (Cooper, Harvey and
//! Kennedy's iterative algorithm over the reverse post-order): `a` dominates
//! `b` when every path from the entry to `b` passes through `a`.

use super::cfg::ControlFlowGraph;
use crate::ir::Block;
use std::collections::HashMap;

pub struct DominatorTree {
    /// Position of each reachable block in the reverse post-order.
    order: HashMap<Block, usize>,
    /// Immediate dominator, by position (the entry is its own).
    idom: Vec<usize>,
    blocks: Vec<Block>,
}

impl DominatorTree {
    pub fn compute(cfg: &ControlFlowGraph) -> Self {
        let blocks = cfg.reverse_post_order().to_vec();
        let order: HashMap<Block, usize> = blocks.iter().enumerate().map(|(i, b)| (*b, i)).collect();
        const UNSET: usize = usize::MAX;
        let mut idom = vec![UNSET; blocks.len()];
        if blocks.is_empty() {
            return DominatorTree { order, idom, blocks };
        }
        idom[0] = 0;
        let intersect = |idom: &[usize], mut a: usize, mut b: usize| {
            while a != b {
                while a > b {
                    a = idom[a];
                }
                while b > a {
                    b = idom[b];
                }
            }
            a
        };
        let mut changed = true;
        while changed {
            changed = false;
            for i in 1..blocks.len() {
                let mut new = UNSET;
                for p in cfg.predecessors(blocks[i]) {
                    let Some(&p) = order.get(p) else { continue };
                    if idom[p] == UNSET {
                        continue;
                    }
                    new = if new == UNSET {
                        p
                    } else {
                        intersect(&idom, p, new)
                    };
                }
                if new != idom[i] {
                    idom[i] = new;
                    changed = true;
                }
            }
        }
        DominatorTree { order, idom, blocks }
    }

    /// Whether `a` dominates `b` (every block dominates itself).
    pub fn dominates(&self, a: Block, b: Block) -> bool {
        let (Some(&a), Some(&b)) = (self.order.get(&a), self.order.get(&b)) else {
            return false;
        };
        let mut b = b;
        loop {
            if a == b {
                return true;
            }
            if b == 0 || b < a {
                return false;
            }
            b = self.idom[b];
        }
    }

    /// The immediate dominator of `b` (none for the entry).
    pub fn idom(&self, b: Block) -> Option<Block> {
        let i = *self.order.get(&b)?;
        (i != 0).then(|| self.blocks[self.idom[i]])
    }
}
