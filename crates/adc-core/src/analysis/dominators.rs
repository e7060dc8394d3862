//! The dominator tree of a function's reachable blocks (Cooper, Harvey and
//! Kennedy's iterative algorithm over the reverse post-order): `a` dominates
//! `b` when every path from the entry to `b` passes through `a`.

use super::cfg::ControlFlowGraph;
use crate::ir::Block;
use indexmap::IndexMap;

pub struct DominatorTree {
    /// Position of each reachable block in the reverse post-order.
    order: IndexMap<Block, usize>,
    /// Immediate dominator, by position (the entry is its own).
    idom: Vec<usize>,
    blocks: Vec<Block>,
}

impl DominatorTree {
    pub fn compute(cfg: &ControlFlowGraph) -> Self {
        let blocks = cfg.reverse_post_order().to_vec();
        let order: IndexMap<Block, usize> =
            blocks.iter().enumerate().map(|(i, b)| (*b, i)).collect();
        const UNSET: usize = usize::MAX;
        let mut idom = vec![UNSET; blocks.len()];
        if blocks.is_empty() {
            return DominatorTree {
                order,
                idom,
                blocks,
            };
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
        DominatorTree {
            order,
            idom,
            blocks,
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{get_function, Function};
    use inkwell::context::Context;
    use inkwell::memory_buffer::MemoryBuffer;

    const IR: &str = r#"
define void @f(i1 %c, i1 %d) {
entry:
  br i1 %c, label %then, label %else
then:
  br label %loop
loop:
  br i1 %d, label %loop, label %merge
else:
  br label %merge
merge:
  ret void
}
"#;

    #[test]
    fn diamond_with_a_loop_in_one_arm() {
        let ctx = Context::create();
        let buf = MemoryBuffer::create_from_memory_range_copy(IR.as_bytes(), "t");
        let m = ctx.create_module_from_ir(buf).unwrap();
        let f: Function = get_function(m.as_mut_ptr(), "f").unwrap();
        let b = |n: &str| f.blocks().into_iter().find(|b| b.name() == n).unwrap();
        let doms = DominatorTree::compute(&ControlFlowGraph::compute(f));
        let (entry, then, lp, els, merge) =
            (b("entry"), b("then"), b("loop"), b("else"), b("merge"));
        assert_eq!(doms.idom(merge), Some(entry));
        assert_eq!(doms.idom(lp), Some(then));
        assert_eq!(doms.idom(entry), None);
        assert!(doms.dominates(then, lp) && doms.dominates(entry, merge));
        assert!(!doms.dominates(then, merge) && !doms.dominates(els, merge));
        assert!(doms.dominates(lp, lp) && !doms.dominates(lp, then));
    }
}
