//! Binomial checkpointing schedules (Griewank's revolve, Griewank and
//! Walther, "Evaluating derivatives", chapter 12).
//!
//! Reverse mode reverses the steps x_{i-1} -> x_i of a loop in the
//! opposite order, each from its input state. With s snapshots of states
//! and each step run forward at most t times before its reverse, at most
//! η(s, t) = (s + t)! / (s! t!) steps can be reversed ([`eta`]). A schedule
//! is a list of [`Action`]s: advance (run steps forward without a tape),
//! store or restore a snapshot, and the turn of one step (run it forward
//! with its tape, then its reverse). For T steps and s snapshots the
//! fewest advances any schedule needs is t T - η(s + 1, t - 1) with t the
//! least repetition number with η(s, t) >= T ([`forward_steps`]);
//! [`offline`] builds a schedule that meets it.
//!
//! Conventions (revolve's): the s snapshots include the one of the entry
//! state x_0 (a loop that updates its state in place overwrites it), so
//! s >= 1 and s = 1 means each turn advances from x_0 again; the state
//! being advanced is not a snapshot (peak state memory: s + 1 copies).
//! Turns are not advances; the first sweep's advances are counted: plain
//! reverse mode, T turns with every state kept, would advance nothing.

/// η(s, t) = C(s + t, s), saturating at `u128::MAX`.
pub fn eta(s: u64, t: u64) -> u128 {
    let (small, large) = if s < t { (s, t) } else { (t, s) };
    let mut r: u128 = 1;
    for i in 1..=small as u128 {
        // r * (large + i) / i stays exact: r is C(large + i - 1, i - 1).
        r = match r.checked_mul(large as u128 + i) {
            Some(x) => x / i,
            None => return u128::MAX,
        };
    }
    r
}

/// The least repetition number t with η(s, t) >= steps: how many times the
/// most often advanced step runs forward before its turn, plus one.
pub fn repetitions(steps: u64, snapshots: u64) -> u64 {
    let mut t = 0;
    while eta(snapshots, t) < steps as u128 {
        t += 1;
    }
    t
}

/// The fewest advances (steps run forward without a tape) that reverse
/// `steps` steps with `snapshots` >= 1 snapshots: t T - η(s + 1, t - 1).
pub fn forward_steps(steps: u64, snapshots: u64) -> u64 {
    assert!(snapshots >= 1, "the entry state needs a snapshot");
    if steps <= 1 {
        return 0;
    }
    let t = repetitions(steps, snapshots);
    (t as u128 * steps as u128 - eta(snapshots + 1, t - 1)) as u64
}

/// Forward evaluations of a step per step, against plain reverse mode's
/// one: (advances + turns) / turns.
pub fn recomputation_factor(steps: u64, snapshots: u64) -> f64 {
    if steps == 0 {
        return 1.0;
    }
    (forward_steps(steps, snapshots) + steps) as f64 / steps as f64
}

/// `--stats`: the recomputation factor with `snapshots` snapshots for a
/// few trip counts (the real one is known when the loop starts).
pub fn factor_table(snapshots: u32) -> String {
    let row: Vec<String> = [100u64, 1_000, 10_000, 100_000]
        .iter()
        .map(|&t| format!("T = {t}: {:.2}", recomputation_factor(t, snapshots as u64)))
        .collect();
    format!(
        "forward runs of an iteration per iteration: {}",
        row.join(", ")
    )
}

/// One move of a schedule. States are numbered by the steps done: state i
/// is the loop's state after i steps (the input of step i + 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run steps `from + 1 ..= to` forward without a tape.
    Advance { from: u64, to: u64 },
    /// Copy the current state (state `step`) into snapshot `slot`.
    Store { slot: usize, step: u64 },
    /// Make snapshot `slot` (state `step`) the current state.
    Restore { slot: usize, step: u64 },
    /// Snapshot `slot` is no longer needed.
    Free { slot: usize },
    /// Step `step` (from state `step - 1`, the current one) forward with its
    /// tape, then its reverse: its adjoint is done.
    Turn { step: u64 },
}

/// A schedule and what it costs.
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    pub actions: Vec<Action>,
    /// Steps run forward without a tape.
    pub advances: u64,
    /// Most snapshots held at once.
    pub peak_snapshots: usize,
}

/// The binomial schedule reversing `steps` steps with `snapshots` >= 1
/// snapshots (offline: the number of steps is known before the first).
/// Snapshot 0 holds the entry state.
pub fn offline(steps: u64, snapshots: usize) -> Schedule {
    assert!(snapshots >= 1, "the entry state needs a snapshot");
    let mut b = Build {
        out: Schedule::default(),
        free: (1..snapshots).rev().collect(),
        total: snapshots,
    };
    b.push(Action::Store { slot: 0, step: 0 });
    b.out.peak_snapshots = 1;
    if steps > 0 {
        b.reverse(0, steps, 0);
    }
    b.push(Action::Free { slot: 0 });
    b.out
}

struct Build {
    out: Schedule,
    /// Snapshot slots not in use (the next one taken is last).
    free: Vec<usize>,
    total: usize,
}

impl Build {
    fn push(&mut self, a: Action) {
        if let Action::Advance { from, to } = a {
            self.out.advances += to - from;
        }
        self.out.actions.push(a);
    }

    /// Reverse steps a + 1 ..= b, the current state being state a, which
    /// snapshot `held` keeps.
    fn reverse(&mut self, a: u64, b: u64, held: usize) {
        let l = b - a;
        if l == 1 {
            self.push(Action::Turn { step: b });
            return;
        }
        // Snapshots for this range: the held one and the free ones.
        let s = self.free.len() as u64 + 1;
        if s == 1 {
            // No snapshot left: each step from state a again.
            for j in (a + 1..=b).rev() {
                if j < b {
                    self.push(Action::Restore {
                        slot: held,
                        step: a,
                    });
                }
                if j - 1 > a {
                    self.push(Action::Advance { from: a, to: j - 1 });
                }
                self.push(Action::Turn { step: j });
            }
            return;
        }
        // Split at m = a + l1. The head (l1 steps, s snapshots) and the tail
        // (l - l1, s - 1) both stay within the least repetition number t
        // of the whole (η(s, t) = η(s, t - 1) + η(s - 1, t)) when l1 is
        // at least l - η(s - 1, t), and the advances are fewest when also
        // l1 >= η(s, t - 2) (the head needs its t - 1 repetitions): the
        // shortest such head (the tests check it against the exhaustive
        // minimum).
        let t = repetitions(l, s);
        let by_tail = (l as u128).saturating_sub(eta(s - 1, t));
        let by_head = if t >= 2 { eta(s, t - 2) } else { 0 };
        let l1 = by_tail.max(by_head).clamp(1, l as u128 - 1) as u64;
        let m = a + l1;
        self.push(Action::Advance { from: a, to: m });
        let slot = self.free.pop().expect("a free snapshot");
        self.push(Action::Store { slot, step: m });
        let used = self.total - self.free.len();
        self.out.peak_snapshots = self.out.peak_snapshots.max(used);
        self.reverse(m, b, slot);
        self.push(Action::Free { slot });
        self.free.push(slot);
        self.push(Action::Restore {
            slot: held,
            step: a,
        });
        self.reverse(a, m, held);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The notes' identity: η(τ, δ) = Σ_{k=0..δ} η(τ - 1, k).
    #[test]
    fn eta_is_a_sum_over_one_snapshot_fewer() {
        for tau in 1..40 {
            for delta in 0..40 {
                let sum: u128 = (0..=delta).map(|k| eta(tau - 1, k)).sum();
                assert_eq!(eta(tau, delta), sum, "tau {tau} delta {delta}");
            }
        }
        assert_eq!(eta(2, 3), 10);
        assert_eq!(eta(0, 7), 1);
        assert_eq!(eta(200, 200), u128::MAX);
    }

    /// The fewest advances over all schedules, by dynamic programming over
    /// the second snapshot's place: reversing l steps from a held state with
    /// s snapshots (the held one included) costs l1 (advance to the split)
    /// plus the tail with s - 1 plus the head with s; with one snapshot,
    /// 0 + 1 + ... + (l - 1). `c[s][l]`, s from 1 (row 0 unused).
    fn fewest(max_l: usize, max_s: usize) -> Vec<Vec<u64>> {
        let mut c = vec![vec![0u64; max_l + 1]; max_s + 1];
        for row in c.iter_mut() {
            for (l, v) in row.iter_mut().enumerate() {
                *v = if l <= 1 { 0 } else { (l * (l - 1) / 2) as u64 };
            }
        }
        for s in 2..=max_s {
            for l in 2..=max_l {
                let best = (1..l)
                    .map(|l1| l1 as u64 + c[s - 1][l - l1] + c[s][l1])
                    .min()
                    .unwrap();
                c[s][l] = best;
            }
        }
        c
    }

    #[test]
    fn griewank_formula_is_the_fewest_advances() {
        let c = fewest(300, 7);
        for s in 1..=7u64 {
            for l in 0..=300u64 {
                assert_eq!(
                    forward_steps(l, s),
                    c[s as usize][l as usize],
                    "T {l} s {s}"
                );
            }
        }
    }

    /// Run a schedule on a model of the loop: it must turn every step once,
    /// in reverse order, each from its own input state, never hold more
    /// snapshots than it has, and advance as often as it says.
    fn replay(sch: &Schedule, steps: u64, snapshots: usize) -> u64 {
        let mut cur: Option<u64> = Some(0);
        assert!(snapshots >= 1);
        let mut slots: Vec<Option<u64>> = vec![None; snapshots];
        let mut next_turn = steps;
        let mut advances = 0;
        for a in &sch.actions {
            match *a {
                Action::Advance { from, to } => {
                    assert_eq!(cur, Some(from), "{a:?}");
                    assert!(to > from && to < next_turn, "{a:?}: past the next turn");
                    advances += to - from;
                    cur = Some(to);
                }
                Action::Store { slot, step } => {
                    assert_eq!(cur, Some(step));
                    assert!(slots[slot].is_none(), "slot {slot} in use");
                    slots[slot] = Some(step);
                }
                Action::Restore { slot, step } => {
                    assert_eq!(slots[slot], Some(step));
                    cur = Some(step);
                }
                Action::Free { slot } => {
                    assert!(slots[slot].is_some());
                    slots[slot] = None;
                }
                Action::Turn { step } => {
                    assert_eq!(step, next_turn, "turns in reverse order");
                    assert_eq!(cur, Some(step - 1), "turn from its input state");
                    next_turn -= 1;
                    // (The state after the turn is spent: the reverse ran.)
                    cur = None;
                }
            }
        }
        assert_eq!(next_turn, 0, "every step turned");
        assert!(slots.iter().all(Option::is_none), "snapshots freed");
        advances
    }

    #[test]
    fn offline_schedules_are_valid_and_optimal() {
        for s in 1..=7usize {
            for t in 0..=200u64 {
                let sch = offline(t, s);
                let done = replay(&sch, t, s);
                assert_eq!(done, sch.advances);
                assert_eq!(sch.advances, forward_steps(t, s as u64), "T {t} s {s}");
                assert!(sch.peak_snapshots <= s);
            }
        }
        // Long loops, as a time-stepping simulation has them.
        for (t, s) in [(1000, 2), (4999, 4), (10_000, 8), (100_000, 16)] {
            let sch = offline(t, s);
            assert_eq!(
                replay(&sch, t, s),
                forward_steps(t, s as u64),
                "T {t} s {s}"
            );
            assert!(sch.peak_snapshots <= s);
        }
    }

    #[test]
    fn recomputation_grows_like_the_repetition_number() {
        // η(8, 3) = 165 >= 100: at most 3 advances of a step before its turn.
        assert_eq!(repetitions(100, 8), 3);
        assert!(recomputation_factor(100, 8) <= 4.0);
        assert_eq!(recomputation_factor(5, 1), 3.0); // (10 + 5) / 5
        assert_eq!(forward_steps(3, 1), 3);
        assert_eq!(forward_steps(3, 2), 2);
        assert_eq!(forward_steps(6, 2), 8);
    }

    /// revolve.c, run through the JIT, gives the same actions as
    /// [`offline`] (its action codes and operand fields as the C says).
    #[test]
    fn the_run_time_schedule_is_the_offline_one() {
        use inkwell::context::Context;
        use inkwell::memory_buffer::MemoryBuffer;
        let ctx = Context::create();
        let buf = MemoryBuffer::create_from_memory_range_copy(
            crate::checkpoint::RUNTIME_IR.as_bytes(),
            "revolve",
        );
        let module = ctx.create_module_from_ir(buf).expect("revolve.ll parses");
        let jit = crate::jit::Jit::new(&module).expect("jit");
        type Init = extern "C" fn(*mut i64, i64, i64);
        type Next = extern "C" fn(*mut i64) -> i32;
        let init: Init = unsafe { std::mem::transmute(jit.address("adc_revolve_init").unwrap()) };
        let next: Next = unsafe { std::mem::transmute(jit.address("adc_revolve_next").unwrap()) };
        let run = |steps: u64, snaps: usize| -> Vec<Action> {
            // (Larger than struct adc_revolve.)
            let mut st = vec![0i64; 4096];
            init(st.as_mut_ptr(), steps as i64, snaps as i64);
            let mut out = Vec::new();
            loop {
                let code = next(st.as_mut_ptr());
                let (a, b, slot) = (st[0] as u64, st[1] as u64, st[2] as usize);
                out.push(match code {
                    1 => Action::Advance { from: a, to: b },
                    2 => Action::Store { slot, step: b },
                    3 => Action::Restore { slot, step: a },
                    4 => Action::Free { slot },
                    5 => Action::Turn { step: b },
                    6 => break,
                    c => panic!("action code {c}"),
                });
            }
            out
        };
        for s in 1..=8usize {
            for t in 0..=120u64 {
                assert_eq!(run(t, s), offline(t, s).actions, "T {t} s {s}");
            }
        }
        for (t, s) in [(1000, 3), (10_000, 8), (100_000, 16)] {
            assert_eq!(run(t, s), offline(t, s).actions, "T {t} s {s}");
        }
    }
}
