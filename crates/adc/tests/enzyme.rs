//! Code written for Enzyme (test-ir/enzyme): every call-site form in C and
//! C++, at -O2 and -O0, lowered by `adc lower`, linked and run; each program
//! checks its derivatives against finite differences and analytic values.
//! And the call sites adc must refuse, each with its reason.

mod common;

use common::{adc, clang, llvm_prefix, root};
use std::path::{Path, PathBuf};
use std::process::Command;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn src(file: &str) -> PathBuf {
    root().join("test-ir/enzyme").join(file)
}

/// Compile `file` (C or C++ by its extension) to bitcode.
fn bitcode(dir: &Path, file: &str, flags: &[&str]) -> PathBuf {
    let cxx = file.ends_with(".cpp");
    let cc = if cxx {
        clang().with_file_name("clang++")
    } else {
        clang()
    };
    let tag: String = flags
        .concat()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let bc = dir.join(format!("{file}{tag}.bc"));
    let o = Command::new(cc)
        .args(["-g", "-c", "-emit-llvm"])
        .args(flags)
        .arg(src(file))
        .arg("-o")
        .arg(&bc)
        .output()
        .unwrap();
    assert!(o.status.success(), "clang {file}: {}", text(&o.stderr));
    bc
}

/// Lower, link and run `file` compiled with `opt`; its output.
fn lower_and_run(file: &str, flags: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let flags: Vec<&str> = flags.split_whitespace().collect();
    let bc = bitcode(dir.path(), file, &flags);
    let obj = dir.path().join("lowered.o");
    let o = adc(&["lower", bc.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
    assert!(o.status.success(), "adc lower: {}", text(&o.stderr));
    let exe = dir.path().join("prog");
    let mut link = if file.ends_with(".cpp") {
        let mut c = Command::new(clang().with_file_name("clang++"));
        let libcxx = llvm_prefix().join("lib/x86_64-unknown-linux-gnu");
        c.args(["--rtlib=libgcc", "--unwindlib=libgcc"])
            .arg(format!("-Wl,-rpath,{}", libcxx.display()));
        c
    } else {
        Command::new("cc")
    };
    let o = link
        .arg(&obj)
        .args(["-lm", "-o"])
        .arg(&exe)
        .output()
        .unwrap();
    assert!(o.status.success(), "link: {}", text(&o.stderr));
    let run = Command::new(&exe).output().unwrap();
    let out = text(&run.stdout);
    assert!(run.status.success(), "{file} {flags:?}:\n{out}");
    out
}

/// The program's closing line, `N checks, 0 failed`, with N at least `min`.
fn assert_all_checked(out: &str, min: usize) {
    let last = out.lines().last().unwrap_or_default();
    let n: usize = last
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        last.ends_with("checks, 0 failed") && n >= min,
        "closing line `{last}`:\n{out}"
    );
}

#[test]
fn c_call_sites_at_o2() {
    assert_all_checked(&lower_and_run("call_sites.c", "-O2"), 47);
}

#[test]
fn c_call_sites_at_o0() {
    assert_all_checked(&lower_and_run("call_sites.c", "-O0"), 47);
}

/// Enzyme's vector forward mode (`enzyme_width`) and `__enzyme_batch`, at -O2 and -O0.
#[test]
fn vector_width_call_sites() {
    assert_all_checked(&lower_and_run("vector_width.c", "-O2"), 185);
    assert_all_checked(&lower_and_run("vector_width.c", "-O0"), 185);
}

#[test]
fn cpp_call_sites_at_o2() {
    assert_all_checked(&lower_and_run("call_sites.cpp", "-O2"), 17);
}

#[test]
fn cpp_call_sites_at_o0() {
    assert_all_checked(&lower_and_run("call_sites.cpp", "-O0"), 17);
}

/// Whether the Debian `package`'s headers (one of them: `path`) are here;
/// scripts/test installs them, so under CI their absence is a failure,
/// elsewhere the test is skipped.
fn have_headers(path: &str, package: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{path} is missing (apt-get install {package})"
    );
    eprintln!("skipped: no {path} (apt-get install {package})");
    false
}

/// Eigen (fixed and dynamic size, vectorized exp and log) in both modes.
/// Its headers come from Debian's libeigen3-dev, which scripts/test
/// installs; without them the test fails under CI and is skipped elsewhere.
#[test]
fn eigen_at_o2_and_o0() {
    if !have_headers("/usr/include/eigen3/Eigen/Dense", "libeigen3-dev") {
        return;
    }
    for opt in ["-O2", "-O0"] {
        assert_all_checked(
            &lower_and_run("eigen.cpp", &format!("{opt} -I/usr/include/eigen3")),
            23,
        );
    }
}

/// `adc lower` of refused.c with CASE: exit 1, no output, the message.
fn refusal(case: u32) -> String {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode(dir.path(), "refused.c", &["-O2", &format!("-DCASE={case}")]);
    let out = dir.path().join("out.o");
    let o = adc(&["lower", bc.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let e = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "case {case}: {e}");
    assert!(!e.contains("panicked"), "case {case}: {e}");
    assert!(!out.exists(), "case {case}: output left behind");
    e
}

#[test]
fn call_sites_that_cannot_be_honoured_are_refused_with_a_reason() {
    let cases: &[(u32, &[&str])] = &[
        (
            1,
            &[
                "declared to return double (1 value), but the derivative gives 2",
                "refused.c:37",
            ],
        ),
        (
            2,
            &["enzyme_width with enzyme_primal_return", "separate call"],
        ),
        (3, &["__enzyme_batch needs enzyme_width"]),
        (4, &["__enzyme_register_gradient_sq", "entry 2 is missing"]),
        (5, &["type punning", "refused.c:22"]),
        (6, &["type punning"]),
        (7, &["too few arguments", "`mul2`"]),
        (8, &["enzyme_out", "forward mode"]),
        (
            10,
            &[
                "`bad_fwd_sq`",
                "registered for `sq`",
                "{ double, double } (double, double)",
            ],
        ),
        (
            11,
            &[
                "`sq` has a derivative rule",
                "inlined it into `inlined`",
                "noinline",
            ],
        ),
        (
            12,
            &[
                "`stop` has a derivative rule or annotation",
                "returns its argument",
            ],
        ),
    ];
    for (case, wants) in cases {
        let e = refusal(*case);
        for w in *wants {
            assert!(e.contains(w), "case {case}: `{w}` not in:\n{e}");
        }
    }
}

/// Lower `bc` and link it with the C files `extra` into a program; its path.
fn lower_and_link(dir: &Path, bc: &Path, extra: &[PathBuf]) -> PathBuf {
    let obj = dir.join("lowered.o");
    let o = adc(&["lower", bc.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
    assert!(o.status.success(), "adc lower: {}", text(&o.stderr));
    let exe = dir.join("prog");
    let o = Command::new("cc")
        .arg(&obj)
        .args(extra)
        .args(["-lm", "-o"])
        .arg(&exe)
        .output()
        .unwrap();
    assert!(o.status.success(), "link: {}", text(&o.stderr));
    exe
}

/// Rules users write (test-ir/enzyme/custom_rules.c, with adc_rules.h):
/// forward, reverse with a tape, vjp, for a function without a body, in
/// loops and callees; inactive functions and globals; a function like
/// log1p; Enzyme's attributes. Both modes, at -O2 and -O0.
#[test]
fn custom_rules_at_o2_and_o0() {
    let include = format!("-I{}", root().join("crates/adc-runtime/include").display());
    for opt in ["-O2", "-O0"] {
        let dir = tempfile::tempdir().unwrap();
        let bc = bitcode(dir.path(), "custom_rules.c", &[opt, &include]);
        let exe = lower_and_link(dir.path(), &bc, &[src("custom_outside.c")]);
        let run = Command::new(&exe).output().unwrap();
        let out = text(&run.stdout);
        assert!(run.status.success(), "{opt}:\n{out}");
        assert_all_checked(&out, 30);
    }
}

/// Enzyme's attribute in the source, dropped by clang without adc_rules.h:
/// refused with what to do; with the header, the annotation is honoured.
#[test]
fn dropped_enzyme_attribute_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode(
        dir.path(),
        "dropped_attribute.c",
        &["-O2", "-Wno-unknown-attributes"],
    );
    let out = dir.path().join("out.o");
    let o = adc(&["lower", bc.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let e = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("`enzyme_inactive`") && e.contains("adc_rules.h"),
        "{e}"
    );
    assert!(!out.exists());
    let header = root().join("crates/adc-runtime/include/adc_rules.h");
    let bc = bitcode(
        dir.path(),
        "dropped_attribute.c",
        &["-O2", "-include", header.to_str().unwrap()],
    );
    let exe = lower_and_link(dir.path(), &bc, &[]);
    let run = Command::new(&exe).output().unwrap();
    // held inactive is a constant c: d/dx (x c / x) = 0 (differentiated: 2x).
    assert_eq!(text(&run.stdout).trim(), "0");
}

/// Calls through function pointers (a callback given to an integrator, a
/// table of operations, an allocator in a global) differentiate in both
/// modes at -O2 and -O0; a pointer to a function outside the module stops
/// the derivative with a message instead of returning one without it.
#[test]
fn function_pointers_at_o2_and_o0() {
    for opt in ["-O2", "-O0"] {
        let dir = tempfile::tempdir().unwrap();
        let bc = bitcode(dir.path(), "function_pointers.c", &[opt]);
        let exe = lower_and_link(dir.path(), &bc, &[src("outside.c")]);
        let run = Command::new(&exe).output().unwrap();
        let out = text(&run.stdout);
        assert!(run.status.success(), "{opt}:\n{out}");
        assert_all_checked(&out, 19);
        let run = Command::new(&exe).arg("outside").output().unwrap();
        let e = text(&run.stderr);
        assert!(
            !run.status.success(),
            "{opt}: the outside call must stop the program"
        );
        assert!(
            e.contains("through a pointer of type `void (ptr, ptr, double)`")
                && e.contains("`decay`, `oscillate`")
                && e.contains("rather than return a wrong one"),
            "{opt}: {e}"
        );
        assert!(text(&run.stdout).is_empty(), "{opt}: no derivative printed");
    }
}

/// poor_besselj's second derivative in all four compositions of the modes
/// (test-ir/enzyme/besselj_second.c), against Bessel's equation and a
/// central difference.
#[test]
fn besselj_second_derivative_in_every_composition() {
    for opt in ["-O2", "-O0"] {
        let out = lower_and_run("besselj_second.c", opt);
        assert_all_checked(&out, 416);
    }
}

/// Enzyme's recipes for higher derivatives: __enzyme_autodiff of a function
/// that calls __enzyme_autodiff (reverse over reverse, with heap tapes, up
/// to the fourth order), __enzyme_fwddiff of one (also two directions at
/// once, with enzyme_width), and __enzyme_iter's
/// growing iteration count (test-ir/enzyme/nested.c).
#[test]
fn nested_call_sites_give_higher_derivatives() {
    for opt in ["-O2", "-O0"] {
        let out = lower_and_run("nested.c", opt);
        assert_all_checked(&out, 60);
    }
}

/// A buffer pointer read from a struct without a shadow, mixed with stack
/// and heap buffers (Eigen's GEMM blocking): exact while it is null, and a
/// stop with a message when it is not (test-ir/enzyme/optional_buffer.c).
#[test]
fn optional_buffer_is_exact_when_null_and_stops_otherwise() {
    for opt in ["-O2", "-O0"] {
        let dir = tempfile::tempdir().unwrap();
        let bc = bitcode(dir.path(), "optional_buffer.c", &[opt]);
        let exe = lower_and_link(dir.path(), &bc, &[]);
        let run = Command::new(&exe).output().unwrap();
        let out = text(&run.stdout);
        assert!(run.status.success(), "{opt}:\n{out}");
        assert_all_checked(&out, 58);
        let run = Command::new(&exe).arg("scratch").output().unwrap();
        let e = text(&run.stderr);
        assert!(
            !run.status.success(),
            "{opt}: a supplied buffer must stop the program"
        );
        assert!(
            e.contains("optional_buffer.c:24")
                && e.contains("instead of returning a wrong derivative"),
            "{opt}: {e}"
        );
        assert!(text(&run.stdout).is_empty(), "{opt}: no derivative printed");
    }
}

/// Boost.Odeint's steppers and a std::vector of mixed structs growing by
/// reallocation, with no type hint (issue 22), in both modes. The vector's
/// raw relocation is typed by clang's TBAA, which -O0 does not emit: there
/// it is refused with the reason, never differentiated wrongly.
#[test]
fn odeint_and_struct_vectors_need_no_hint() {
    if !have_headers("/usr/include/boost/numeric/odeint.hpp", "libboost-dev") {
        return;
    }
    let libcxx = "-D_LIBCPP_ENABLE_CXX17_REMOVED_UNARY_BINARY_FUNCTION";
    assert_all_checked(&lower_and_run("odeint.cpp", &format!("-O2 {libcxx}")), 30);
    assert_all_checked(
        &lower_and_run("odeint.cpp", &format!("-O0 -DNO_TBAA {libcxx}")),
        16,
    );
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode(dir.path(), "odeint.cpp", &["-O0", libcxx]);
    let out = dir.path().join("out.o");
    let o = adc(&["lower", bc.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let e = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("cannot tell what this copy moves"), "{e}");
    assert!(!out.exists());
}
