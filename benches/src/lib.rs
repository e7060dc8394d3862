//! The benchmark kernels: `benches/kernels.toml` lists them, build.rs
//! differentiates them with adc and generates [`KERNELS`] (extern
//! declarations and the closures criterion times) into `registry.rs`.

/// Several adjoints returned at once (`{double, double}` and larger structs
/// of doubles, DESIGN.md): the same C layout as a struct of N doubles.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Adjoints<const N: usize>(pub [f64; N]);

/// One timed call: a label (`primal`, `forward`, `reverse`, a baseline's
/// name, `fd5`) and the closure that makes the call on its own data.
pub type Variant = (&'static str, Box<dyn FnMut()>);

/// One size (or other choice of variables) of a kernel.
pub struct Case {
    /// Criterion's input id (`1000`, `d10_k25_n1000`); empty with no variables.
    pub id: &'static str,
    /// Appended to the kernel's title (`, n = 1000`).
    pub label: &'static str,
    /// Allocates and fills the data, returns the variants (primal first).
    pub setup: fn() -> Vec<Variant>,
}

/// A kernel of `kernels.toml`.
pub struct Kernel {
    pub group: &'static str,
    pub title: &'static str,
    pub samples: usize,
    pub cases: &'static [Case],
}

impl Kernel {
    /// Criterion's path of `variant` in `case` (`group/variant[/id]`).
    pub fn path(&self, case: &Case, variant: &str) -> String {
        if case.id.is_empty() {
            format!("{}/{variant}", self.group)
        } else {
            format!("{}/{variant}/{}", self.group, case.id)
        }
    }
}

/// xorshift64: the same data on every run and machine.
pub struct Rand(u64);

impl Default for Rand {
    fn default() -> Self {
        Rand(0x2545F4914F6CDD1D)
    }
}

impl Rand {
    /// Uniform in [-0.5, 0.5).
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

/// `len` doubles: `wave` is sin(0.37 i), `rand` draws from `rng`; times `scale`.
pub fn fill(len: usize, kind: &str, scale: f64, rng: &mut Rand) -> Vec<f64> {
    (0..len)
        .map(|i| {
            scale
                * match kind {
                    "wave" => (i as f64 * 0.37).sin(),
                    // an output: its primal starts at zero, its reverse
                    // shadow at 1 (the seed; see kernels.toml)
                    "seed" => 0.0,
                    _ => rng.uniform(),
                }
        })
        .collect()
}

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

/// Tape bytes per execution of each taping block, as adc reported them.
pub const TAPE_STATS: &str = include_str!(concat!(env!("OUT_DIR"), "/tape_stats.txt"));
