//! THE derivative table: one row per differentiable operation.
//!
//! Where is the rule of X? Here. Each row of [`PARTIALS`] names the operation
//! (instruction opcode, LLVM intrinsic base name, libm names), its operands, and
//! `;`-separated partial derivatives d r / d operand in the expression language
//! of [`super::expr`]. `_` marks an operand that carries no derivative (an
//! integer), `0` one whose partial is zero. [`LINEAR`] lists the structural
//! operations whose tangent is the operation itself applied to the tangents of
//! the listed data operands.

use super::expr::{parse, Expr};
use indexmap::IndexMap;
use llvm_sys::LLVMOpcode;
use std::sync::OnceLock;

/// (names separated by spaces, operand names, partials separated by `;`)
const PARTIALS: &[(&str, &str, &str)] = &[
    // arithmetic instructions
    ("fadd", "a b", "1 ; 1"),
    ("fsub", "a b", "1 ; -1"),
    ("fmul", "a b", "b ; a"),
    ("fdiv", "a b", "1/b ; -r/b"),
    ("frem fmod fmodf llvm.fmod", "a b", "1 ; -trunc(a/b)"),
    ("fneg", "a", "-1"),
    // roots and powers
    ("llvm.sqrt sqrt sqrtf", "x", "0.5/r"),
    ("cbrt cbrtf llvm.cbrt", "x", "1/(3*r*r)"),
    // The `== 0` guards keep x^0 at x = 0 from giving 0 * inf = NaN. Where
    // the result is a normal float, x^(y-1) is r/x (x is not 0 there): the
    // select becomes a branch (ExprEnv::branches), so the second pow call
    // runs only at zeros, infinities, NaNs and subnormal results, where r/x
    // would be wrong or inexact.
    (
        "llvm.pow pow powf",
        "x y",
        "y == 0 ? 0 : (isnormal(r) ? y*r/x : y*pow(x, y - 1)) ; x == 0 ? 0 : r*log(x)",
    ),
    (
        "llvm.powi",
        "x n",
        "float(n) == 0 ? 0 : (isnormal(r) ? float(n)*r/x : float(n)*powi(x, n - 1)) ; _",
    ),
    // At the origin (a cone's tip) 0 is a subgradient; x/r would be 0/0,
    // and NaN even where the tangent is 0 (hypot(k x, k y) at k = 0).
    // C99 complex magnitude and argument of a double _Complex (passed as
    // its two parts; the float forms take a <2 x float> and have no row).
    ("cabs", "re im", "r == 0 ? 0 : re/r ; r == 0 ? 0 : im/r"),
    // double _Complex functions, one row per part (ir/libm_outputs.rs):
    // (a + bi)(c + di) and (a + bi)/(c + di), n = c² + d²
    ("adc.muldc3_re", "a b c d", "c ; -d ; a ; -b"),
    ("adc.muldc3_im", "a b c d", "d ; c ; b ; a"),
    (
        "adc.divdc3_re",
        "a b c d",
        "c/(c*c + d*d) ; d/(c*c + d*d) ; -(r*c + ((b*c - a*d)/(c*c + d*d))*d)/(c*c + d*d) ; (((b*c - a*d)/(c*c + d*d))*c - r*d)/(c*c + d*d)",
    ),
    (
        "adc.divdc3_im",
        "a b c d",
        "-d/(c*c + d*d) ; c/(c*c + d*d) ; -(r*c - ((a*c + b*d)/(c*c + d*d))*d)/(c*c + d*d) ; -(((a*c + b*d)/(c*c + d*d))*c + r*d)/(c*c + d*d)",
    ),
    // (a + bi)^(c + di) = e^E (cos φ + i sin φ), E = cL - dθ, φ = dL + cθ,
    // L = log|z|, θ = arg z: ∂re = re ∂E - im ∂φ, ∂im = im ∂E + re ∂φ
    (
        "adc.cpow_re",
        "a b c d",
        "r*(c*a + d*b)/(a*a + b*b) - exp(c*0.5*log(a*a + b*b) - d*atan2(b, a))*sin(d*0.5*log(a*a + b*b) + c*atan2(b, a))*(d*a - c*b)/(a*a + b*b) ; \
         r*(c*b - d*a)/(a*a + b*b) - exp(c*0.5*log(a*a + b*b) - d*atan2(b, a))*sin(d*0.5*log(a*a + b*b) + c*atan2(b, a))*(d*b + c*a)/(a*a + b*b) ; \
         r*0.5*log(a*a + b*b) - exp(c*0.5*log(a*a + b*b) - d*atan2(b, a))*sin(d*0.5*log(a*a + b*b) + c*atan2(b, a))*atan2(b, a) ; \
         -r*atan2(b, a) - exp(c*0.5*log(a*a + b*b) - d*atan2(b, a))*sin(d*0.5*log(a*a + b*b) + c*atan2(b, a))*0.5*log(a*a + b*b)",
    ),
    (
        "adc.cpow_im",
        "a b c d",
        "r*(c*a + d*b)/(a*a + b*b) + exp(c*0.5*log(a*a + b*b) - d*atan2(b, a))*cos(d*0.5*log(a*a + b*b) + c*atan2(b, a))*(d*a - c*b)/(a*a + b*b) ; \
         r*(c*b - d*a)/(a*a + b*b) + exp(c*0.5*log(a*a + b*b) - d*atan2(b, a))*cos(d*0.5*log(a*a + b*b) + c*atan2(b, a))*(d*b + c*a)/(a*a + b*b) ; \
         r*0.5*log(a*a + b*b) + exp(c*0.5*log(a*a + b*b) - d*atan2(b, a))*cos(d*0.5*log(a*a + b*b) + c*atan2(b, a))*atan2(b, a) ; \
         -r*atan2(b, a) + exp(c*0.5*log(a*a + b*b) - d*atan2(b, a))*cos(d*0.5*log(a*a + b*b) + c*atan2(b, a))*0.5*log(a*a + b*b)",
    ),
    // e^(a + bi), log(a + bi), sqrt(a + bi) = u + vi (2uv = b)
    ("adc.cexp_re", "a b", "r ; -exp(a)*sin(b)"),
    ("adc.cexp_im", "a b", "r ; exp(a)*cos(b)"),
    ("adc.clog_re", "a b", "a/(a*a + b*b) ; b/(a*a + b*b)"),
    ("adc.clog_im", "a b", "-b/(a*a + b*b) ; a/(a*a + b*b)"),
    (
        "adc.csqrt_re",
        "a b",
        "r/(2*sqrt(a*a + b*b)) ; (r == 0 ? copysign(sqrt((sqrt(a*a + b*b) - a)/2), b) : b/(2*r))/(2*sqrt(a*a + b*b))",
    ),
    (
        "adc.csqrt_im",
        "a b",
        "-r/(2*sqrt(a*a + b*b)) ; (r == 0 ? sqrt((sqrt(a*a + b*b) + a)/2) : b/(2*r))/(2*sqrt(a*a + b*b))",
    ),
    ("carg", "re im", "-im/(re*re + im*im) ; re/(re*re + im*im)"),
    ("hypot hypotf llvm.hypot", "x y", "r == 0 ? 0 : x/r ; r == 0 ? 0 : y/r"),
    // x * 2^n and its inverse: the mantissa m = x * 2^-e of frexp(x, &e)
    // (e goes to integer memory), exactly m / x away from 0.
    ("ldexp ldexpf scalbn scalbnf llvm.ldexp", "x n", "powi(2, n) ; _"),
    ("frexp frexpf", "x e", "x == 0 ? 0 : r/x ; _"),
    // modf's fraction x - trunc(x) (ir/libm_outputs.rs; its integer part
    // is llvm.trunc)
    ("adc.frac", "x", "1"),
    // exponentials and logarithms
    ("llvm.exp exp expf", "x", "r"),
    ("llvm.exp2 exp2 exp2f", "x", "r*LN2"),
    ("llvm.exp10 exp10 exp10f", "x", "r*LN10"),
    ("expm1 expm1f", "x", "r + 1"),
    ("llvm.log log logf", "x", "1/x"),
    ("llvm.log2 log2 log2f", "x", "1/(x*LN2)"),
    ("llvm.log10 log10 log10f", "x", "1/(x*LN10)"),
    ("log1p log1pf", "x", "1/(1 + x)"),
    // trigonometric and hyperbolic
    ("llvm.sin sin sinf", "x", "cos(x)"),
    ("llvm.cos cos cosf", "x", "-sin(x)"),
    ("llvm.tan tan tanf", "x", "1 + r*r"),
    ("llvm.asin asin asinf", "x", "1/sqrt(1 - x*x)"),
    ("llvm.acos acos acosf", "x", "-1/sqrt(1 - x*x)"),
    ("llvm.atan atan atanf", "x", "1/(1 + x*x)"),
    ("llvm.atan2 atan2 atan2f", "y x", "x/(x*x + y*y) ; -y/(x*x + y*y)"),
    ("llvm.sinh sinh sinhf", "x", "cosh(x)"),
    ("llvm.cosh cosh coshf", "x", "sinh(x)"),
    ("llvm.tanh tanh tanhf", "x", "1 - r*r"),
    // special functions
    ("erf erff", "x", "FRAC_2_SQRT_PI*exp(-x*x)"),
    ("erfc erfcf", "x", "-FRAC_2_SQRT_PI*exp(-x*x)"),
    // Bessel functions (the notes' rule): J'_n = (J_{n-1} - J_{n+1}) / 2,
    // J'_0 = -J_1, J'_1 = J_0 - J_1 / x (1/2 at 0); Y the same recurrence.
    ("j0 j0f", "x", "-j1(x)"),
    ("j1 j1f", "x", "x == 0 ? 0.5 : j0(x) - r/x"),
    ("jn jnf", "n x", "_ ; (jn(n - 1, x) - jn(n + 1, x))/2"),
    ("y0 y0f", "x", "-y1(x)"),
    ("y1 y1f", "x", "y0(x) - r/x"),
    ("yn ynf", "n x", "_ ; (yn(n - 1, x) - yn(n + 1, x))/2"),
    // log|Γ| and Γ: ψ = Γ'/Γ (rules/special.rs)
    ("lgamma lgammaf", "x", "digamma(x)"),
    ("tgamma tgammaf", "x", "r*digamma(x)"),
    // remainder(x, y) = x - n y, n = x/y rounded to even: n = (x - r)/y
    ("remainder remainderf", "x y", "1 ; (r - x)/y"),
    ("fdim fdimf", "x y", "x > y ? 1 : 0 ; x > y ? -1 : 0"),
    // x moved by one ulp toward y: the ulp is piecewise constant
    ("nextafter nextafterf", "x y", "1 ; 0"),
    // sign, magnitude, selection
    ("llvm.fabs fabs fabsf", "x", "copysign(1, x)"),
    ("llvm.copysign copysign copysignf", "a b", "copysign(1, a)*copysign(1, b) ; 0"),
    (
        "llvm.minnum llvm.maxnum llvm.minimum llvm.maximum llvm.minimumnum llvm.maximumnum fmin fminf fmax fmaxf",
        "a b",
        "a == r ? 1 : 0 ; a == r ? 0 : 1",
    ),
    ("llvm.fma llvm.fmuladd fma fmaf", "a b c", "b ; a ; 1"),
    // floating-point idioms (ir/fp_idioms.rs): a mantissa m = x * 2^k built
    // from x's bits, and rounding by a magic constant (piecewise constant)
    ("adc.rescaled", "x m", "x == 0 ? 0 : r/x ; 0"),
    ("adc.rounded", "x", "0"),
    // piecewise constant
    (
        "llvm.floor llvm.ceil llvm.trunc llvm.round llvm.rint llvm.nearbyint llvm.roundeven floor floorf ceil ceilf trunc truncf round roundf rint rintf nearbyint nearbyintf",
        "x",
        "0",
    ),
];

/// (names, data operand indices): tangent = the same operation on tangents.
const LINEAR: &[(&str, &[u32])] = &[
    ("select", &[1, 2]),
    ("fpext fptrunc", &[0]),
    ("extractelement", &[0]),
    ("insertelement", &[0, 1]),
    ("shufflevector", &[0, 1]),
    ("extractvalue", &[0]),
    ("insertvalue", &[0, 1]),
    ("freeze", &[0]),
    // an ordered sum: start + v[0] + v[1] + ...
    ("llvm.vector.reduce.fadd", &[0, 1]),
];

/// Library functions that carry no derivative whatever they are given:
/// output, diagnostics, clocks, random numbers, OpenMP queries. Their
/// results are constant and they write no float memory a derivative reads.
const INACTIVE: &[&str] = &[
    "printf",
    "fprintf",
    "vprintf",
    "vfprintf",
    "puts",
    "fputs",
    "fputc",
    "putc",
    "putchar",
    "fflush",
    "fwrite",
    "perror",
    "snprintf",
    "sprintf",
    "abort",
    "exit",
    "__assert_fail",
    "__assert_rtn",
    "time",
    "clock",
    "clock_gettime",
    "gettimeofday",
    "rand",
    "srand",
    "random",
    "getenv",
    "strlen",
    "strcmp",
    "strncmp",
    "omp_get_thread_num",
    "omp_get_num_threads",
    "omp_get_max_threads",
    "omp_get_wtime",
    "omp_get_num_procs",
    "omp_in_parallel",
    // OpenMP's work sharing and synchronisation (they write loop bounds
    // and flags; reverse/parallel.rs mirrors barriers and critical sections).
    "__kmpc_global_thread_num",
    "__kmpc_push_num_threads",
    "__kmpc_for_static_init_4",
    "__kmpc_for_static_init_4u",
    "__kmpc_for_static_init_8",
    "__kmpc_for_static_init_8u",
    "__kmpc_for_static_fini",
    "__kmpc_dispatch_init_4",
    "__kmpc_dispatch_init_4u",
    "__kmpc_dispatch_init_8",
    "__kmpc_dispatch_init_8u",
    "__kmpc_dispatch_next_4",
    "__kmpc_dispatch_next_4u",
    "__kmpc_dispatch_next_8",
    "__kmpc_dispatch_next_8u",
    "__kmpc_dispatch_fini_4",
    "__kmpc_dispatch_fini_4u",
    "__kmpc_dispatch_fini_8",
    "__kmpc_dispatch_fini_8u",
    "__kmpc_dispatch_deinit",
    "__kmpc_barrier",
    "__kmpc_critical",
    "__kmpc_critical_with_hint",
    "__kmpc_end_critical",
    "__kmpc_single",
    "__kmpc_end_single",
    "__kmpc_master",
    "__kmpc_end_master",
    "__kmpc_masked",
    "__kmpc_end_masked",
    "__kmpc_end_reduce_nowait",
    "__kmpc_flush",
    // An iteration count (ir::iteration_count).
    "__enzyme_iter",
];

/// Parts of mangled C++ names of the standard streams (libc++ and
/// libstdc++): `std::cout << x` and friends are output.
const INACTIVE_MANGLED: &[&str] = &[
    "__enzyme_iter",
    "basic_ostream",
    "basic_istream",
    "basic_ios",
    "ios_base",
    "basic_streambuf",
    "basic_filebuf",
    "basic_ostringstream",
    "basic_stringbuf",
    "__put_character_sequence",
    "_ZNSo",
    "_ZNSi",
    "_ZSt4endl",
    "_ZNSt3__14endl",
    "_ZStlsI",
    "_ZNSt3__1lsI",
];

/// Whether a call of `name` carries no derivative (see [`INACTIVE`]).
/// Why a call of `name`, a function without a body and without a rule,
/// cannot be differentiated, and what to do.
pub fn no_rule(name: &str) -> String {
    const COMPLEX_ARITHMETIC: &[&str] = &["__mulsc3", "__divsc3", "__mulxc3", "__divxc3"];
    const COMPLEX_LIBM: &[&str] = &[
        "csin", "ccos", "ctan", "csinh", "ccosh", "ctanh", "casin", "cacos", "catan", "cexpf",
        "clogf", "csqrtf", "cpowf", "cabsf", "cargf",
    ];
    if COMPLEX_ARITHMETIC.contains(&name) {
        format!(
            "complex multiplication or division of float or long double (`{name}`, C's \
             _Complex with Annex G's infinity rules): adc has rules for double _Complex \
             only; compute in double, or compile with -fcx-limited-range so that clang \
             writes it as real arithmetic, which adc differentiates"
        )
    } else if COMPLEX_LIBM.contains(&name) {
        format!(
            "the complex function `{name}`: adc has no rule for it yet (cabs, carg, cexp, \
             clog, csqrt and cpow of double _Complex it has); write it with those or with \
             real functions (exp, cos, sin, ...)"
        )
    } else {
        format!(
            "no derivative rule for external function `{name}`, and its body is not in the \
             module (link its bitcode in first, e.g. with llvm-link)"
        )
    }
}

pub fn is_inactive_call(name: &str) -> bool {
    INACTIVE.contains(&name)
        || (name.starts_with("_Z") && INACTIVE_MANGLED.iter().any(|m| name.contains(m)))
}

/// How an operation's tangent (and adjoint) is formed.
#[derive(Debug)]
pub enum Rule {
    /// `partials[i]`: d result / d operand i; `None` for integer operands.
    Partials {
        name: &'static str,
        partials: Vec<Option<Expr>>,
    },
    /// Linear in the listed data operands.
    Linear {
        name: &'static str,
        data: &'static [u32],
    },
}

struct Table {
    rules: Vec<Rule>,
    by_name: IndexMap<&'static str, usize>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| build().unwrap_or_else(|e| panic!("derivative table: {e}")))
}

fn build() -> Result<Table, String> {
    let mut t = Table {
        rules: Vec::new(),
        by_name: IndexMap::new(),
    };
    for (names, operands, partials) in PARTIALS {
        let ops: Vec<&str> = operands.split_whitespace().collect();
        let ps: Vec<&str> = partials.split(';').map(str::trim).collect();
        if ps.len() != ops.len() {
            return Err(format!(
                "`{names}`: {} operands, {} partials",
                ops.len(),
                ps.len()
            ));
        }
        let partials = ps
            .iter()
            .map(|p| {
                if *p == "_" {
                    Ok(None)
                } else {
                    parse(p, &ops)
                        .map(Some)
                        .map_err(|e| format!("`{names}`: {e}"))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let first = names.split_whitespace().next().unwrap_or(names);
        t.rules.push(Rule::Partials {
            name: first,
            partials,
        });
        for n in names.split_whitespace() {
            if t.by_name.insert(n, t.rules.len() - 1).is_some() {
                return Err(format!("`{n}` has two rules"));
            }
        }
    }
    for (names, data) in LINEAR {
        let first = names.split_whitespace().next().unwrap_or(names);
        t.rules.push(Rule::Linear { name: first, data });
        for n in names.split_whitespace() {
            if t.by_name.insert(n, t.rules.len() - 1).is_some() {
                return Err(format!("`{n}` has two rules"));
            }
        }
    }
    Ok(t)
}

/// The rule of an instruction opcode, if it has one.
pub fn lookup_opcode(op: LLVMOpcode) -> Option<&'static Rule> {
    use LLVMOpcode::*;
    let name = match op {
        LLVMFAdd => "fadd",
        LLVMFSub => "fsub",
        LLVMFMul => "fmul",
        LLVMFDiv => "fdiv",
        LLVMFRem => "frem",
        LLVMFNeg => "fneg",
        LLVMSelect => "select",
        LLVMFPExt => "fpext",
        LLVMFPTrunc => "fptrunc",
        LLVMExtractElement => "extractelement",
        LLVMInsertElement => "insertelement",
        LLVMShuffleVector => "shufflevector",
        LLVMExtractValue => "extractvalue",
        LLVMInsertValue => "insertvalue",
        LLVMFreeze => "freeze",
        _ => return None,
    };
    lookup_name(name)
}

fn lookup_name(name: &str) -> Option<&'static Rule> {
    let t = table();
    t.by_name.get(name).map(|&i| &t.rules[i])
}

/// The rule for a call of `f`: the one of the libm function the user said
/// `f` behaves like (see [`super::custom`]), else the one of its name.
/// libm's long double (`sinl`) and glibc's fp128 (`sinf128`) functions have
/// the rows of their double function, when their float type says so.
pub fn lookup_callee(f: crate::ir::Function) -> Option<&'static Rule> {
    let name = super::custom::rule_name(f);
    if let Some(r) = lookup_call(&name) {
        return Some(r);
    }
    let float = std::iter::once(f.return_type())
        .chain(f.fn_type().params())
        .find(|t| t.is_float_scalar())?;
    let base = match float.kind() {
        llvm_sys::LLVMTypeKind::LLVMX86_FP80TypeKind => name.strip_suffix('l')?,
        llvm_sys::LLVMTypeKind::LLVMFP128TypeKind => name.strip_suffix("f128")?,
        _ => return None,
    };
    if base.starts_with("llvm.") || base.starts_with("adc.") {
        return None;
    }
    lookup_name(base)
}

/// The rule of a called function: a libm name (`sin`, `sinf`) or an overloaded
/// LLVM intrinsic (`llvm.sin.f64`, `llvm.powi.f64.i32` match `llvm.sin`, `llvm.powi`).
pub fn lookup_call(name: &str) -> Option<&'static Rule> {
    if let Some(r) = lookup_name(name) {
        return Some(r);
    }
    // (adc's own identity-like functions, `adc.rounded.f64`, `adc.frac.f32`,
    // `adc.cexp_re.f64`, are overloaded the same way)
    if name.starts_with("llvm.") || name.starts_with("adc.") {
        let mut base = name;
        while let Some(dot) = base.rfind('.') {
            base = &base[..dot];
            if let Some(r) = lookup_name(base) {
                return Some(r);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_names_are_unique() {
        build().unwrap();
    }

    #[test]
    fn intrinsic_overloads_resolve_to_their_base() {
        let name = |r: &Rule| match r {
            Rule::Partials { name, .. } | Rule::Linear { name, .. } => *name,
        };
        assert_eq!(name(lookup_call("llvm.sin.f64").unwrap()), "llvm.sin");
        assert_eq!(name(lookup_call("llvm.exp2.v2f64").unwrap()), "llvm.exp2");
        assert_eq!(name(lookup_call("llvm.powi.f32.i32").unwrap()), "llvm.powi");
        assert_eq!(name(lookup_call("sinf").unwrap()), "llvm.sin");
        assert!(lookup_call("llvm.lifetime.start.p0").is_none());
        assert!(lookup_call("printf").is_none());
    }

    #[test]
    fn output_is_inactive() {
        assert!(is_inactive_call("printf"));
        // std::ostream::operator<<(double), libc++ and libstdc++
        assert!(is_inactive_call(
            "_ZNSt3__113basic_ostreamIcNS_11char_traitsIcEEElsEd"
        ));
        assert!(is_inactive_call("_ZNSolsEd"));
        assert!(!is_inactive_call("sin"));
        assert!(!is_inactive_call("_Z6energyPKdi"));
    }
}
