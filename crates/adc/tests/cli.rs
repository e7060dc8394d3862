//! The `adc` command as a user runs it: outputs in every format, the header,
//! linking the object into a C program, and the errors for bad input.

mod common;

use common::{adc, bitcode, llvm_prefix, root, rust_driver, stderr};
use std::path::Path;
use std::process::{Command, Output};

/// A failed run: exit status 1, a message, no panic, no output file.
fn assert_clean_failure(o: &Output, out: &Path) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(1), "exit status; stderr:\n{e}");
    assert!(!e.contains("panicked"), "adc panicked:\n{e}");
    assert!(e.starts_with("adc: error: "), "message:\n{e}");
    assert!(
        !out.exists(),
        "partial output {} left behind",
        out.display()
    );
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".adc-out"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    e
}

fn verify_with_opt(path: &Path) {
    let opt = llvm_prefix().join("bin/opt");
    let o = Command::new(opt)
        .args(["-passes=verify", "-disable-output"])
        .arg(path)
        .output()
        .unwrap();
    assert!(o.status.success(), "opt -passes=verify: {}", stderr(&o));
}

#[test]
fn every_output_format_and_a_linked_c_program() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "besselj.c", "");
    let bc = bc.to_str().unwrap();
    for ext in ["bc", "ll", "s", "o"] {
        let out = dir.path().join(format!("besselj_fwd.{ext}"));
        let h = dir.path().join("besselj_fwd.h");
        let o = adc(&[
            "grad",
            bc,
            "-f",
            "poor_besselj",
            "--mode",
            "forward",
            "--header",
            h.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{ext}: {}", stderr(&o));
        assert!(stderr(&o).contains("poor_besselj_fwd"));
        assert!(std::fs::metadata(&out).unwrap().len() > 0);
        if ext == "bc" || ext == "ll" {
            verify_with_opt(&out);
        }
    }
    let header = std::fs::read_to_string(dir.path().join("besselj_fwd.h")).unwrap();
    assert!(header.contains("double poor_besselj_fwd(int32_t a0, double a1, double a2);"));

    // Link the PIC object into a (PIE) C program with the system compiler.
    let exe = dir.path().join("prog");
    let o = Command::new("cc")
        .arg("-I")
        .arg(dir.path())
        .arg(root().join("test-ir/c/call_from_c.c"))
        .arg(dir.path().join("besselj_fwd.o"))
        .args(["-lm", "-o"])
        .arg(&exe)
        .output()
        .unwrap();
    assert!(o.status.success(), "cc: {}", stderr(&o));
    let run = Command::new(&exe).output().unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    let vals: Vec<f64> = text
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(
        (vals[1] - 0.11985236384014333).abs() <= 1e-14 * 0.12,
        "{text}"
    );
}

#[test]
fn rust_input_to_object() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "besselj.rs", "");
    let out = dir.path().join("b.o");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "poor_besselj",
        "--mode",
        "forward",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.exists());
}

#[test]
fn unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.o");
    let o = adc(&[
        "grad",
        "/nonexistent/x.bc",
        "-f",
        "f",
        "--mode",
        "forward",
        "-o",
        out.to_str().unwrap(),
    ]);
    let e = assert_clean_failure(&o, &out);
    assert!(e.contains("/nonexistent/x.bc"), "{e}");

    let junk = dir.path().join("junk.bc");
    std::fs::write(&junk, b"BC\xC0\xDEthis is not bitcode").unwrap();
    let o = adc(&[
        "grad",
        junk.to_str().unwrap(),
        "-f",
        "f",
        "--mode",
        "forward",
        "-o",
        out.to_str().unwrap(),
    ]);
    let e = assert_clean_failure(&o, &out);
    assert!(e.contains("junk.bc"), "{e}");
    assert!(e.contains("truncated or corrupt"), "{e}");

    // An empty file is not an empty module.
    let empty = dir.path().join("empty.bc");
    std::fs::write(&empty, b"").unwrap();
    let o = adc(&[
        "grad",
        empty.to_str().unwrap(),
        "-f",
        "f",
        "-o",
        out.to_str().unwrap(),
    ]);
    let e = assert_clean_failure(&o, &out);
    assert!(e.contains("the file is empty"), "{e}");

    // Truncated bitcode says so (LLVM alone: "can't skip to bit ...").
    let whole = std::fs::read(bitcode("c", "besselj.c", "")).unwrap();
    let cut = dir.path().join("cut.bc");
    std::fs::write(&cut, &whole[..whole.len() / 3]).unwrap();
    let o = adc(&[
        "grad",
        cut.to_str().unwrap(),
        "-f",
        "poor_besselj",
        "-o",
        out.to_str().unwrap(),
    ]);
    let e = assert_clean_failure(&o, &out);
    assert!(e.contains("truncated or corrupt"), "{e}");
}

/// Outputs never overwrite the input or each other; a function named twice
/// is a usage error, not a clash of generated names; files get the
/// umask's permissions (they were 0600 whatever the umask).
#[test]
fn outputs_are_checked_and_get_the_usual_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bc = dir.path().join("in.bc");
    std::fs::copy(bitcode("c", "besselj.c", ""), &bc).unwrap();
    let before = std::fs::read(&bc).unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let f = ["-f", "poor_besselj"];
    for (args, want) in [
        (vec!["-o", bc.to_str().unwrap()], "is the input"),
        (
            vec!["--header", bc.to_str().unwrap(), "-o", &p("a.o")],
            "is the input",
        ),
        (
            vec!["--header", &p("a.o"), "-o", &p("a.o")],
            "named for two outputs",
        ),
        (
            vec!["-f", "poor_besselj", "-o", &p("a.o")],
            "named twice with -f",
        ),
    ] {
        let mut all = vec!["grad", bc.to_str().unwrap()];
        all.extend(f);
        all.extend(args.iter().copied());
        let o = adc(&all);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        assert_eq!(
            std::fs::read(&bc).unwrap(),
            before,
            "{args:?}: the input changed"
        );
        assert!(
            !dir.path().join("a.o").exists(),
            "{args:?}: output left behind"
        );
    }
    // Through another spelling of the same path.
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "poor_besselj",
        "-o",
        &format!("{}/./in.bc", dir.path().display()),
    ]);
    assert!(stderr(&o).contains("is the input"), "{}", stderr(&o));
    // The umask decides (the test process's umask, read back by setting it).
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "poor_besselj",
        "--header",
        &p("b.h"),
        "-o",
        &p("b.o"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let umask = {
        let m = Command::new("sh").args(["-c", "umask"]).output().unwrap();
        u32::from_str_radix(String::from_utf8_lossy(&m.stdout).trim(), 8).unwrap()
    };
    for f in ["b.o", "b.h"] {
        let mode = std::fs::metadata(dir.path().join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o666 & !umask, "{f}: mode {mode:o}, umask {umask:o}");
    }
}

#[test]
fn unknown_function_lists_what_is_defined() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.o");
    let bc = bitcode("c", "besselj.c", "");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "poor_bessel",
        "--mode",
        "forward",
        "-o",
        out.to_str().unwrap(),
    ]);
    let e = assert_clean_failure(&o, &out);
    assert!(e.contains("`poor_bessel` is not defined"), "{e}");
    assert!(e.contains("poor_besselj"), "{e}");
}

#[test]
fn unsupported_call_names_function_instruction_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.o");
    let bc = bitcode("c", "bad_call.c", "");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "uses_mystery",
        "--mode",
        "forward",
        "-o",
        out.to_str().unwrap(),
    ]);
    let e = assert_clean_failure(&o, &out);
    assert!(e.contains("in function `uses_mystery`"), "{e}");
    assert!(e.contains("bad_call.c:7:"), "source line: {e}");
    assert!(e.contains("call double @mystery("), "instruction: {e}");
    assert!(
        e.contains("no derivative rule for external function `mystery`"),
        "{e}"
    );
}

#[test]
fn bad_output_extension_and_bad_activity() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "besselj.c", "");
    let out = dir.path().join("out.exe");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "poor_besselj",
        "--mode",
        "forward",
        "-o",
        out.to_str().unwrap(),
    ]);
    let e = assert_clean_failure(&o, &out);
    assert!(e.contains(".bc, .ll, .o or .s"), "{e}");

    let out = dir.path().join("out.o");
    for (list, want) in [
        (
            "const",
            "lists 1 entries, but the function has 2 parameters",
        ),
        (
            "active,active",
            "parameter 1 of `poor_besselj` has type i32",
        ),
        ("const,sideways", "`sideways`"),
    ] {
        let o = adc(&[
            "grad",
            bc.to_str().unwrap(),
            "-f",
            "poor_besselj",
            "--mode",
            "forward",
            "--activity",
            list,
            "-o",
            out.to_str().unwrap(),
        ]);
        let e = assert_clean_failure(&o, &out);
        assert!(e.contains(want), "{list}: {e}");
    }
}

#[test]
fn activity_const_gives_a_zero_tangent_function() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "besselj.c", "");
    let out = dir.path().join("c.ll");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "poor_besselj",
        "--mode",
        "forward",
        "--activity",
        "const,const",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ll = std::fs::read_to_string(&out).unwrap();
    // No tangent parameter, and the tangent folds to zero.
    assert!(
        ll.contains("double @poor_besselj_fwd(i32 %0, double %1)"),
        "{ll}"
    );
    let body = ll
        .split("@poor_besselj_fwd(i32 %0, double %1)")
        .nth(1)
        .unwrap();
    let body = body.split("\n}").next().unwrap();
    assert!(body.contains("ret double 0.0"), "{body}");
    assert!(!body.contains("ret double %"), "{body}");
}

fn compile_and_link(dir: &Path, objects: &[&Path], driver: &str, exe: &str) -> std::path::PathBuf {
    let out = dir.join(exe);
    let o = Command::new("cc")
        .arg("-I")
        .arg(dir)
        .arg(root().join("test-ir/c").join(driver))
        .args(objects)
        .args(["-lm", "-pthread", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "cc: {}", stderr(&o));
    out
}

/// `adc grad BC -f FUNCTION --mode MODE` must fail and write nothing; its
/// message.
fn refused(dir: &Path, bc: &Path, function: &str, mode: &str) -> String {
    let out = dir.join(format!("{function}-{mode}.o"));
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        function,
        "--mode",
        mode,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        !o.status.success(),
        "{function} in {mode} mode should be refused"
    );
    assert!(!out.exists(), "no partial output");
    stderr(&o)
}

fn grad_to(dir: &Path, bc: &Path, fns: &[&str], out: &str, extra: &[&str]) -> std::path::PathBuf {
    let o_path = dir.join(out);
    let mut args = vec!["grad".to_string(), bc.to_str().unwrap().to_string()];
    for f in fns {
        args.push("-f".into());
        args.push(f.to_string());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push("-o".into());
    args.push(o_path.to_str().unwrap().into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = adc(&refs);
    assert!(o.status.success(), "{}", stderr(&o));
    o_path
}

#[test]
fn gradients_of_several_inputs_called_from_c_through_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "multi.c", "");
    let h = dir.path().join("multi_grad.h");
    let obj = grad_to(
        dir.path(),
        &bc,
        &["two_inputs", "three_inputs"],
        "multi.o",
        &["--header", h.to_str().unwrap()],
    );
    let header = std::fs::read_to_string(&h).unwrap();
    assert!(
        header.contains("typedef struct { double d_a0; double d_a1; } two_inputs_grad_ret;"),
        "{header}"
    );
    assert!(
        header.contains("three_inputs_grad_ret three_inputs_grad(double a0, int32_t a1, double a2, double a3, double d_ret);"),
        "{header}"
    );
    let exe = compile_and_link(dir.path(), &[&obj], "call_grad_from_c.c", "multi");
    let run = Command::new(&exe).output().unwrap();
    assert!(
        run.status.success(),
        "gradients disagree with the analytic ones: {}",
        String::from_utf8_lossy(&run.stdout)
    );
}

#[test]
fn a_const_float_input_gives_a_gradient_without_tape() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "besselj.c", "");
    let out = dir.path().join("c.ll");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "poor_besselj",
        "--activity",
        "const,const",
        "--stats",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stats = String::from_utf8_lossy(&o.stdout);
    assert!(stats.contains("nothing on the tape"), "{stats}");
    let ll = std::fs::read_to_string(&out).unwrap();
    assert!(
        !ll.contains("adc.tape"),
        "tape helpers linked although nothing is taped"
    );
    assert!(
        ll.contains("void @poor_besselj_grad(i32 %0, double %1, double %2)"),
        "{ll}"
    );
    // And with z active the Bessel loop is taped.
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "poor_besselj",
        "--stats",
        "-o",
        out.to_str().unwrap(),
    ]);
    let stats = String::from_utf8_lossy(&o.stdout);
    assert!(stats.contains("bytes per execution"), "{stats}");
    // (Why each value is kept: whose partial reads it, why not recomputed.)
    assert!(
        stats.contains("needed by the partials of `")
            && stats.contains("a phi (which value it took is not recomputed)"),
        "{stats}"
    );
}

/// Every tape byte is freed and every access is in bounds, under memcheck.
#[test]
fn reverse_mode_is_clean_under_valgrind() {
    let dir = tempfile::tempdir().unwrap();
    // Without debug info: this valgrind cannot read clang 23's DWARF 5.
    let a = grad_to(
        dir.path(),
        &bitcode("c", "besselj.c", "-g0"),
        &["poor_besselj"],
        "b.o",
        &[],
    );
    let b = grad_to(
        dir.path(),
        &bitcode("c", "kernels.c", "-g0"),
        &["sin_dot", "recursive", "heap_scratch"],
        "k.o",
        &[],
    );
    let c = grad_to(
        dir.path(),
        &bitcode("c", "memory.c", "-g0"),
        &["grow_buffer"],
        "m.o",
        &[],
    );
    let exe = compile_and_link(dir.path(), &[&a, &b, &c], "tape_driver.c", "tape");
    let o = Command::new("valgrind")
        .args([
            "--error-exitcode=3",
            "--leak-check=full",
            "--errors-for-leak-kinds=all",
            "-q",
        ])
        .arg(&exe)
        .output()
        .expect("valgrind is installed on every machine of this project (scripts/setup checks)");
    assert!(o.status.success(), "memcheck: {}", stderr(&o));
    assert!(
        stderr(&o).trim().is_empty(),
        "memcheck reported: {}",
        stderr(&o)
    );
}

#[test]
fn info_explains_activity() {
    let bc = bitcode("c", "multi.c", "");
    let o = adc(&[
        "info",
        bc.to_str().unwrap(),
        "-f",
        "three_inputs",
        "--activity",
        "active,const,const,active",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("function three_inputs(double arg0: Active, i32 arg1: Const, double arg2: Const, double arg3: Active)"), "{text}");
    // x*y depends on x (arg0) only; the loop sum on x and z; the counter is an integer.
    assert!(
        text.lines().any(|l| l.contains("active")
            && l.contains("fmul")
            && l.contains("depends on arg0; reaches an output")),
        "{text}"
    );
    assert!(
        text.contains("depends on arg0, arg3; reaches an output"),
        "{text}"
    );
    assert!(
        text.contains("integer value: never differentiated"),
        "{text}"
    );
    assert!(text.contains("instructions are active"), "{text}");
    let o = adc(&["info", bc.to_str().unwrap(), "-f", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`nope` is not defined"));
}

/// `adc check --hessian`: every Hessian entry from forward over reverse
/// against nested central differences, with one, two and four inputs (the
/// last returns the gradient through a hidden pointer): Rosenbrock's
/// against its closed form, poor_besselj's second derivative against
/// Bessel's equation z^2 J'' + z J' + (z^2 - nu^2) J = 0.
#[test]
fn check_verifies_hessians_by_forward_over_reverse() {
    let entry = |table: &str, at: &str, e: &str| -> f64 {
        let line = table
            .lines()
            .find(|l| l.starts_with(at) && l.split_whitespace().any(|w| w == e))
            .unwrap_or_else(|| panic!("no {e} at {at}: {table}"));
        let fields: Vec<&str> = line.split_whitespace().collect();
        let i = fields.iter().position(|w| *w == e).unwrap();
        fields[i + 1].parse().unwrap()
    };
    let run = |src: &str, f: &str, at: &str| -> String {
        let bc = bitcode("c", src, "");
        let o = adc(&[
            "check",
            bc.to_str().unwrap(),
            "-f",
            f,
            "--at",
            at,
            "--hessian",
        ]);
        let table = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(o.status.success(), "{table}\n{}", stderr(&o));
        assert!(table.contains("PASS: worst relative error"), "{table}");
        assert!(table.contains("(forward over reverse)"), "{table}");
        table
    };
    let t = run("second_order.c", "rosenbrock4", "0.5,-0.3,1.2,0.8");
    let at = "(0.5, -0.3, 1.2, 0.8)";
    let x = [0.5, -0.3, 1.2, 0.8];
    for i in 0..4 {
        let mut want = 1200.0 * x[i] * x[i] + 2.0 + if i > 0 { 200.0 } else { 0.0 };
        if i < 3 {
            want -= 400.0 * x[i + 1];
        } else {
            want = 200.0;
        }
        let got = entry(&t, at, &format!("x{i},x{i}"));
        assert!((got - want).abs() < 1e-9, "H{i}{i} {got} {want}");
        if i < 3 {
            let got = entry(&t, at, &format!("x{},x{i}", i + 1));
            assert!((got + 400.0 * x[i]).abs() < 1e-9, "H{i}{} {got}", i + 1);
        }
    }
    assert!((entry(&t, at, "x3,x0")).abs() < 1e-12, "{t}");
    let t = run("kernels.c", "arith", "-1.2,0.4");
    assert!(t.contains("x1,x0") && t.contains("x0,x1"), "{t}");
    // J_2 at z = 0.5: J'' from Bessel's equation with J and J' from the
    // series (J' = (J_1 - J_3) / 2).
    let t = run("besselj.c", "poor_besselj", "2,0.5");
    let fact = |n: i32| (1..=n).map(f64::from).product::<f64>();
    let j = |nu: i32, z: f64| -> f64 {
        (0..20)
            .map(|k| (-1f64).powi(k) * (z / 2.0).powi(2 * k + nu) / (fact(k) * fact(k + nu)))
            .sum()
    };
    let (z, nu) = (0.5, 2.0);
    let d1 = 0.5 * (j(1, z) - j(3, z));
    let d2 = -(z * d1 + (z * z - nu * nu) * j(2, z)) / (z * z);
    let got = entry(&t, "(2, 0.5)", "x1,x1");
    assert!((got - d2).abs() < 1e-12, "{got} {d2}");
}

/// `adc --version` names adc's version and the LLVM it reads and writes.
#[test]
fn version_names_adc_and_llvm() {
    let o = adc(&["--version"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    let want = format!("adc {} (LLVM 23.", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&want), "{text}");
}

#[test]
fn check_passes_on_correct_derivatives() {
    let bc = bitcode("c", "besselj.c", "");
    let o = adc(&[
        "check",
        bc.to_str().unwrap(),
        "-f",
        "poor_besselj",
        "--at",
        "2,0.5",
        "--at",
        "0,3.7",
        "--points",
        "5",
        "--box",
        "0,10",
        "--tol",
        "1e-8",
    ]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{table}\n{}", stderr(&o));
    assert!(
        table.contains("poor_besselj_fwd: generated by adc"),
        "{table}"
    );
    assert!(table.contains("PASS: worst relative error"), "{table}");
    assert!(table.contains("over 7 point(s)"), "{table}");
    assert!(
        table.contains("1.198523638401433"),
        "the derivative at (2, 0.5): {table}"
    );

    let bc = bitcode("c", "multi.c", "");
    let o = adc(&[
        "check",
        bc.to_str().unwrap(),
        "-f",
        "three_inputs",
        "--at",
        "0.3,5,-1.2,0.8",
    ]);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );

    let bc = bitcode("c", "hand_derivative.c", "");
    let o = adc(&[
        "check",
        bc.to_str().unwrap(),
        "-f",
        "cube",
        "--at",
        "1.5",
        "--at",
        "-0.5",
    ]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{table}");
    assert!(
        table.contains("cube_fwd: the module's own, cube_grad: the module's own"),
        "{table}"
    );
}

#[test]
fn check_fails_on_a_wrong_hand_written_derivative() {
    let bc = bitcode("c", "hand_derivative.c", "");
    let o = adc(&[
        "check",
        bc.to_str().unwrap(),
        "-f",
        "skew",
        "--at",
        "0.7,1.3",
    ]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{table}");
    assert!(
        table.contains("skew_fwd: the module's own, skew_grad: generated by adc"),
        "{table}"
    );
    // Input x0 is right, x1 is off by 0.1%.
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.contains(" x0 ") || l.contains(" x1 "))
        .collect();
    assert_eq!(rows.len(), 2, "{table}");
    assert!(
        !rows[0].contains("FAIL") && rows[1].contains("<-- FAIL"),
        "{table}"
    );
    assert!(table.contains("FAIL: worst relative error"), "{table}");
    assert!(
        stderr(&o).contains("derivative check failed"),
        "{}",
        stderr(&o)
    );
}

/// C written for Enzyme compiles unchanged against include/adc.h; `adc lower`
/// replaces its call sites and the program gets the right derivatives.
#[test]
fn enzyme_call_sites_are_lowered() {
    let dir = tempfile::tempdir().unwrap();
    let include = root().join("crates/adc-runtime/include");
    let bc = dir.path().join("e.bc");
    let o = Command::new(common::clang())
        .args(["-O2", "-c", "-emit-llvm", "-I"])
        .arg(&include)
        .arg(root().join("test-ir/c/enzyme_style.c"))
        .arg("-o")
        .arg(&bc)
        .output()
        .unwrap();
    assert!(o.status.success(), "clang: {}", stderr(&o));
    let obj = dir.path().join("e.o");
    let o = adc(&["lower", bc.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("replaced 7 Enzyme call site(s)"),
        "{}",
        stderr(&o)
    );
    let exe = compile_and_link(dir.path(), &[&obj], "enzyme_main.c", "enzyme");
    let run = Command::new(&exe).output().unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.ends_with(" ok")).count(),
        10,
        "{text}"
    );
}

#[test]
fn undecidable_memory_types_are_reported_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.o");
    let bc = bitcode("c", "bad_call.c", "");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "punned",
        "-o",
        out.to_str().unwrap(),
    ]);
    let e = assert_clean_failure(&o, &out);
    assert!(e.contains("in function `punned`"), "{e}");
    assert!(e.contains("bad_call.c:"), "{e}");
    assert!(e.contains("llvm.memcpy"), "{e}");
    assert!(e.contains("cannot tell which bytes hold floats"), "{e}");
    assert!(e.contains("--type-hint double"), "{e}");
    // With the hint, the copy moves doubles and the gradient is generated:
    // everywhere, in the function the message names, or at its line.
    let line = e
        .split("bad_call.c:")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .expect("a line number");
    for hint in [
        "double".to_string(),
        "double@punned".to_string(),
        format!("double@bad_call.c:{line}"),
    ] {
        let o = adc(&[
            "grad",
            bc.to_str().unwrap(),
            "-f",
            "punned",
            "--type-hint",
            &hint,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{hint}: {}", stderr(&o));
        std::fs::remove_file(&out).unwrap();
    }
    // A hint for another place does not apply here: still refused.
    for hint in ["double@other_function", "double@bad_call.c:1"] {
        let o = adc(&[
            "grad",
            bc.to_str().unwrap(),
            "-f",
            "punned",
            "--type-hint",
            hint,
            "-o",
            out.to_str().unwrap(),
        ]);
        let e = assert_clean_failure(&o, &out);
        assert!(
            e.contains("cannot tell which bytes hold floats"),
            "{hint}: {e}"
        );
    }
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "punned",
        "--type-hint",
        "int",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        stderr(&o).contains("a type hint is `double` or `float`"),
        "{}",
        stderr(&o)
    );
}

/// A hint for a source line where the analysis decided what a copy moves
/// never overrides it: contradicting it is an error naming both, agreeing
/// with it changes nothing.
#[test]
fn a_line_hint_that_contradicts_the_analysis_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.o");
    let bc = bitcode("c", "bad_call.c", "");
    let src = std::fs::read_to_string(root().join("test-ir/c/bad_call.c")).unwrap();
    let line = 1 + src
        .lines()
        .position(|l| l.contains("typed_copy: the copy"))
        .expect("marked line");
    let run = |hint: &str| {
        adc(&[
            "grad",
            bc.to_str().unwrap(),
            "-f",
            "typed_copy",
            "--type-hint",
            hint,
            "-o",
            out.to_str().unwrap(),
        ])
    };
    let o = run(&format!("float@bad_call.c:{line}"));
    let e = assert_clean_failure(&o, &out);
    assert!(e.contains(&format!("bad_call.c:{line}")), "{e}");
    assert!(
        e.contains("the type hint says this copy moves floats"),
        "{e}"
    );
    assert!(e.contains("found that it moves doubles only"), "{e}");
    let o = run(&format!("double@bad_call.c:{line}"));
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(&out).unwrap();
    // For the whole module the hint only fills gaps: no contradiction.
    let o = run("float");
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Compile C files to bitcode against include/adc.h and link them into one module.
fn linked_bitcode(dir: &Path, files: &[&str]) -> std::path::PathBuf {
    let include = root().join("crates/adc-runtime/include");
    let mut parts = Vec::new();
    for f in files {
        let out = dir.join(format!("{f}.bc"));
        let o = Command::new(common::clang())
            .args(["-O2", "-c", "-emit-llvm", "-I"])
            .arg(&include)
            .arg(root().join("test-ir/c").join(f))
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "clang {f}: {}", stderr(&o));
        parts.push(out);
    }
    let linked = dir.join("linked.bc");
    let o = Command::new(llvm_prefix().join("bin/llvm-link"))
        .args(&parts)
        .arg("-o")
        .arg(&linked)
        .output()
        .unwrap();
    assert!(o.status.success(), "llvm-link: {}", stderr(&o));
    linked
}

/// `adc lower` a linked module, link it with cc and run it; its exit status
/// says whether its own derivative checks passed.
fn lower_link_run(dir: &Path, bc: &Path) -> String {
    let obj = dir.join("lowered.o");
    let o = adc(&["lower", bc.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    cc_and_run(dir, [obj.as_os_str(), "-lm".as_ref()])
}

/// Link `args` with cc into `dir/prog`, run it, and return its output; its
/// exit status says whether its own checks passed.
fn cc_and_run<'a>(dir: &Path, args: impl IntoIterator<Item = &'a std::ffi::OsStr>) -> String {
    let exe = dir.join("prog");
    let o = Command::new("cc")
        .args(args)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(o.status.success(), "cc: {}", stderr(&o));
    let run = Command::new(&exe).output().unwrap();
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{text}");
    text
}

/// Generic C moving doubles as 64-bit words (a swap that does not know the
/// element type): without a hint both modes refuse and name the move; with
/// `--type-hint double` the words move as doubles, and the derivatives
/// (both modes, one object) agree with finite differences.
#[test]
fn floats_moved_as_integers_need_and_follow_a_type_hint() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "generic_swap.c", "");
    for mode in ["forward", "reverse"] {
        let err = refused(dir.path(), &bc, "bubble_pass", mode);
        assert!(
            err.contains("`swap_words`") && err.contains("generic_swap.c:"),
            "{err}"
        );
        assert!(
            err.contains("as an integer") && err.contains("--type-hint double"),
            "{err}"
        );
    }
    let hint = ["--type-hint", "double"];
    let fwd = grad_to(
        dir.path(),
        &bc,
        &["bubble_pass"],
        "fwd.bc",
        &["--mode", "forward", hint[0], hint[1]],
    );
    let obj = grad_to(dir.path(), &fwd, &["bubble_pass"], "both.o", &hint);
    let driver = root().join("test-ir/c/generic_swap.c");
    let text = cc_and_run(
        dir.path(),
        [
            "-DDRIVER".as_ref(),
            driver.as_os_str(),
            obj.as_os_str(),
            "-lm".as_ref(),
        ],
    );
    assert!(
        text.contains("generic swap: worst relative error"),
        "{text}"
    );
}

/// The same input gives the same bytes: GMM's gradient (loops, tape,
/// split calls) and forward derivative, written three times each by
/// separate runs (adc keys its maps by LLVM handles, whose addresses differ
/// from run to run; it iterated some of them in hash order before).
#[test]
fn output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "gmm.c", "");
    for mode in ["reverse", "forward"] {
        let outs: Vec<Vec<u8>> = (0..3)
            .map(|i| {
                let out = dir.path().join(format!("gmm-{mode}-{i}.ll"));
                let o = adc(&[
                    "grad",
                    bc.to_str().unwrap(),
                    "-f",
                    "gmm_objective",
                    "--mode",
                    mode,
                    "-o",
                    out.to_str().unwrap(),
                ]);
                assert!(o.status.success(), "{}", stderr(&o));
                std::fs::read(&out).unwrap()
            })
            .collect();
        assert!(
            outs.windows(2).all(|w| w[0] == w[1]),
            "{mode}: outputs differ"
        );
    }
}

/// Compare-and-swap loops, OpenMP regions, function pointers given active
/// memory that adc cannot resolve, and variadic functions are refused in
/// both modes with their reason (each gave a derivative of 0, a derivative
/// without the pointer's shadow, a panic or invalid IR before).
#[test]
fn unsupported_constructs_are_refused_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "unsupported.c", "-fopenmp");
    for (f, why) in [
        ("atomic_type", "compare-and-swap of active memory"),
        (
            "parallel_nested",
            "a parallel region inside a parallel region",
        ),
        ("through_pointer", "indirect call with active arguments"),
        ("variadic_call", "the variadic function `vsum`"),
        ("vsum", "`vsum` is variadic"),
        ("complex_sin", "the complex function `csin`"),
        ("complex_mul_f", "compile with -fcx-limited-range"),
        ("union_chop", "type punning"),
    ] {
        for mode in ["reverse", "forward"] {
            let e = refused(dir.path(), &bc, f, mode);
            assert!(e.contains(why), "{f} {mode}: {e}");
        }
    }
}

/// A recursion 400,000 levels deep under an 8 MB stack limit: the primal
/// fits (16 bytes a level), and so do both derivatives now, which run on a
/// stack of their own (ir/stack_switch.rs); they overflowed the stack at
/// about 130,000 levels before. Each against a finite difference.
#[test]
fn deep_recursion_differentiates_as_deep_as_the_primal_runs() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "deep_recursion.c", "");
    let obj = both_modes_object(dir.path(), &bc, &["deep_rec"]);
    let exe = compile_and_link(dir.path(), &[&obj], "deep_recursion_main.c", "deep");
    for mode in ["p", "f", "r"] {
        let run = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -s 8192 && exec {} {mode} 400000",
                exe.display()
            ))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&run.stdout).into_owned();
        assert!(run.status.success(), "{mode}: {:?} {text}", run.status);
        let v: Vec<f64> = text
            .split_whitespace()
            .map(|w| w.parse().unwrap())
            .collect();
        if mode != "p" {
            assert!(
                (v[0] - v[1]).abs() < 1e-6 * v[1].abs().max(1.0),
                "{mode}: {text}"
            );
        }
    }
}

/// Link the C driver test-ir/c/`main_c` with `objects` ([`compile_and_link`]),
/// run it, and return its output; the driver must exit 0.
fn run_with_driver(dir: &Path, main_c: &str, objects: &[&Path]) -> String {
    let exe = compile_and_link(dir, objects, main_c, main_c.trim_end_matches(".c"));
    let run = Command::new(&exe).output().unwrap();
    let out = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{out}");
    out
}

/// Forward over reverse, the notes' Hessian-vector products: adc's gradient
/// (whose tape grows from the stack chunk into heap blocks, and is cached
/// between calls) differentiated again in forward mode, against central
/// differences of the gradient; the header's struct return is C's. Reverse
/// over reverse (reverse_over_reverse_main.c) too, and a third reverse
/// derivative builds (its values: test-ir/enzyme/nested.c).
#[test]
fn forward_over_reverse_gives_hessian_vector_products() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "second_order.c", "");
    let grad = dir.path().join("grad.bc");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "chain",
        "-f",
        "series",
        "-o",
        grad.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let obj = dir.path().join("hvp.o");
    let header = dir.path().join("hvp.h");
    let o = adc(&[
        "grad",
        grad.to_str().unwrap(),
        "-f",
        "chain_grad",
        "-f",
        "series_grad",
        "--mode",
        "forward",
        "--header",
        header.to_str().unwrap(),
        "-o",
        obj.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let h = std::fs::read_to_string(&header).unwrap();
    assert!(
        h.contains("typedef struct { double f0; double f1; } series_grad_fwd_ret;"),
        "{h}"
    );
    assert!(h.contains("series_grad_fwd_ret series_grad_fwd("), "{h}");
    let out = run_with_driver(dir.path(), "second_order_main.c", &[&obj]);
    assert!(out.contains("8894 checks, 0 failed"), "{out}");
    // One step: --mode hvp generates FN_grad, FN_grad_fwd and FN_hvp.
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "chain",
        "-f",
        "series",
        "--mode",
        "hvp",
        "--header",
        header.to_str().unwrap(),
        "-o",
        obj.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let h = std::fs::read_to_string(&header).unwrap();
    assert!(
        h.contains("void chain_hvp(void * a0, void * a1, void * a2, void * a3, int32_t a4);"),
        "{h}"
    );
    assert!(
        h.contains(
            "series_hvp_ret series_hvp(double a0, double a1, double a2, double a3, int32_t a4);"
        ),
        "{h}"
    );
    let out = run_with_driver(dir.path(), "second_order_main.c", &[&obj]);
    assert!(out.contains("17788 checks, 0 failed"), "{out}");
    // Reverse over reverse: H.v in the inputs' adjoints, g.v in the seed's.
    let rr = dir.path().join("rr.o");
    let o = adc(&[
        "grad",
        grad.to_str().unwrap(),
        "-f",
        "chain_grad",
        "-f",
        "series_grad",
        "--header",
        header.to_str().unwrap(),
        "-o",
        rr.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let h = std::fs::read_to_string(&header).unwrap();
    assert!(
        h.contains("typedef struct { double f0; double f1; } series_grad_grad_seed;")
            && h.contains("series_grad_grad_seed d_ret);"),
        "{h}"
    );
    let out = run_with_driver(dir.path(), "reverse_over_reverse_main.c", &[&rr]);
    assert!(out.contains("17802 checks, 0 failed"), "{out}");
    // A third reverse derivative: the tape blocks of the second get shadow
    // blocks of their own.
    let rr_bc = dir.path().join("rr.bc");
    let o = adc(&[
        "grad",
        grad.to_str().unwrap(),
        "-f",
        "chain_grad",
        "-o",
        rr_bc.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = adc(&[
        "grad",
        rr_bc.to_str().unwrap(),
        "-f",
        "chain_grad_grad",
        "-o",
        dir.path().join("rrr.o").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("rrr.o").exists());
}

/// A function that ends by storing its result through a pointer and
/// freeing its work array: its gradient repeats the loads of the input in
/// the reverse sweep (the reverse sweep first puts back what the store
/// overwrote, and the free waits), and is right even when the output
/// points into the input; against central differences.
#[test]
fn final_stores_through_aliasing_outputs_are_undone_for_the_reverse_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "final_store.c", "");
    let obj = dir.path().join("fs.o");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "sum_sq_into",
        "-f",
        "smooth_into",
        "--stats",
        "-o",
        obj.to_str().unwrap(),
    ]);
    let e = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(o.status.success(), "{e}");
    // No load is taped: the reverse sweep repeats them.
    assert!(e.contains("tape of `smooth_into`"), "{e}");
    assert!(!e.contains("= load"), "{e}");
    let out = run_with_driver(dir.path(), "final_store_main.c", &[&obj]);
    assert!(out.contains("738 checks, 0 failed"), "{out}");
}

/// ADBench's GMM objective with heap work arrays: reverse mode copies the
/// array `xc`, which two loops read, to the tape once per (point,
/// component) instead of taping each read (`--stats` says so), and the
/// gradient, the forward
/// derivative and the Hessian-vector products (forward over reverse) agree
/// with central differences of the function and of the gradient, and the
/// gradient with the hand-written one of the benchmark, with the vectorized
/// loops and their remainders.
#[test]
fn gmm_work_arrays_are_snapshotted_once_per_iteration() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "gmm_heap.c", "");
    let fwd = grad_to(
        dir.path(),
        &bc,
        &["gmm_heap"],
        "fwd.bc",
        &["--mode", "forward"],
    );
    let obj = dir.path().join("all.o");
    let o = adc(&[
        "grad",
        fwd.to_str().unwrap(),
        "-f",
        "gmm_heap",
        "--mode",
        "hvp",
        "--stats",
        "-o",
        obj.to_str().unwrap(),
    ]);
    let e = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(o.status.success(), "{e}");
    // (Qxc is read in one pass, a vector loop and its remainder: taped.)
    assert_eq!(
        e.matches("snapshot of the `malloc` block").count(),
        1,
        "{e}"
    );
    let manual = root().join("benches/kernels/gmm_manual.c");
    let out = run_with_driver(dir.path(), "gmm_heap_main.c", &[&obj, &manual]);
    assert!(out.contains("2610 checks, 0 failed"), "{out}");
}

/// ADBench's LSTM objective (two layers updating their state in place, a
/// log-softmax loss per character): adc's gradient and forward derivative
/// against central differences, and the gradient against the hand-written
/// one the benchmark measures, with small sizes and the benchmark's b = 14.
#[test]
fn lstm_gradient_matches_differences_and_the_hand_written_one() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "lstm.c", "");
    let act = ["--activity", "const,const,const,dup,dup,const,const,dup"];
    let fwd = grad_to(
        dir.path(),
        &bc,
        &["lstm_objective"],
        "fwd.bc",
        &[&["--mode", "forward"][..], &act[..]].concat(),
    );
    let obj = grad_to(dir.path(), &fwd, &["lstm_objective"], "both.o", &act);
    let manual = root().join("benches/kernels/lstm_manual.c");
    let out = run_with_driver(dir.path(), "lstm_main.c", &[&obj, &manual]);
    assert!(out.contains("724 checks, 0 failed"), "{out}");
}

/// C++: an exception caught inside the differentiated function, which then
/// goes on, is refused in both modes, naming the call (its derivative
/// stopped the program through std::terminate when the callee threw); a
/// handler that rethrows is differentiated.
#[test]
fn caught_exception_is_refused_and_a_rethrow_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let clangxx = common::clang().with_file_name("clang++");
    let bc = dir.path().join("caught.bc");
    let o = Command::new(&clangxx)
        .args(["-O2", "-g", "-c", "-emit-llvm"])
        .arg(root().join("test-ir/cpp/caught.cpp"))
        .arg("-o")
        .arg(&bc)
        .output()
        .unwrap();
    assert!(o.status.success(), "clang++: {}", stderr(&o));
    for mode in ["reverse", "forward"] {
        let e = refused(dir.path(), &bc, "caught", mode);
        assert!(e.contains("is caught inside the function"), "{mode}: {e}");
        assert!(e.contains("caught.cpp:14:"), "{mode}: {e}");
        let out = dir.path().join(format!("rethrown-{mode}.o"));
        let o = adc(&[
            "grad",
            bc.to_str().unwrap(),
            "-f",
            "rethrown",
            "--mode",
            mode,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "rethrown {mode}: {}", stderr(&o));
    }
}

/// C++: a std::vector grown by push_back (operator new and delete, invokes
/// around the reallocation), compiled by clang++, differentiated in both
/// modes, linked against libc++ by clang++, checked against finite
/// differences.
#[test]
fn cpp_vector_push_back_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let clangxx = common::clang().with_file_name("clang++");
    let bc = dir.path().join("vector.bc");
    let src = root().join("test-ir/cpp/vector.cpp");
    let o = Command::new(&clangxx)
        .args(["-O2", "-g", "-c", "-emit-llvm"])
        .arg(&src)
        .arg("-o")
        .arg(&bc)
        .output()
        .unwrap();
    assert!(o.status.success(), "clang++: {}", stderr(&o));
    let obj = both_modes_object(dir.path(), &bc, &["vec_push_cpp"]);
    let main_o = dir.path().join("main.o");
    let o = Command::new(common::clang())
        .args(["-O2", "-c"])
        .arg(root().join("test-ir/cpp/vector_main.c"))
        .arg("-o")
        .arg(&main_o)
        .output()
        .unwrap();
    assert!(o.status.success(), "clang: {}", stderr(&o));
    let exe = dir.path().join("vector");
    // libc++ lives in the toolchain: the executable finds it by rpath.
    let libcxx = llvm_prefix().join("lib/x86_64-unknown-linux-gnu");
    let o = Command::new(&clangxx)
        .arg(&main_o)
        .arg(&obj)
        .arg(format!("-Wl,-rpath,{}", libcxx.display()))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(o.status.success(), "clang++ link: {}", stderr(&o));
    let run = Command::new(&exe).output().unwrap();
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{text}");
    assert!(
        text.contains("c++ vector push_back: worst relative error"),
        "{text}"
    );
}

/// The ADBench GMM objective: reverse-mode gradient through an unchanged
/// Enzyme-style call site, against finite differences for every parameter.
#[test]
fn gmm_gradient_through_an_enzyme_call_site() {
    let dir = tempfile::tempdir().unwrap();
    let bc = linked_bitcode(dir.path(), &["gmm.c", "gmm_check.c"]);
    let text = lower_link_run(dir.path(), &bc);
    assert!(text.contains("worst relative error"), "{text}");
}

/// Seventeen kernels (scalars, integers held constant, recursion, sret,
/// arrays, heap, memcpy, in-place stencil, a linked list) through Enzyme
/// call sites in both modes, each against finite differences.
#[test]
fn enzyme_style_suite() {
    let dir = tempfile::tempdir().unwrap();
    let bc = linked_bitcode(dir.path(), &["kernels.c", "memory.c", "enzyme_suite.c"]);
    let text = lower_link_run(dir.path(), &bc);
    assert!(text.contains("ok: 0 disagreement(s)"), "{text}");
}

/// `fns` differentiated in forward mode, then in reverse mode, into one
/// object (`both.o`).
fn both_modes_object(dir: &Path, bc: &Path, fns: &[&str]) -> std::path::PathBuf {
    let fwd = grad_to(dir, bc, fns, "fwd.bc", &["--mode", "forward"]);
    grad_to(dir, &fwd, fns, "both.o", &[])
}

/// Differentiate `fns` in forward then reverse mode into one object, link it
/// with the C `driver` (test-ir/c) and adc-runtime as `adc link-flags` says,
/// run it, and return its output (its exit status says whether its own
/// checks passed).
fn both_modes_linked_with_runtime(dir: &Path, bc: &Path, fns: &[&str], driver: &str) -> String {
    let obj = both_modes_object(dir, bc, fns);
    let flags = adc(&["link-flags"]);
    assert!(flags.status.success(), "{}", stderr(&flags));
    let flags = String::from_utf8(flags.stdout).unwrap();
    let include = root().join("crates/adc-runtime/include");
    let driver = root().join("test-ir/c").join(driver);
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "-I".as_ref(),
        include.as_os_str(),
        driver.as_os_str(),
        obj.as_os_str(),
    ];
    args.extend(flags.split_whitespace().map(std::ffi::OsStr::new));
    cc_and_run(dir, args)
}

/// C that calls adc-runtime (matmul then SVD; eigen, QR, solve and
/// log|det|; complex SVD tall and wide; an einsum chain and trace): adc calls the routines' jvp and
/// aug/vjp rules, the object links against the runtime with `adc
/// link-flags`, and every derivative in both modes matches a finite
/// difference.
#[test]
fn linear_algebra_intrinsics_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let bc = linked_bitcode(dir.path(), &["linalg.c"]);
    let fns = [
        "svd_of_product",
        "spectral_mix",
        "complex_svd_loss",
        "einsum_chain",
    ];
    let text = both_modes_linked_with_runtime(dir.path(), &bc, &fns, "linalg_main.c");
    assert!(text.contains("95 derivatives checked"), "{text}");
}

/// Rust calling adc-runtime through `extern "C"`: compiled by rustc,
/// differentiated in both modes, linked with `adc link-flags`, checked
/// against finite differences by a C driver.
#[test]
fn rust_input_calling_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "linalg.rs", "");
    let f = ["rust_gram_logdet"];
    let text = both_modes_linked_with_runtime(dir.path(), &bc, &f, "rust_linalg_main.c");
    assert!(text.contains("worst relative error"), "{text}");
}

/// The loop of sum sin(x_i) x_(i+1) (unrolled twice by clang) pushes only
/// its two sin values per iteration: the loop counters are pushed once, at
/// the loop's exit, and stepped back in the reverse loop.
#[test]
fn loop_counters_are_not_taped_every_iteration() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "kernels.c", "");
    let out = dir.path().join("k.o");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "sin_dot",
        "--stats",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    // Blocks as (bytes, pushed values).
    let mut blocks: Vec<(u64, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("block ") {
            let bytes = rest
                .split_whitespace()
                .rev()
                .nth(3)
                .unwrap()
                .parse()
                .unwrap();
            blocks.push((bytes, Vec::new()));
        } else if line.starts_with("      ") {
            blocks.last_mut().unwrap().1.push(line.trim().to_string());
        }
    }
    let body = blocks
        .iter()
        .find(|(_, v)| v.iter().any(|l| l.contains("@sin")))
        .unwrap_or_else(|| panic!("no block pushes sin values:\n{text}"));
    assert_eq!(body.0, 16, "{text}");
    assert!(body.1.iter().all(|l| l.contains("@sin")), "{text}");
}

/// A global that another function also reads cannot get an exact shadow:
/// storing an active value into it is an error naming the store (a global
/// only the function uses gets a shadow: kernel `scratch_global`).
#[test]
fn active_store_into_a_shared_global_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "global_shared.c", "");
    let out = dir.path().join("g.o");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "gwrite",
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = assert_clean_failure(&o, &out);
    assert!(
        err.contains("store double") && err.contains("@acc"),
        "{err}"
    );
    assert!(err.contains("global"), "{err}");
}

/// Rust-ABI functions over `&[f64]`, `&mut [f64]`, `&Vec<f64>`,
/// `&mut Vec<f64>`, a `Vec` collected inside (rustc's mangled allocator
/// shim), a buffer grown by `std::alloc::realloc`, Vecs grown by push (a
/// local one, the caller's, a Vec of Vecs), std's sort of 100 values (it
/// moves f64 as i64: adc moves them as doubles), a struct holding a
/// Vec, Box<[f64]>, extend_from_slice, a `vec![0.0; n]` work array: compiled by rustc, differentiated in
/// both modes into one object, linked into a Rust driver that checks every
/// derivative against finite differences.
#[test]
fn rust_slices_and_vectors_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "slices.rs", "");
    let fns = common::SLICES_FUNCTIONS;
    let obj = both_modes_object(dir.path(), &bc, &fns);
    let exe = rust_driver(dir.path(), "slices_main.rs", &obj);
    // reread_work's Vec is copied once per step (its free at the end is
    // conditional: the gradient frees it at the end if the function did).
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "reread_work",
        "--stats",
        "-o",
        dir.path().join("reread.o").to_str().unwrap(),
    ]);
    let e = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        e.contains("snapshot of the `__rust_alloc_zeroed` block"),
        "{e}"
    );
    // Under memcheck: the shadow buffers move with the vectors' buffers,
    // and the caller's shadow vector must get its own buffer back.
    let run = Command::new("valgrind")
        .args([
            "--error-exitcode=3",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "-q",
        ])
        .arg(&exe)
        .output()
        .expect("valgrind is installed on every machine of this project (scripts/setup checks)");
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{text}\n{}", stderr(&run));
    assert!(text.contains("256 derivatives checked"), "{text}");
}

/// C calling CBLAS (ddot, daxpy, dscal, dnrm2, dcopy; gemv and gemm row-
/// and column-major, transposed; double and float, unit and non-unit
/// strides, in a loop): adc's BLAS rules in both modes, linked with
/// Debian's reference CBLAS, against finite differences.
#[test]
fn cblas_through_its_rules_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "blas_calls.c", "");
    let obj = both_modes_object(
        dir.path(),
        &bc,
        &[
            "blas_chain",
            "blas_chain_f",
            "gemv_chain",
            "gemv_chain_f",
            "gemm_chain",
            "gemm_chain_f",
        ],
    );
    let driver = root().join("test-ir/c/blas_main.c");
    let lm = std::ffi::OsStr::new("-lm");
    let lblas = std::ffi::OsStr::new("-lblas");
    let out = cc_and_run(dir.path(), [driver.as_os_str(), obj.as_os_str(), lblas, lm]);
    assert!(out.contains("190 derivatives checked, 0 wrong"), "{out}");
}

/// Rules registered from Rust (test-ir/rust/rules.rs: Enzyme's tables as
/// `#[no_mangle]` statics): a forward and a vjp rule for a function whose
/// body adc cannot differentiate, and a stop-gradient, in both modes.
#[test]
fn rust_registered_rules_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "rules.rs", "");
    let obj = both_modes_object(dir.path(), &bc, &["model"]);
    let exe = rust_driver(dir.path(), "rules_main.rs", &obj);
    let run = Command::new(&exe).output().unwrap();
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{text}");
    assert!(text.contains("6 derivatives checked, 0 wrong"), "{text}");
}

/// An error inside a Rust function whose calls go through `invoke` (adc
/// differentiates a copy without the unwind edges) names the function and
/// the source line as rustc recorded them.
#[test]
fn error_in_a_function_with_invokes_names_its_source_line() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "bad_push.rs", "");
    let out = dir.path().join("p.o");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "bad_push",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("in function `bad_push` at"), "{err}");
    assert!(err.contains("bad_push.rs:13:"), "{err}");
    assert!(err.contains("`mystery`"), "{err}");
    assert!(!out.exists());
}

/// A buffer whose pointer a function without a body stores into a local
/// struct: that function would have to make the shadow buffer too, so both
/// modes refuse, name it and say what to do; no output file is written.
#[test]
fn buffer_made_by_an_unseen_function_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "bad_call.c", "");
    for mode in ["reverse", "forward"] {
        let err = refused(dir.path(), &bc, "fill_external", mode);
        assert!(err.contains("`fill_external`"), "{err}");
        assert!(
            err.contains("`make_buffer`") && err.contains("link its bitcode in"),
            "{err}"
        );
        assert!(err.contains("bad_call.c:"), "{err}");
    }
}

/// `__int128` parameters keep their C type in the header (they were
/// declared `int64_t`: another ABI).
#[test]
fn wide_integers_keep_their_c_type_in_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("wide.c");
    std::fs::write(
        &c,
        "double g(double x, __int128 k) { return x * (double)k; }\n",
    )
    .unwrap();
    let bc = dir.path().join("wide.bc");
    let o = Command::new(common::clang())
        .args(["-O2", "-c", "-emit-llvm"])
        .arg(&c)
        .arg("-o")
        .arg(&bc)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let h = dir.path().join("wide.h");
    let out = dir.path().join("wide.o");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "g",
        "--header",
        h.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let header = std::fs::read_to_string(&h).unwrap();
    assert!(
        header.contains("double g_grad(double a0, __int128 a1, double d_ret);"),
        "{header}"
    );
}

/// Vector mode (`--width 4`): FN_fwd4 carries four tangents through loops,
/// a duplicated output, a heap work array (a shadow per lane), a stack
/// array and a callee (its own batched form); every lane equals the scalar
/// FN_fwd bit for bit and a central difference. The header says what the
/// parameters are.
#[test]
fn vector_mode_carries_four_tangents_per_call() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "vector_mode.c", "");
    let fns = ["series", "smooth", "work", "stack_and_call"];
    let mut args = vec!["grad", bc.to_str().unwrap()];
    for f in &fns {
        args.extend(["-f", f]);
    }
    let scalar = dir.path().join("scalar.bc");
    let mut a = args.clone();
    a.extend(["--mode", "forward", "-o", scalar.to_str().unwrap()]);
    let o = adc(&a);
    assert!(o.status.success(), "{}", stderr(&o));
    let obj = dir.path().join("v4.o");
    let header = dir.path().join("v4.h");
    let mut a = args.clone();
    a[1] = scalar.to_str().unwrap();
    a.extend([
        "--mode",
        "forward",
        "--width",
        "4",
        "--header",
        header.to_str().unwrap(),
    ]);
    a.extend(["-o", obj.to_str().unwrap()]);
    let o = adc(&a);
    assert!(o.status.success(), "{}", stderr(&o));
    let h = std::fs::read_to_string(&header).unwrap();
    assert!(
        h.contains("void series_fwd4(void * a0, void * a1, void * a2, void * a3, void * a4, int32_t a5, void * a6);"),
        "{h}"
    );
    let out = run_with_driver(dir.path(), "vector_mode_main.c", &[&obj]);
    assert!(out.contains("1600 checks, 0 failed"), "{out}");
}

/// Reverse vector mode (`--width 4` in reverse mode): four seeds per call
/// through one forward sweep and one tape. softmax's Jacobian four rows at
/// a time against its closed form; a scalar function with a taped loop and
/// a heap work array with four seeds of its result; a callee in split
/// mode; every lane bit for bit the scalar gradient
/// (test-ir/c/reverse_vector_main.c).
#[test]
fn reverse_vector_mode_carries_four_seeds_per_call() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "reverse_vector.c", "");
    let scalar = dir.path().join("scalar.bc");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "softmax",
        "-f",
        "series",
        "-f",
        "with_callee",
        "-o",
        scalar.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let obj = dir.path().join("r4.o");
    let header = dir.path().join("r4.h");
    let o = adc(&[
        "grad",
        scalar.to_str().unwrap(),
        "-f",
        "softmax",
        "-f",
        "series",
        "-f",
        "with_callee",
        "--width",
        "4",
        "--header",
        header.to_str().unwrap(),
        "-o",
        obj.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let h = std::fs::read_to_string(&header).unwrap();
    assert!(
        h.contains("d_ret is 4 seeds, a last pointer d_out receives the 4 results")
            && h.contains("void series_grad4("),
        "{h}"
    );
    let out = run_with_driver(dir.path(), "reverse_vector_main.c", &[&obj]);
    assert!(out.contains("81975 checks, 0 failed"), "{out}");
}

/// A dense Hessian in one call: vector mode (width 4) over the gradient of
/// Rosenbrock's function of four scalars (returned through a hidden
/// pointer, whose four shadows receive the Hessian's columns), against the
/// closed form; and in chunks of four columns for a gradient that keeps a
/// tape (test-ir/c/dense_hessian_taped_main.c).
#[test]
fn vector_mode_over_a_gradient_gives_a_dense_hessian() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "second_order.c", "");
    let grad = dir.path().join("grad.bc");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "rosenbrock4",
        "-f",
        "chain",
        "-o",
        grad.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let obj = dir.path().join("h.o");
    let o = adc(&[
        "grad",
        grad.to_str().unwrap(),
        "-f",
        "rosenbrock4_grad",
        "--mode",
        "forward",
        "--width",
        "4",
        "-o",
        obj.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = run_with_driver(dir.path(), "dense_hessian_main.c", &[&obj]);
    assert!(out.contains("170 checks, 0 failed"), "{out}");
    // A gradient that keeps a tape (Rosenbrock of an array): its Hessian
    // in chunks of four columns, each lane with shadow tape blocks of its
    // own, bit for bit the width-1 forward over reverse.
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "rosenbrock",
        "-o",
        grad.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fwd = dir.path().join("fwd.bc");
    let o = adc(&[
        "grad",
        grad.to_str().unwrap(),
        "-f",
        "rosenbrock_grad",
        "--mode",
        "forward",
        "-o",
        fwd.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let taped = dir.path().join("taped.o");
    let o = adc(&[
        "grad",
        fwd.to_str().unwrap(),
        "-f",
        "rosenbrock_grad",
        "--mode",
        "forward",
        "--width",
        "4",
        "-o",
        taped.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = run_with_driver(dir.path(), "dense_hessian_taped_main.c", &[&taped]);
    assert!(out.contains("33546 checks, 0 failed"), "{out}");
}

/// A split-mode callee whose stack buffer is reached through a pointer
/// kept in another stack object (test-ir/c/stack_view.c): its shadow lives
/// on the heap until the reverse is done with it. With `--no-opt` nothing
/// is inlined, so the callee's frame is really gone when its reverse runs
/// (before, that reverse wrote into the dead frame and the gradient was
/// wrong). Both modes against a fourth-order central difference.
#[test]
fn stack_objects_reached_through_memory_outlive_split_callees() {
    let bc = bitcode("c", "stack_view.c", "");
    for no_opt in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let grad = dir.path().join("grad.bc");
        let obj = dir.path().join("both.o");
        let mut args = vec![
            "grad".to_string(),
            bc.to_str().unwrap().to_string(),
            "-f".into(),
            "outer".into(),
            "-o".into(),
            grad.to_str().unwrap().to_string(),
        ];
        if no_opt {
            args.push("--no-opt".into());
        }
        let o = adc(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", stderr(&o));
        args[1] = grad.to_str().unwrap().to_string();
        args[5] = obj.to_str().unwrap().to_string();
        args.extend(["--mode".into(), "forward".into()]);
        let o = adc(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", stderr(&o));
        let out = run_with_driver(dir.path(), "stack_view_main.c", &[&obj]);
        assert!(
            out.contains("75 checks, 0 failed"),
            "no_opt {no_opt}: {out}"
        );
    }
}

/// Second derivatives from Rust (test-ir/rust/hessian.rs): Rosenbrock of a
/// slice, whose gradient keeps a tape; `--mode hvp` gives H.v, vector mode
/// over the gradient four Hessian columns per call, against the closed
/// form and each other bit for bit, n = 2 to 100.
#[test]
fn rust_rosenbrock_hessian_by_hvp_and_vector_mode() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "hessian.rs", "");
    let hvp = dir.path().join("hvp.bc");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "rosenbrock",
        "--mode",
        "hvp",
        "-o",
        hvp.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let obj = dir.path().join("hessian.o");
    let o = adc(&[
        "grad",
        hvp.to_str().unwrap(),
        "-f",
        "rosenbrock_grad",
        "--mode",
        "forward",
        "--width",
        "4",
        "-o",
        obj.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let exe = rust_driver(dir.path(), "hessian_main.rs", &obj);
    let run = Command::new(&exe).output().unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{out}");
    assert!(out.contains("44728 checks, 0 failed"), "{out}");
}

/// `--mode jacobian` on C (test-ir/c/jacobian.c, clang -O2 and -O0): the
/// dense Jacobian of an output array against an input array by forward
/// chunks (width 3), reverse rows (width 1) and the automatic choice
/// (width 4 by default; forward when n <= m), against the closed form and
/// central differences for shapes on both sides of n = m, y's final
/// contents bit for bit the function's; two written arrays are refused
/// with the parameters named.
#[test]
fn jacobian_mode_by_forward_chunks_or_reverse_rows() {
    let dir = tempfile::tempdir().unwrap();
    for flags in ["", "-O0"] {
        let bc = bitcode("c", "jacobian.c", flags);
        let (a, b) = (dir.path().join("a.bc"), dir.path().join("b.bc"));
        let obj = dir.path().join("jac.o");
        let header = dir.path().join("jac.h");
        let steps: [(&str, &Path, &Path, &[&str]); 3] = [
            (
                "model_cols",
                &bc,
                &a,
                &["--jacobian-by", "forward", "--width", "3"],
            ),
            (
                "model_rows",
                &a,
                &b,
                &["--jacobian-by", "reverse", "--width", "1"],
            ),
            ("model", &b, &obj, &["--header", header.to_str().unwrap()]),
        ];
        for (f, input, output, extra) in steps {
            let mut args = vec![
                "grad",
                input.to_str().unwrap(),
                "-f",
                f,
                "--mode",
                "jacobian",
                "-o",
                output.to_str().unwrap(),
            ];
            args.extend_from_slice(extra);
            let o = adc(&args);
            assert!(o.status.success(), "{f} {flags}: {}", stderr(&o));
        }
        let h = std::fs::read_to_string(&header).unwrap();
        assert!(
            h.contains("d a1[i] / d a0[j]")
                && h.contains("forward mode, 4 columns per call, when n_in <= n_out")
                && h.contains("void model_jac(void * a0, void * a1, int32_t a2, int32_t a3, void * a4, int64_t a5, int64_t a6);")
                && h.contains("void model_fwd4(")
                && h.contains("void model_grad4("),
            "{h}"
        );
        let out = run_with_driver(dir.path(), "jacobian_main.c", &[&obj]);
        assert!(out.contains("70488 checks, 0 failed"), "{flags}: {out}");
        let o = adc(&[
            "grad",
            bc.to_str().unwrap(),
            "-f",
            "two_outputs",
            "--mode",
            "jacobian",
            "-o",
            dir.path().join("t.o").to_str().unwrap(),
        ]);
        let e = stderr(&o);
        assert!(
            !o.status.success()
                && e.contains("only read are parameters 1, those it writes 2, 3")
                && e.contains("mark every other parameter `const` with --activity"),
            "{e}"
        );
        assert!(!dir.path().join("t.o").exists());
    }
}

/// A dense Hessian as the Jacobian of a gradient that keeps a tape
/// (Rosenbrock of an array, n = 2 to 100): `--mode jacobian` of
/// rosenbrock_grad with its seed const, against the closed form
/// (test-ir/c/hessian_jacobian_main.c), the gradient beside it.
#[test]
fn jacobian_of_a_gradient_is_the_hessian() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "second_order.c", "");
    let grad = dir.path().join("grad.bc");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "rosenbrock",
        "-o",
        grad.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let obj = dir.path().join("hess.o");
    let o = adc(&[
        "grad",
        grad.to_str().unwrap(),
        "-f",
        "rosenbrock_grad",
        "--mode",
        "jacobian",
        "--activity",
        "dup,dup,const,const",
        "-o",
        obj.to_str().unwrap(),
    ]);
    // (Reverse vector mode over a gradient's tape moves is refused: the
    // automatic choice says so and uses forward mode.)
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Jacobian by forward mode only; reverse vector mode:"),
        "{}",
        stderr(&o)
    );
    let out = run_with_driver(dir.path(), "hessian_jacobian_main.c", &[&obj]);
    assert!(out.contains("11342 checks, 0 failed"), "{out}");
}

/// `--mode jacobian` on Rust slices (test-ir/rust/jacobian.rs): a layer
/// y = tanh(W x) written through `iter_mut`, whose reverse vector mode
/// recomputes the output iterator's lane shadows from the primal pointer
/// instead of taping one shadow for all lanes; automatic (width 3) and
/// reverse-only Jacobians against the closed form and central differences.
#[test]
fn rust_jacobian_of_a_layer() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("rust", "jacobian.rs", "");
    let rows = dir.path().join("rows.bc");
    let o = adc(&[
        "grad",
        bc.to_str().unwrap(),
        "-f",
        "layer_rows",
        "--mode",
        "jacobian",
        "--jacobian-by",
        "reverse",
        "-o",
        rows.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let obj = dir.path().join("jacobian.o");
    let o = adc(&[
        "grad",
        rows.to_str().unwrap(),
        "-f",
        "layer",
        "--mode",
        "jacobian",
        "--width",
        "3",
        "-o",
        obj.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let exe = rust_driver(dir.path(), "jacobian_main.rs", &obj);
    let run = Command::new(&exe).output().unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{out}");
    assert!(out.contains("1578 checks, 0 failed"), "{out}");
}

/// Bundle adjustment (test-ir/c/ba.c, ADBench's objective): one
/// observation's 2 x 15 Jacobian of the reprojection error by `--mode
/// jacobian` (reverse rows, width 2, and forward columns), with the
/// feature marked const, against central differences and each other, at
/// rotations of several sizes and none (test-ir/c/ba_main.c).
#[test]
fn bundle_adjustment_jacobian_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let bc = bitcode("c", "ba.c", "");
    let cols = dir.path().join("cols.bc");
    let obj = dir.path().join("ba.o");
    let steps: [(&str, &Path, &Path, &[&str]); 2] = [
        ("ba_reproj_rows", &bc, &cols, &["--jacobian-by", "forward"]),
        ("ba_reproj", &cols, &obj, &["--width", "2"]),
    ];
    for (f, input, output, extra) in steps {
        let mut args = vec![
            "grad",
            input.to_str().unwrap(),
            "-f",
            f,
            "--mode",
            "jacobian",
            "--activity",
            "dup,const,dup",
            "-o",
            output.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = adc(&args);
        assert!(o.status.success(), "{f}: {}", stderr(&o));
    }
    let out = run_with_driver(dir.path(), "ba_main.c", &[&obj]);
    assert!(out.contains("732 checks, 0 failed"), "{out}");
}

/// An FFT in place (test-ir/c/fft.c, clang -O2 and -O0): the round trip's
/// gradient and tangent are the seed (its Jacobian is the identity), and a
/// weighted power spectrum's gradient and tangents equal the closed form
/// from a direct transform and central differences, n = 1 to 1024
/// (test-ir/c/fft_main.c).
#[test]
fn fft_in_place_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    for flags in ["", "-O0"] {
        let bc = bitcode("c", "fft.c", flags);
        let grad = dir.path().join("grad.bc");
        let obj = dir.path().join("fft.o");
        for (mode, input, output) in [("reverse", &bc, &grad), ("forward", &grad, &obj)] {
            let o = adc(&[
                "grad",
                input.to_str().unwrap(),
                "-f",
                "fft_roundtrip",
                "-f",
                "fft_power",
                "--mode",
                mode,
                "-o",
                output.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{mode} {flags}: {}", stderr(&o));
        }
        let out = run_with_driver(dir.path(), "fft_main.c", &[&obj]);
        assert!(out.contains("14507 checks, 0 failed"), "{flags}: {out}");
    }
}

/// An ODE integrated by RK4 (test-ir/c/ode.c, the 2-D Brusselator): its
/// right-hand side is a callee in split mode, four calls per step, whose
/// loop-invariant values are kept once per loop execution; the gradient in
/// the parameters and the initial state and the forward derivative against
/// central differences, clang -O2 and -O0 input, with and without adc's
/// cleanup (test-ir/c/ode_main.c).
#[test]
fn ode_runge_kutta_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    for (flags, cleanup) in [("", true), ("-O0", true), ("", false)] {
        let bc = bitcode("c", "ode.c", flags);
        let grad = dir.path().join("grad.bc");
        let obj = dir.path().join("ode.o");
        for (mode, input, output) in [("reverse", &bc, &grad), ("forward", &grad, &obj)] {
            let mut args = vec![
                "grad",
                input.to_str().unwrap(),
                "-f",
                "brusselator_rk4",
                "--activity",
                "const,const,const,const,dup,dup,const",
                "--mode",
                mode,
                "-o",
                output.to_str().unwrap(),
            ];
            if !cleanup {
                args.push("--no-opt");
            }
            let o = adc(&args);
            assert!(o.status.success(), "{mode} {flags}: {}", stderr(&o));
        }
        let out = run_with_driver(dir.path(), "ode_main.c", &[&obj]);
        assert!(
            out.contains("39 checks, 0 failed"),
            "{flags} {cleanup}: {out}"
        );
    }
}
