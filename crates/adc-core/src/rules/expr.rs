//! Partial-derivative expressions: a tiny infix language parsed once.
//!
//! Grammar (usual precedence): numbers, named constants (`LN2`, `LN10`,
//! `FRAC_2_SQRT_PI`), operand names, `r` (the result), `+ - * /`, unary `-`,
//! comparisons `< <= == != > >=`, `c ? a : b`, and calls of the math
//! functions in [`MathFn`].

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Eq,
    Ne,
    Gt,
    Ge,
}

/// Math functions an expression may call. Each lowers to an LLVM intrinsic
/// when this LLVM has it, else to the libm function of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathFn {
    Sin,
    Cos,
    Sinh,
    Cosh,
    Exp,
    Log,
    Sqrt,
    Pow,
    Powi,
    Copysign,
    /// atan2(y, x), the argument of x + iy.
    Atan2,
    Trunc,
    /// Integer to float conversion (`sitofp`) at the rule's float type.
    Float,
    /// Bessel functions of the first and second kind (libm's j0 ... yn;
    /// `jn(n, x)` and `yn(n, x)` take an integer order).
    J0,
    J1,
    Jn,
    Y0,
    Y1,
    Yn,
    /// ψ = Γ'/Γ ([`super::special::digamma`]).
    Digamma,
    /// Whether x is a normal float of the rule's type (neither zero, nor
    /// subnormal, nor infinite, nor NaN): a condition.
    IsNormal,
}

impl MathFn {
    fn from_name(s: &str) -> Option<(MathFn, usize)> {
        Some(match s {
            "sin" => (MathFn::Sin, 1),
            "cos" => (MathFn::Cos, 1),
            "sinh" => (MathFn::Sinh, 1),
            "cosh" => (MathFn::Cosh, 1),
            "exp" => (MathFn::Exp, 1),
            "log" => (MathFn::Log, 1),
            "sqrt" => (MathFn::Sqrt, 1),
            "pow" => (MathFn::Pow, 2),
            "powi" => (MathFn::Powi, 2),
            "copysign" => (MathFn::Copysign, 2),
            "atan2" => (MathFn::Atan2, 2),
            "trunc" => (MathFn::Trunc, 1),
            "float" => (MathFn::Float, 1),
            "j0" => (MathFn::J0, 1),
            "j1" => (MathFn::J1, 1),
            "jn" => (MathFn::Jn, 2),
            "y0" => (MathFn::Y0, 1),
            "y1" => (MathFn::Y1, 1),
            "yn" => (MathFn::Yn, 2),
            "digamma" => (MathFn::Digamma, 1),
            "isnormal" => (MathFn::IsNormal, 1),
            _ => return None,
        })
    }
    /// The libm (and LLVM intrinsic, after `llvm.`) base name.
    pub fn name(self) -> &'static str {
        match self {
            MathFn::Sin => "sin",
            MathFn::Cos => "cos",
            MathFn::Sinh => "sinh",
            MathFn::Cosh => "cosh",
            MathFn::Exp => "exp",
            MathFn::Log => "log",
            MathFn::Sqrt => "sqrt",
            MathFn::Pow => "pow",
            MathFn::Powi => "powi",
            MathFn::Copysign => "copysign",
            MathFn::Atan2 => "atan2",
            MathFn::Trunc => "trunc",
            MathFn::Float => "float",
            MathFn::J0 => "j0",
            MathFn::J1 => "j1",
            MathFn::Jn => "jn",
            MathFn::Y0 => "y0",
            MathFn::Y1 => "y1",
            MathFn::Yn => "yn",
            MathFn::Digamma => "digamma",
            MathFn::IsNormal => "isnormal",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Num(f64),
    /// The i-th operand of the differentiated operation.
    Arg(usize),
    /// The result of the differentiated operation.
    Result,
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    Select(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(MathFn, Vec<Expr>),
}

impl Expr {
    pub fn is_zero(&self) -> bool {
        matches!(self, Expr::Num(x) if *x == 0.0)
    }
    /// Whether the expression reads the operation's result `r`.
    pub fn uses_result(&self) -> bool {
        match self {
            Expr::Result => true,
            Expr::Num(_) | Expr::Arg(_) => false,
            Expr::Neg(a) => a.uses_result(),
            Expr::Bin(_, a, b) | Expr::Cmp(_, a, b) => a.uses_result() || b.uses_result(),
            Expr::Select(c, a, b) => c.uses_result() || a.uses_result() || b.uses_result(),
            Expr::Call(_, args) => args.iter().any(Expr::uses_result),
        }
    }
    /// Whether the expression can be infinite or NaN where the operands and
    /// the result are finite: a division by anything but a non-zero literal,
    /// a logarithm, a power, a function with a pole. Such a partial times a
    /// zero tangent (or adjoint) must be zero, not 0 * inf = NaN: 1/x at
    /// x = 0 reached with a zero tangent is not a blown-up derivative.
    /// (Overflow of exp, sinh and cosh is left out: there the result
    /// overflows too.)
    pub fn may_be_unbounded(&self) -> bool {
        match self {
            Expr::Num(_) | Expr::Arg(_) | Expr::Result | Expr::Cmp(..) => false,
            Expr::Neg(a) => a.may_be_unbounded(),
            Expr::Bin(BinOp::Div, a, b) => {
                !matches!(**b, Expr::Num(y) if y != 0.0) || a.may_be_unbounded()
            }
            Expr::Bin(_, a, b) => a.may_be_unbounded() || b.may_be_unbounded(),
            Expr::Select(_, a, b) => a.may_be_unbounded() || b.may_be_unbounded(),
            Expr::Call(f, args) => {
                matches!(
                    f,
                    MathFn::Log
                        | MathFn::Pow
                        | MathFn::Powi
                        | MathFn::Y0
                        | MathFn::Y1
                        | MathFn::Yn
                        | MathFn::Digamma
                ) || args.iter().any(Expr::may_be_unbounded)
            }
        }
    }
    /// Whether evaluating the expression calls a function that costs more
    /// than a few instructions (a select whose arm does is worth a branch).
    pub fn is_costly(&self) -> bool {
        match self {
            Expr::Num(_) | Expr::Arg(_) | Expr::Result => false,
            Expr::Neg(a) => a.is_costly(),
            Expr::Bin(_, a, b) | Expr::Cmp(_, a, b) => a.is_costly() || b.is_costly(),
            Expr::Select(c, a, b) => c.is_costly() || a.is_costly() || b.is_costly(),
            Expr::Call(f, args) => {
                !matches!(
                    f,
                    MathFn::Float
                        | MathFn::Copysign
                        | MathFn::Trunc
                        | MathFn::Sqrt
                        | MathFn::IsNormal
                ) || args.iter().any(Expr::is_costly)
            }
        }
    }
    /// Evaluate numerically in f64 (tests use this for analytic derivatives).
    pub fn eval(&self, args: &[f64], result: f64) -> f64 {
        let ev = |e: &Expr| e.eval(args, result);
        match self {
            Expr::Num(x) => *x,
            Expr::Arg(i) => args[*i],
            Expr::Result => result,
            Expr::Neg(a) => -ev(a),
            Expr::Bin(op, a, b) => {
                let (a, b) = (ev(a), ev(b));
                match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                }
            }
            Expr::Cmp(op, a, b) => {
                let (a, b) = (ev(a), ev(b));
                let t = match op {
                    CmpOp::Lt => a < b,
                    CmpOp::Le => a <= b,
                    CmpOp::Eq => a == b,
                    CmpOp::Ne => a != b,
                    CmpOp::Gt => a > b,
                    CmpOp::Ge => a >= b,
                };
                if t {
                    1.0
                } else {
                    0.0
                }
            }
            Expr::Select(c, a, b) => {
                if ev(c) != 0.0 {
                    ev(a)
                } else {
                    ev(b)
                }
            }
            Expr::Call(f, a) => {
                let x = ev(&a[0]);
                let y = a.get(1).map(ev).unwrap_or(0.0);
                match f {
                    MathFn::Sin => x.sin(),
                    MathFn::Cos => x.cos(),
                    MathFn::Sinh => x.sinh(),
                    MathFn::Cosh => x.cosh(),
                    MathFn::Exp => x.exp(),
                    MathFn::Log => x.ln(),
                    MathFn::Sqrt => x.sqrt(),
                    MathFn::Pow => x.powf(y),
                    MathFn::Powi => x.powi(y as i32),
                    MathFn::Copysign => x.copysign(y),
                    MathFn::Atan2 => x.atan2(y),
                    MathFn::Trunc => x.trunc(),
                    MathFn::Float => x,
                    MathFn::J0 => unsafe { libm::j0(x) },
                    MathFn::J1 => unsafe { libm::j1(x) },
                    MathFn::Jn => unsafe { libm::jn(x as i32, y) },
                    MathFn::Y0 => unsafe { libm::y0(x) },
                    MathFn::Y1 => unsafe { libm::y1(x) },
                    MathFn::Yn => unsafe { libm::yn(x as i32, y) },
                    MathFn::Digamma => digamma(x),
                    MathFn::IsNormal => f64::from(u8::from(x.is_normal())),
                }
            }
        }
    }

    /// Operand indices the expression reads.
    pub fn args_used(&self, out: &mut Vec<usize>) {
        match self {
            Expr::Arg(i) => out.push(*i),
            Expr::Num(_) | Expr::Result => {}
            Expr::Neg(a) => a.args_used(out),
            Expr::Bin(_, a, b) | Expr::Cmp(_, a, b) => {
                a.args_used(out);
                b.args_used(out)
            }
            Expr::Select(c, a, b) => {
                c.args_used(out);
                a.args_used(out);
                b.args_used(out)
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.args_used(out)),
        }
    }
}

/// The C library's Bessel functions (std has none).
mod libm {
    extern "C" {
        pub fn j0(x: f64) -> f64;
        pub fn j1(x: f64) -> f64;
        pub fn jn(n: i32, x: f64) -> f64;
        pub fn y0(x: f64) -> f64;
        pub fn y1(x: f64) -> f64;
        pub fn yn(n: i32, x: f64) -> f64;
    }
}

/// ψ(x) as [`super::special::digamma`] computes it, for [`Expr::eval`].
fn digamma(mut x: f64) -> f64 {
    use std::f64::consts::PI;
    if x < 0.5 {
        return digamma(1.0 - x) - PI / (PI * x).tan();
    }
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    let mut s = 1.0 / 132.0 - f * (691.0 / 32760.0);
    for k in [240.0, 252.0, 120.0, 12.0] {
        s = 1.0 / k - f * s;
    }
    acc + x.ln() - 0.5 / x - f * s
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Sym(&'static str),
}

fn lex(s: &str) -> Result<Vec<Tok>, ParseError> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && i + 1 < b.len() && b[i + 1].is_ascii_digit()) {
            let st = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b'e') {
                i += 1;
            }
            let t = &s[st..i];
            out.push(Tok::Num(
                t.parse()
                    .map_err(|_| ParseError(format!("bad number `{t}`")))?,
            ));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(s[st..i].to_string()));
        } else {
            const SYMS: [&str; 16] = [
                "<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "(", ")", ",", "?", ":", "!",
            ];
            let sym = SYMS
                .iter()
                .find(|p| s[i..].starts_with(**p))
                .ok_or_else(|| ParseError(format!("unexpected `{c}` in `{s}`")))?;
            out.push(Tok::Sym(sym));
            i += sym.len();
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    operands: &'a [&'a str],
    src: &'a str,
}

impl Parser<'_> {
    fn peek_sym(&self, s: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Sym(x)) if *x == s)
    }
    fn eat(&mut self, s: &str) -> bool {
        if self.peek_sym(s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, s: &str) -> Result<(), ParseError> {
        if self.eat(s) {
            Ok(())
        } else {
            Err(ParseError(format!("expected `{s}` in `{}`", self.src)))
        }
    }
    fn expr(&mut self) -> Result<Expr, ParseError> {
        let c = self.cmp()?;
        if self.eat("?") {
            let a = self.expr()?;
            self.expect(":")?;
            let b = self.expr()?;
            return Ok(Expr::Select(Box::new(c), Box::new(a), Box::new(b)));
        }
        Ok(c)
    }
    fn cmp(&mut self) -> Result<Expr, ParseError> {
        let a = self.sum()?;
        let op = [
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ]
        .into_iter()
        .find(|(s, _)| self.peek_sym(s));
        if let Some((_, op)) = op {
            self.pos += 1;
            let b = self.sum()?;
            return Ok(Expr::Cmp(op, Box::new(a), Box::new(b)));
        }
        Ok(a)
    }
    fn sum(&mut self) -> Result<Expr, ParseError> {
        let mut a = self.prod()?;
        loop {
            let op = if self.eat("+") {
                BinOp::Add
            } else if self.eat("-") {
                BinOp::Sub
            } else {
                return Ok(a);
            };
            a = Expr::Bin(op, Box::new(a), Box::new(self.prod()?));
        }
    }
    fn prod(&mut self) -> Result<Expr, ParseError> {
        let mut a = self.unary()?;
        loop {
            let op = if self.eat("*") {
                BinOp::Mul
            } else if self.eat("/") {
                BinOp::Div
            } else {
                return Ok(a);
            };
            a = Expr::Bin(op, Box::new(a), Box::new(self.unary()?));
        }
    }
    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat("-") {
            return Ok(match self.unary()? {
                Expr::Num(x) => Expr::Num(-x),
                e => Expr::Neg(Box::new(e)),
            });
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Expr, ParseError> {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| ParseError(format!("unexpected end of `{}`", self.src)))?;
        self.pos += 1;
        match t {
            Tok::Num(x) => Ok(Expr::Num(x)),
            Tok::Sym("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Ident(name) => {
                if self.eat("(") {
                    let (f, arity) = MathFn::from_name(&name)
                        .ok_or_else(|| ParseError(format!("unknown function `{name}`")))?;
                    let mut args = vec![self.expr()?];
                    while self.eat(",") {
                        args.push(self.expr()?);
                    }
                    self.expect(")")?;
                    if args.len() != arity {
                        return Err(ParseError(format!("`{name}` takes {arity} arguments")));
                    }
                    return Ok(Expr::Call(f, args));
                }
                match name.as_str() {
                    "r" => Ok(Expr::Result),
                    "LN2" => Ok(Expr::Num(std::f64::consts::LN_2)),
                    "LN10" => Ok(Expr::Num(std::f64::consts::LN_10)),
                    "FRAC_2_SQRT_PI" => Ok(Expr::Num(std::f64::consts::FRAC_2_SQRT_PI)),
                    _ => self
                        .operands
                        .iter()
                        .position(|o| *o == name)
                        .map(Expr::Arg)
                        .ok_or_else(|| {
                            ParseError(format!("unknown name `{name}` in `{}`", self.src))
                        }),
                }
            }
            Tok::Sym(s) => Err(ParseError(format!("unexpected `{s}` in `{}`", self.src))),
        }
    }
}

/// Parse `src` with the given operand names.
pub fn parse(src: &str, operands: &[&str]) -> Result<Expr, ParseError> {
    let mut p = Parser {
        toks: lex(src)?,
        pos: 0,
        operands,
        src,
    };
    let e = p.expr()?;
    if p.pos != p.toks.len() {
        return Err(ParseError(format!("trailing input in `{src}`")));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_names() {
        let e = parse("-r/b", &["a", "b"]).unwrap();
        assert_eq!(
            e,
            Expr::Bin(
                BinOp::Div,
                Box::new(Expr::Neg(Box::new(Expr::Result))),
                Box::new(Expr::Arg(1))
            )
        );
        let e = parse("1 + x*x", &["x"]).unwrap();
        assert!(matches!(e, Expr::Bin(BinOp::Add, _, _)));
        let e = parse("a == r ? 1 : 0", &["a", "b"]).unwrap();
        assert!(matches!(e, Expr::Select(..)));
        assert_eq!(parse("-1", &[]).unwrap(), Expr::Num(-1.0));
    }

    #[test]
    fn unbounded_partials_are_the_ones_with_poles() {
        let unbounded = |src: &str| parse(src, &["a", "b"]).unwrap().may_be_unbounded();
        for src in [
            "1/b",
            "-r/b",
            "1/(3*r*r)",
            "log(a)",
            "b == 0 ? 0 : b*pow(a, b - 1)",
        ] {
            assert!(unbounded(src), "{src}");
        }
        for src in [
            "b",
            "1",
            "-1",
            "0.5*a",
            "a/2",
            "1 - r*r",
            "a < b ? 1 : 0",
            "cos(a)*exp(b)",
        ] {
            assert!(!unbounded(src), "{src}");
        }
    }

    #[test]
    fn errors_are_reported() {
        assert!(parse("foo(x)", &["x"]).is_err());
        assert!(parse("y", &["x"]).is_err());
        assert!(parse("pow(x)", &["x"]).is_err());
        assert!(parse("(x", &["x"]).is_err());
    }
}
