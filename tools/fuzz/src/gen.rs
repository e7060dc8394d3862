//! Random C and Rust programs of the kinds numeric code is made of: loops
//! with constant, argument and data-dependent trip counts, nested and
//! triangular loops, branches, `switch` (`match`), `break`, early returns,
//! local arrays, a file-scope array (`static mut`), in-place updates of the
//! input (also through a second pointer or a subslice into it), helper
//! calls (inlined or not), recursion, heap scratch (`malloc`, `Vec`),
//! `float` (`f32`), structs.
//!
//! Each program defines `double f(double *x, double s, int n)` (in Rust,
//! `extern "C" fn f(x: &mut [f64; N], s: f64, n: i32) -> f64`) with `x` of
//! [`N`] doubles (which `f` may overwrite) and `n` in 1..=N. Values stay
//! bounded (sines, tanh, damped updates, guarded division) so that finite
//! differences are meaningful; where they are not (a kink, a branch taken
//! differently), the driver sees it and does not judge.

/// Length of the input array.
pub const N: usize = 6;

/// splitmix64: small, seedable, the same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in 0..k.
    pub fn below(&mut self, k: usize) -> usize {
        (self.next_u64() % k as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    /// A constant with two decimals in [lo, hi).
    pub fn constant(&mut self, lo: f64, hi: f64) -> String {
        let x = lo + (hi - lo) * (self.below(10_000) as f64 / 10_000.0);
        format!("{x:.2}")
    }
}

/// What a generated program contains, for the report.
#[derive(Clone, Debug, Default)]
pub struct Features {
    pub loops: usize,
    pub triangular: bool,
    pub while_loop: bool,
    pub branches: usize,
    pub local_array: bool,
    pub in_place: bool,
    pub helpers: usize,
    pub recursion: bool,
    pub heap: bool,
    pub float: bool,
    pub structs: bool,
    pub globals: bool,
}

/// The language of a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    C,
    Rust,
}

/// A generated program: its source and what it uses.
pub struct Program {
    pub source: String,
    pub lang: Lang,
    pub features: Features,
}

struct Gen<'a> {
    rng: &'a mut Rng,
    out: String,
    indent: usize,
    /// Loop variables in scope, innermost last.
    loops: Vec<String>,
    locals: usize,
    helpers: Vec<(String, bool)>,
    f: Features,
    budget: usize,
    /// Generating a helper's body: its leaves are its parameters.
    in_helper: bool,
    rust: bool,
}

impl Gen<'_> {
    fn line(&mut self, s: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// `name(a)` in C, `f64::method(a)` in Rust (the path fixes the
    /// type of literal arguments).
    fn m1(&self, c: &str, method: &str, a: &str) -> String {
        if self.rust {
            format!("f64::{method}({a})")
        } else {
            format!("{c}({a})")
        }
    }

    /// `name(a, b)` in C, `f64::method(a, b)` in Rust.
    fn m2(&self, c: &str, method: &str, a: &str, b: &str) -> String {
        if self.rust {
            format!("f64::{method}({a}, {b})")
        } else {
            format!("{c}({a}, {b})")
        }
    }

    /// A float of an integer expression.
    fn float_of(&self, i: &str) -> String {
        if self.rust {
            format!("({i} as f64)")
        } else {
            i.to_string()
        }
    }

    fn local(&mut self) -> String {
        format!("v{}", self.rng.below(self.locals))
    }

    /// An index into an array of `len`, in bounds.
    fn index(&mut self, len: usize) -> String {
        match self.loops.last().cloned() {
            Some(i) if self.rng.chance(75) => {
                format!("({i} + {}) % {len}", self.rng.below(len))
            }
            _ => format!("{}", self.rng.below(len)),
        }
    }

    fn leaf(&mut self) -> String {
        if self.in_helper {
            return match self.rng.below(4) {
                0 => "p".into(),
                1 => "q".into(),
                2 => format!("k[{}]", self.rng.below(N)),
                _ => self.rng.constant(-1.5, 1.5),
            };
        }
        match self.rng.below(if self.f.local_array { 7 } else { 6 }) {
            0 | 1 => self.local(),
            2 => format!("x[{}]", self.index(N)),
            3 => "s".into(),
            4 => match self.loops.last().cloned() {
                Some(i) => format!("(0.1 * {})", self.float_of(&i)),
                None => self.rng.constant(0.2, 1.5),
            },
            5 => self.rng.constant(-1.5, 1.5),
            _ => format!("a[{}]", self.index(8)),
        }
    }

    fn expr(&mut self, depth: usize) -> String {
        if depth == 0 || self.rng.chance(25) {
            return self.leaf();
        }
        let d = depth - 1;
        match self.rng.below(22) {
            0 | 1 => format!("({} + {})", self.expr(d), self.expr(d)),
            2 => format!("({} - {})", self.expr(d), self.expr(d)),
            // (One factor bounded, so that loops do not grow values
            // beyond what finite differences can judge.)
            3 | 4 => {
                let (a, b) = (self.expr(d), self.expr(d));
                format!("({a} * {})", self.m1("tanh", "tanh", &b))
            }
            5 => {
                let (a, b) = (self.expr(d), self.expr(d));
                format!("({a} / (1.5 + {b} * {b}))")
            }
            6 => {
                let a = self.expr(d);
                self.m1("sin", "sin", &a)
            }
            7 => {
                let a = self.expr(d);
                self.m1("cos", "cos", &a)
            }
            8 => {
                let a = self.expr(d);
                self.m1("tanh", "tanh", &a)
            }
            9 => {
                let a = self.expr(d);
                let s = self.m1("sin", "sin", &a);
                self.m1("exp", "exp", &s)
            }
            10 => {
                let a = self.expr(d);
                self.m1("sqrt", "sqrt", &format!("1.0 + {a} * {a}"))
            }
            11 => {
                let a = self.expr(d);
                self.m1("log", "ln", &format!("1.0 + {a} * {a}"))
            }
            12 => {
                let a = self.expr(d);
                self.m1("fabs", "abs", &a)
            }
            13 => {
                let (f, m) = if self.rng.chance(50) {
                    ("fmax", "max")
                } else {
                    ("fmin", "min")
                };
                let (a, b) = (self.expr(d), self.expr(d));
                self.m2(f, m, &a, &b)
            }
            14 => {
                let (a, k) = (self.expr(d), 2 + self.rng.below(2));
                let t = self.m1("tanh", "tanh", &a);
                self.m2("pow", "powi", &t, &k.to_string())
            }
            15 if !self.helpers.is_empty() => {
                let (h, _) = self.helpers[self.rng.below(self.helpers.len())].clone();
                format!("{h}({}, {})", self.expr(d), self.expr(d))
            }
            16 if self.f.recursion => format!("rec({}, {})", self.expr(d), 1 + self.rng.below(3)),
            17 => {
                let (c, a, b) = (self.expr(d), self.expr(d), self.expr(d));
                if self.rust {
                    format!("(if {c} > 0.3 {{ {a} }} else {{ {b} }})")
                } else {
                    format!("({c} > 0.3 ? {a} : {b})")
                }
            }
            18 => {
                let (a, b) = (self.expr(d), self.expr(d));
                let abs = self.m1("fabs", "abs", &b);
                self.m2("atan2", "atan2", &a, &format!("1.0 + {abs}"))
            }
            19 => {
                let (a, b) = (self.expr(d), self.expr(d));
                self.m2("hypot", "hypot", &a, &b)
            }
            20 => match self.rng.below(4) {
                // (cbrt away from 0: its derivative there is infinite, and
                // infinity times a zero tangent is NaN, in any AD tool.)
                0 => {
                    let a = self.expr(d);
                    let t = self.m1("tanh", "tanh", &a);
                    self.m1("cbrt", "cbrt", &format!("1.5 + {t}"))
                }
                k => {
                    // (Rust's std has no erf: asinh there.)
                    let (c, m) = [("erf", "asinh"), ("expm1", "exp_m1"), ("atan", "atan")][k - 1];
                    let a = self.expr(d);
                    let t = self.m1("tanh", "tanh", &a);
                    self.m1(c, m, &t)
                }
            },
            21 => {
                let arr = if self.in_helper { "k" } else { "x" };
                let a = self.expr(d);
                let t = self.m1("tanh", "tanh", &a);
                if self.rust {
                    format!("{arr}[((2.0 + 1.5 * {t}) as usize) % {N}]")
                } else {
                    format!("{arr}[(int)(2.0 + 1.5 * {t}) % {N}]")
                }
            }
            _ => format!("(-({}))", self.expr(d)),
        }
    }

    /// A damped update that keeps `v` bounded.
    fn assign(&mut self) {
        let v = self.local();
        let e = self.expr(3);
        let s = match self.rng.below(4) {
            0 => format!("{v} = {e};"),
            1 => format!("{v} += 0.5 * {e};"),
            2 => format!("{v} = {} * {e};", self.m1("sin", "sin", &v)),
            _ => format!("{v} = 0.8 * {v} + 0.2 * {};", self.m1("tanh", "tanh", &e)),
        };
        self.line(&s);
    }

    fn stmt(&mut self, depth: usize) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        let choice = if depth == 0 { 0 } else { self.rng.below(19) };
        match choice {
            0..=3 => self.assign(),
            4 if self.loops.len() < 2 => self.for_loop(depth),
            5 if self.loops.len() < 2 => self.for_loop(depth),
            6 => {
                self.f.branches += 1;
                let (a, b) = (self.expr(2), self.expr(2));
                self.line(&format!("if ({a} > {b}) {{"));
                self.block(depth - 1, 2);
                if self.rng.chance(60) {
                    self.line("} else {");
                    self.block(depth - 1, 2);
                }
                self.line("}");
            }
            7 => {
                self.f.in_place = true;
                let (i, e) = (self.index(N), self.expr(2));
                let sin = self.m1("sin", "sin", &e);
                self.line(&format!("x[{i}] = 0.7 * x[{i}] + 0.3 * {sin};"));
            }
            8 if self.f.local_array => {
                let (i, e) = (self.index(8), self.expr(2));
                self.line(&format!("a[{i}] = 0.5 * a[{i}] + {e};"));
            }
            9 if self.loops.is_empty() => {
                // A trip count that depends on the data.
                self.f.while_loop = true;
                let v = self.local();
                let e = self.expr(2);
                let k = 2 + self.rng.below(6);
                let step = {
                    let t = self.m1("tanh", "tanh", &e);
                    self.m1("fabs", "abs", &t)
                };
                self.line("{");
                self.indent += 1;
                self.line(if self.rust {
                    "let mut it = 0;"
                } else {
                    "int it = 0;"
                });
                self.line(&format!("while ({v} < {k}.0 && it < 30) {{"));
                self.indent += 1;
                self.line(&format!("{v} += 0.3 + 0.5 * {step};"));
                self.line(if self.rust { "it += 1;" } else { "it++;" });
                self.indent -= 1;
                self.line("}");
                self.indent -= 1;
                self.line("}");
            }
            10 if self.f.float => {
                let e = self.expr(2);
                let v = self.local();
                self.line(&if self.rust {
                    format!("{{ let mut t = ({e}) as f32; t = t * t + t.sin(); {v} += 0.5 * t as f64; }}")
                } else {
                    format!("{{ float t = (float)({e}); t = t * t + sinf(t); {v} += 0.5 * (double)t; }}")
                });
            }
            11 if self.f.structs => {
                let (e1, e2) = (self.expr(2), self.expr(2));
                let v = self.local();
                self.line(&if self.rust {
                    format!("{{ let mut p = Pair {{ a: {e1}, b: {e2} }}; p = twist(p); {v} += p.a - 0.5 * p.b; }}")
                } else {
                    format!("{{ struct pair p = {{{e1}, {e2}}}; p = twist(p); {v} += p.a - 0.5 * p.b; }}")
                });
            }
            12 if !self.loops.is_empty() => {
                let (v, k) = (self.local(), 1 + self.rng.below(3));
                self.line(&format!("if ({v} > {k}.5) {{ break; }}"));
            }
            13 => {
                // Memory written by a callee through a pointer.
                self.f.in_place = true;
                let (i, e) = (self.index(N), self.expr(2));
                self.line(&if self.rust {
                    format!("{{ let t = {e}; bump(&mut x[{i}], t); }}")
                } else {
                    format!("bump(&x[{i}], {e});")
                });
            }
            14 if self.rust => {
                let e = self.expr(2);
                let t = self.m1("tanh", "tanh", &e);
                self.line(&format!("match (2.0 + 1.9 * {t}) as i32 {{"));
                for c in 0..3 {
                    self.line(&format!("{c} => {{"));
                    self.block(depth - 1, 1);
                    self.line("}");
                }
                self.line("_ => {");
                self.block(depth - 1, 1);
                self.line("}");
                self.line("}");
            }
            14 => {
                let e = self.expr(2);
                self.line(&format!("switch ((int)(2.0 + 1.9 * tanh({e}))) {{"));
                for c in 0..3 {
                    self.line(&format!("case {c}:;"));
                    self.block(depth - 1, 1);
                    if self.rng.chance(70) {
                        self.line("  break;");
                    }
                }
                self.line("default:");
                self.block(depth - 1, 1);
                self.line("  ;");
                self.line("}");
            }
            15 if self.loops.is_empty() => {
                self.f.while_loop = true;
                let v = self.local();
                self.line("{");
                self.indent += 1;
                if self.rust {
                    self.line("let mut it = 0;");
                    self.line("loop {");
                    self.block(depth - 1, 2);
                    self.line(&format!(
                        "  it += 1; if !(it < 3 && {v} < 2.0) {{ break; }}"
                    ));
                    self.line("}");
                } else {
                    self.line("int it = 0;");
                    self.line("do {");
                    self.block(depth - 1, 2);
                    self.line(&format!("}} while (++it < 3 && {v} < 2.0);"));
                }
                self.indent -= 1;
                self.line("}");
            }
            16 if self.f.globals => {
                // A file-scope scratch array, written and read back.
                let (i, e) = (self.rng.below(4), self.expr(2));
                let (v, j) = (self.local(), self.rng.below(4));
                self.line(&if self.rust {
                    format!("{{ let t = {e}; unsafe {{ G[{i}] = 0.5 * G[{i}] + t; {v} += 0.3 * G[{j}]; }} }}")
                } else {
                    format!("g[{i}] = 0.5 * g[{i}] + {e}; {v} += 0.3 * g[{j}];")
                });
            }
            17 if !self.loops.is_empty() => {
                // An early return from inside a loop.
                let (v, k) = (self.local(), 1 + self.rng.below(3));
                self.line(&format!("if ({v} > {k}.7) {{ return {v} * x[1] + x[0]; }}"));
            }
            18 => {
                // A second name for part of the input, written through.
                self.f.in_place = true;
                let (e, k, v) = (self.expr(2), self.rng.below(N), self.local());
                let sin = self.m1("sin", "sin", "t");
                self.line(&if self.rust {
                    format!("{{ let t = {e}; let p = &mut x[(n - 1) % {N}..]; p[0] = 0.5 * p[0] + 0.5 * {sin}; {v} += x[{k}]; }}")
                } else {
                    format!("{{ double t = {e}; double *p = x + (n - 1) % {N}; p[0] = 0.5 * p[0] + 0.5 * {sin}; {v} += x[{k}]; }}")
                });
            }
            _ => self.assign(),
        }
    }

    fn block(&mut self, depth: usize, len: usize) {
        self.indent += 1;
        let k = 1 + self.rng.below(len);
        for _ in 0..k {
            self.stmt(depth);
        }
        self.indent -= 1;
    }

    fn for_loop(&mut self, depth: usize) {
        self.f.loops += 1;
        let i = format!("i{}", self.loops.len());
        let (bound, range) = match (self.loops.last().cloned(), self.rng.below(4)) {
            (Some(outer), 0 | 1) => {
                self.f.triangular = true;
                (format!("{i} <= {outer}"), format!("0..={outer}"))
            }
            (_, 0 | 1) => (format!("{i} < n"), "0..n".to_string()),
            _ => {
                let k = 1 + self.rng.below(5);
                (format!("{i} < {k}"), format!("0..{k}"))
            }
        };
        if self.rust {
            self.line(&format!("for {i} in {range} {{"));
        } else {
            self.line(&format!("for (int {i} = 0; {bound}; {i}++) {{"));
        }
        self.loops.push(i);
        self.block(depth - 1, 3);
        self.loops.pop();
        self.line("}");
    }
}

/// The C program of `seed`.
pub fn program(seed: u64) -> Program {
    program_in(seed, Lang::C)
}

/// The program of `seed` in `lang` (the same choices, spelled in each).
pub fn program_in(seed: u64, lang: Lang) -> Program {
    let mut rng = Rng::new(seed);
    let mut f = Features {
        local_array: rng.chance(30),
        recursion: rng.chance(15),
        heap: rng.chance(20),
        float: rng.chance(15),
        structs: rng.chance(15),
        globals: rng.chance(20),
        ..Default::default()
    };
    let nhelpers = rng.below(3);
    f.helpers = nhelpers;
    let rust = lang == Lang::Rust;
    let mut g = Gen {
        rng: &mut rng,
        out: String::new(),
        indent: 0,
        loops: Vec::new(),
        locals: 0,
        helpers: Vec::new(),
        f,
        budget: 14,
        in_helper: false,
        rust,
    };
    if rust {
        g.line("#![allow(unused_parens, unused_mut, unused_variables, unused_assignments)]");
        g.line("#![allow(unreachable_code, non_upper_case_globals, static_mut_refs)]");
        g.line("#[inline(never)]");
        g.line("fn bump(p: &mut f64, v: f64) { *p = 0.6 * *p + 0.4 * v.sin(); }");
    } else {
        g.line("#include <math.h>");
        g.line("#include <stdlib.h>");
        g.line("");
        g.line("__attribute__((noinline)) static void bump(double *p, double v) { *p = 0.6 * *p + 0.4 * sin(v); }");
    }
    if g.f.structs {
        if rust {
            g.line("#[derive(Clone, Copy)]");
            g.line("struct Pair { a: f64, b: f64 }");
            g.line("#[inline(never)]");
            g.line("fn twist(p: Pair) -> Pair { Pair { a: p.a.sin() * p.b, b: p.a + 0.5 * p.b.cos() } }");
        } else {
            g.line("struct pair { double a, b; };");
            g.line("__attribute__((noinline)) static struct pair twist(struct pair p) {");
            g.line("  struct pair q = {sin(p.a) * p.b, p.a + 0.5 * cos(p.b)};");
            g.line("  return q;");
            g.line("}");
        }
    }
    if g.f.recursion {
        if rust {
            g.line("#[inline(never)]");
            g.line("fn rec(a: f64, d: i32) -> f64 {");
            g.line("  if d <= 0 { return a; }");
            g.line("  rec(0.9 * a, d - 1).sin() + 0.1 * a * a");
            g.line("}");
        } else {
            g.line("__attribute__((noinline)) static double rec(double a, int d) {");
            g.line("  if (d <= 0) return a;");
            g.line("  return sin(rec(0.9 * a, d - 1)) + 0.1 * a * a;");
            g.line("}");
        }
    }
    for k in 0..nhelpers {
        let noinline = g.rng.chance(50);
        let name = format!("h{k}");
        // A helper's body uses its parameters and earlier helpers.
        g.in_helper = true;
        let body = g.expr(3);
        g.in_helper = false;
        if rust {
            if noinline {
                g.line("#[inline(never)]");
            }
            g.line(&format!("fn {name}(p: f64, q: f64) -> f64 {{"));
            g.line(&format!(
                "  let k: [f64; {N}] = [0.3, -0.2, 0.5, 0.9, -0.7, 0.1];"
            ));
            g.line(&format!("  {body}"));
        } else {
            let attr = if noinline {
                "__attribute__((noinline)) "
            } else {
                ""
            };
            g.line(&format!(
                "{attr}static double {name}(double p, double q) {{"
            ));
            g.line(&format!(
                "  static const double k[{N}] = {{0.3, -0.2, 0.5, 0.9, -0.7, 0.1}};"
            ));
            g.line(&format!("  return {body};"));
        }
        g.line("}");
        g.helpers.push((name, noinline));
    }
    g.line("");
    if g.f.globals {
        g.line(if rust {
            "static mut G: [f64; 4] = [0.0; 4];"
        } else {
            "static double g[4];"
        });
    }
    if rust {
        g.line("#[no_mangle]");
        g.line(&format!(
            "pub extern \"C\" fn f(x: &mut [f64; {N}], s: f64, n: i32) -> f64 {{"
        ));
        g.indent = 1;
        g.line("let n = n as usize;");
    } else {
        g.line("double f(double *x, double s, int n) {");
        g.indent = 1;
    }
    if g.f.globals {
        // (Reset on entry: f is called many times by the driver.)
        g.line(if rust {
            "for k in 0..4 { unsafe { G[k] = 0.25 * k as f64 * x[k]; } }"
        } else {
            "for (int k = 0; k < 4; k++) g[k] = 0.25 * k * x[k];"
        });
    }
    g.locals = 2 + g.rng.below(3);
    for v in 0..g.locals {
        let init = match v % 3 {
            0 => format!("x[{}]", v % N),
            1 => "s".into(),
            _ => g.rng.constant(0.2, 1.2),
        };
        g.line(&if rust {
            format!("let mut v{v}: f64 = {init};")
        } else {
            format!("double v{v} = {init};")
        });
    }
    if g.f.local_array {
        if rust {
            g.line("let mut a = [0.0f64; 8];");
            g.line("for k in 0..8 { a[k] = x[k % n] * (0.5 + 0.1 * k as f64); }");
        } else {
            g.line("double a[8];");
            g.line("for (int k = 0; k < 8; k++) a[k] = x[k % n] * (0.5 + 0.1 * k);");
        }
    }
    if g.f.heap {
        if rust {
            g.line("let mut hp = vec![0.0f64; n];");
            g.line("for k in 0..n { hp[k] = (x[k] * s).sin(); }");
        } else {
            g.line("double *hp = malloc(n * sizeof(double));");
            g.line("for (int k = 0; k < n; k++) hp[k] = sin(x[k] * s);");
        }
    }
    let depth = 3;
    let k = 3 + g.rng.below(4);
    for _ in 0..k {
        g.stmt(depth);
    }
    if g.f.heap {
        if rust {
            g.line("for k in 0..n { v0 += hp[k] * x[(k + 1) % n]; }");
        } else {
            g.line("for (int k = 0; k < n; k++) v0 += hp[k] * x[(k + 1) % n];");
            g.line("free(hp);");
        }
    }
    let mut ret = String::from("v0");
    for v in 1..g.locals {
        ret.push_str(&format!(" + 0.{}1 * v{v}", v));
    }
    if g.f.local_array {
        ret.push_str(" + 0.25 * a[3]");
    }
    if rust {
        g.line(&format!("let mut r = {ret};"));
        g.line(&format!(
            "for k in 0..{N} {{ r += 0.1 * (k + 1) as f64 * x[k]; }}"
        ));
        g.line("r");
    } else {
        g.line(&format!("double r = {ret};"));
        g.line(&format!(
            "for (int k = 0; k < {N}; k++) r += 0.1 * (k + 1) * x[k];"
        ));
        g.line("return r;");
    }
    g.indent = 0;
    g.line("}");
    let features = g.f.clone();
    Program {
        source: g.out,
        lang,
        features,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn programs_are_determined_by_their_seed() {
        assert_eq!(super::program(7).source, super::program(7).source);
        assert_ne!(super::program(7).source, super::program(8).source);
        let r = super::program_in(7, super::Lang::Rust);
        assert_eq!(r.source, super::program_in(7, super::Lang::Rust).source);
        assert!(r.source.contains("extern \"C\" fn f("));
    }
}
