//! Snapshots of work arrays, one per loop iteration, instead of one taped
//! value per load.
//!
//! A loop body that fills a work array and then reads it in several inner
//! loops (GMM: `xc = x - mu`, read by Q's diagonal loop and again by its
//! triangular loop) would tape every value it reads, once per read: the
//! same array twice per iteration. If nothing writes the array between
//! those reads and the end of the iteration, its contents at the end of the
//! iteration are what every read saw. So the forward sweep copies the whole
//! array onto the tape at the end of each iteration (at the loop's latch),
//! and the reverse sweep, which pops that copy when it starts reversing the
//! iteration, repeats the reads from the copy (at the same offsets).
//!
//! Only blocks whose size the program computes at run time (malloc with a
//! variable size, a variable-length array, a Rust `vec![0.0; n]`) are
//! candidates: such a block is
//! sized to what the program uses, while a fixed buffer (`double xc[64]`
//! for d <= 64) may be far larger than the part an iteration reads. And
//! only when the reads are worth it: each pass over the array in a loop
//! nested k levels inside the snapshot loop counts k (the loads of one
//! source line, of one loop, and of a vector loop and its remainder loop
//! make one pass), and the array is copied when the passes count at least
//! 2 (two loops that each stream through it, or one loop nest that reads
//! it over and over). One pass gains nothing: its reads take as much tape
//! as the copy, which costs a call to memcpy each way.

use super::loops::{LoopAnalysis, SimpleLoop};
use super::memory::MemoryWrites;
use super::types::root_object;
use crate::ir::heap::HeapFn;
use crate::ir::{Block, Value};
use indexmap::{IndexMap, IndexSet};
use llvm_sys::LLVMOpcode;

/// One work array copied at the end of every iteration of one loop.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The array: a heap call, a variable-length alloca, or a phi of a heap
    /// call and a dangling address (see [`MemoryWrites::allocation`]).
    pub object: Value,
    /// Its heap call, if on the heap.
    pub allocation: Option<Value>,
    /// The loop: its header and its latch (its only exiting block).
    pub header: Block,
    pub latch: Block,
    /// The array's size in bytes is `count * scale`.
    pub count: Value,
    pub scale: u64,
    /// The loads the reverse sweep repeats from the restored array.
    pub loads: Vec<Value>,
}

impl Snapshot {
    /// One line for `--stats`.
    pub fn describe(&self) -> String {
        let at = self.allocation.unwrap_or(self.object);
        let what = match at.called_function() {
            Some(f) => {
                let name = f.name();
                let plain = crate::ir::heap::rust_shim_name(&name).unwrap_or(&name);
                format!("the `{plain}` block {}", short(self.object))
            }
            None => format!("the stack array {}", short(self.object)),
        };
        let place = crate::ir::debug_loc::SourceLoc::of(at)
            .map(|l| {
                format!(
                    " ({}:{})",
                    l.file.rsplit('/').next().unwrap_or(&l.file),
                    l.line
                )
            })
            .unwrap_or_default();
        let size = match self.scale {
            1 => format!("{} bytes", short(self.count)),
            s => format!("{} x {s} bytes", short(self.count)),
        };
        format!(
            "snapshot of {what}{place}, {size}, per iteration of the loop at {}, \
             instead of {} taped loads",
            self.header.label(),
            self.loads.len()
        )
    }
}

/// `%name` of a value (`%12` for an unnamed instruction), or a constant.
fn short(v: Value) -> String {
    let name = v.name();
    if !name.is_empty() {
        return format!("%{name}");
    }
    let text = v.print();
    let text = text.trim();
    match text.split_once(" = ") {
        Some((lhs, _)) => lhs.to_string(),
        None => text.to_string(),
    }
}

/// A load, its innermost loop and how many loops inside the snapshot loop
/// hold it.
type Read = (Value, Block, u32);

#[derive(Default)]
pub struct IterationSnapshots {
    list: Vec<Snapshot>,
    /// Each repeated load and the index of its snapshot.
    covered: IndexMap<Value, usize>,
}

impl IterationSnapshots {
    /// The snapshots worth taking for the loads in `needed` (loads whose
    /// value the reverse sweep needs and cannot simply repeat).
    pub fn compute(loops: &LoopAnalysis, memory: &MemoryWrites, needed: &[Value]) -> Self {
        // Per (array, loop): the loads, their innermost loops and depths.
        let mut groups: IndexMap<(Value, Block), Vec<Read>> = IndexMap::new();
        for &load in needed {
            let object = root_object(load.operand(0));
            if !memory.is_private(object) || memory.freed_early(object) {
                continue;
            }
            if object_size(object, memory).is_none() {
                continue;
            }
            let b = load.parent_block();
            // The loops around the load, innermost first.
            let mut around: Vec<&SimpleLoop> = loops
                .simple_loops()
                .filter(|l| l.body.contains(&b))
                .collect();
            around.sort_by_key(|l| l.body.len());
            // The outermost loop that qualifies: fewest copies. (A load in
            // that loop's own body weighs nothing but is repeated too.)
            let chosen = around
                .iter()
                .enumerate()
                .rev()
                .find(|(_, l)| qualifies(l, object, load, memory));
            if let Some((depth, l)) = chosen {
                groups.entry((object, l.header)).or_default().push((
                    load,
                    around[0].header,
                    depth as u32,
                ));
            }
        }
        let mut out = IterationSnapshots::default();
        for ((object, header), loads) in groups {
            // Each pass over the array counts once: the loads of one inner
            // loop (an unrolled loop's several loads), of one source line,
            // and of a loop and the loop that continues its count (a
            // vector loop and its remainder) stream through it together.
            let inner: Vec<Block> = loads.iter().map(|(_, m, _)| *m).collect();
            let line = |v: Value| crate::ir::debug_loc::SourceLoc::of(v).map(|l| l.line);
            let mut pass: Vec<usize> = (0..loads.len()).collect();
            fn find(p: &mut [usize], i: usize) -> usize {
                if p[i] != i {
                    p[i] = find(p, p[i]);
                }
                p[i]
            }
            for a in 0..loads.len() {
                for b in a + 1..loads.len() {
                    let same = inner[a] == inner[b]
                        || line(loads[a].0).is_some_and(|l| Some(l) == line(loads[b].0))
                        || [(a, b), (b, a)].into_iter().any(|(x, y)| {
                            match (loops.simple_loop(inner[x]), loops.simple_loop(inner[y])) {
                                (Some(m1), Some(m2)) => continues(m1, m2),
                                _ => false,
                            }
                        });
                    if same {
                        let (ra, rb) = (find(&mut pass, a), find(&mut pass, b));
                        pass[ra] = rb;
                    }
                }
            }
            let mut weight: IndexMap<usize, u32> = IndexMap::new();
            for (i, (_, _, w)) in loads.iter().enumerate() {
                let e = weight.entry(find(&mut pass, i)).or_insert(0);
                *e = (*e).max(*w);
            }
            if weight.values().sum::<u32>() < 2 {
                continue;
            }
            let (count, scale) = object_size(object, memory).expect("checked above");
            let latch = loops.simple_loop(header).expect("simple loop").latch;
            let loads: Vec<Value> = loads.into_iter().map(|(l, _, _)| l).collect();
            out.covered
                .extend(loads.iter().map(|l| (*l, out.list.len())));
            out.list.push(Snapshot {
                object,
                allocation: memory.allocation(object),
                header,
                latch,
                count,
                scale,
                loads,
            });
        }
        out
    }

    /// Whether the reverse sweep repeats `load` from a snapshot.
    pub fn covers(&self, load: Value) -> bool {
        self.covered.contains_key(&load)
    }

    /// The index of the snapshot `load` is repeated from.
    pub fn covering(&self, load: Value) -> Option<usize> {
        self.covered.get(&load).copied()
    }

    pub fn get(&self, i: usize) -> &Snapshot {
        &self.list[i]
    }

    /// Keep only the snapshots `keep` accepts.
    pub fn retain(&mut self, keep: impl FnMut(&Snapshot) -> bool) {
        self.list.retain(keep);
        self.covered = self
            .list
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.loads.iter().map(move |l| (*l, i)))
            .collect();
    }

    /// The snapshots taken at the end of block `b` with their indices, in
    /// the order taken.
    pub fn at_latch(&self, b: Block) -> impl Iterator<Item = (usize, &Snapshot)> {
        self.list
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.latch == b)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Snapshot> {
        self.list.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Whether a snapshot of `object` at the end of each iteration of `l` holds
/// what `load` read: the object lives across the loop, an iteration that
/// runs the load ends at the latch, and nothing writes the object after
/// the load before the iteration ends.
fn qualifies(l: &SimpleLoop, object: Value, load: Value, memory: &MemoryWrites) -> bool {
    if l.body.contains(&object.parent_block()) {
        return false;
    }
    // The value is used only within the iteration (the reverse sweep
    // repeats the load only there).
    let inside = |u: &Value| u.is_instruction() && l.body.contains(&u.parent_block());
    if !load.users().iter().all(inside) {
        return false;
    }
    // Blocks the iteration can still run after the load's block.
    let start = load.parent_block();
    let mut later = IndexSet::new();
    let mut work: Vec<Block> = start
        .successors()
        .into_iter()
        .filter(|s| *s != l.header)
        .collect();
    while let Some(b) = work.pop() {
        if l.body.contains(&b) && later.insert(b) {
            work.extend(b.successors().into_iter().filter(|s| *s != l.header));
        }
    }
    // An iteration that runs the load ends at the latch (where the copy is
    // taken): no other block that leaves the loop comes after the load. (A
    // block that ends the program, as a failed bounds check does, may be
    // left to: such a run never gets to the reverse sweep.)
    let ends = |b: &Block| {
        b.terminator()
            .is_some_and(|t| t.opcode() == Some(LLVMOpcode::LLVMUnreachable))
    };
    let leaves = |b: &Block| {
        b.successors()
            .iter()
            .any(|s| !l.body.contains(s) && !ends(s))
    };
    let ends_at_latch = l
        .body
        .iter()
        .filter(|b| **b != l.latch && leaves(b))
        .all(|b| *b != start && !later.contains(b));
    if !ends_at_latch {
        return false;
    }
    !memory.writers_of(object).any(|w| {
        let wb = w.parent_block();
        later.contains(&wb) || (wb == start && memory.precedes(load, w))
    })
}

/// Whether loop `m2` continues the count of loop `m1`: an induction
/// variable of `m2` starts (through at most a few phis) at a value `m1`
/// computes or tests its exit against, as a vectorized loop's remainder
/// loop starts where the vector loop stopped.
fn continues(m1: &SimpleLoop, m2: &SimpleLoop) -> bool {
    let bound: Vec<Value> = m1
        .latch
        .terminator()
        .filter(|t| t.num_operands() == 3)
        .map(|t| t.operand(0))
        .filter(|c| c.opcode() == Some(LLVMOpcode::LLVMICmp))
        .map(|c| c.operands().collect())
        .unwrap_or_default();
    let from_m1 = |v: Value| {
        bound.contains(&v) || (v.is_instruction() && m1.body.contains(&v.parent_block()))
    };
    m2.header.instructions().into_iter().any(|phi| {
        if phi.opcode() != Some(LLVMOpcode::LLVMPHI) || !phi.ty().is_integer() {
            return false;
        }
        let Some(start) = phi.incoming_from(m2.preheader) else {
            return false;
        };
        let mut work = vec![(start, 0)];
        while let Some((v, depth)) = work.pop() {
            if from_m1(v) {
                return true;
            }
            if v.opcode() == Some(LLVMOpcode::LLVMPHI) && depth < 3 {
                work.extend((0..v.count_incoming()).map(|i| (v.incoming(i).0, depth + 1)));
            }
        }
        false
    })
}

/// A block's size as `count * scale` bytes, when the program computes it
/// at run time.
fn object_size(object: Value, memory: &MemoryWrites) -> Option<(Value, u64)> {
    let (count, scale) = if object.opcode() == Some(LLVMOpcode::LLVMAlloca) {
        let f = object.parent_function();
        let td = unsafe { llvm_sys::target::LLVMGetModuleDataLayout(f.module()) };
        let bytes = unsafe { llvm_sys::target::LLVMABISizeOfType(td, object.allocated_type().0) };
        (object.operand(0), bytes)
    } else {
        let call = memory.allocation(object)?;
        let args = call.call_args();
        match HeapFn::of(call)? {
            HeapFn::Malloc | HeapFn::RustAlloc => (args[0], 1),
            HeapFn::AlignedAlloc { size_first } => (args[usize::from(!size_first)], 1),
            HeapFn::Calloc => (args[0], args[1].const_u64()?),
            _ => return None,
        }
    };
    (!count.is_constant() && count.ty().is_integer() && scale > 0).then_some((count, scale))
}
