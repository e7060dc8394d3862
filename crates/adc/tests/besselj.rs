//! poor_besselj, the reference function: forward and reverse derivatives
//! from C and from Rust against the published value and the manual formula
//! dJ_nu/dz = (J_{nu-1} - J_{nu+1}) / 2 (with J_{-1} = -J_1).

mod common;

use adc_core::inkwell::context::Context;
use adc_core::ir::module_io;
use common::bitcode;

type Primal = unsafe extern "C" fn(i32, f64) -> f64;
type Tangent = unsafe extern "C" fn(i32, f64, f64) -> f64;

fn check(lang: &str, file: &str, mode: adc_core::Mode) {
    let ctx = Context::create();
    let module = module_io::load(&ctx, &bitcode(lang, file, "")).unwrap();
    let opts = adc_core::Options {
        targets: vec![adc_core::Target {
            name: "poor_besselj".into(),
            activity: None,
        }],
        mode,
        optimize: true,
        width: 1,
        type_hint: None,
        checkpoints: Vec::new(),
        tape_limit: None,
    };
    let out = adc_core::differentiate(&module, &opts).unwrap();
    let (name, proto, want) = match mode {
        adc_core::Mode::Forward => (
            "poor_besselj_fwd",
            "double poor_besselj_fwd(int32_t a0, double a1, double a2);",
            0.11985236384014333,
        ),
        adc_core::Mode::Reverse => (
            "poor_besselj_grad",
            "double poor_besselj_grad(int32_t a0, double a1, double d_ret);",
            0.11985236384014332,
        ),
    };
    assert_eq!(out.generated[0].c_prototype, proto);
    let jit = adc_core::jit::Jit::new(&module).unwrap();
    let j: Primal = unsafe { std::mem::transmute(jit.address("poor_besselj").unwrap()) };
    // Both derivatives have the shape (nu, z, seed) -> f64.
    let dj: Tangent = unsafe { std::mem::transmute(jit.address(name).unwrap()) };

    let d = unsafe { dj(2, 0.5, 1.0) };
    assert!(
        ((d - want) / want).abs() <= 1e-14,
        "{lang}: {d:.17} vs {want:.17}"
    );

    let jn = |nu: i32, z: f64| unsafe {
        if nu < 0 {
            -j(-nu, z)
        } else {
            j(nu, z)
        }
    };
    let mut worst = 0.0f64;
    for nu in 0..=5 {
        for i in 0..=1000 {
            let z = i as f64 * 0.01;
            let ad = unsafe { dj(nu, z, 1.0) };
            let manual = 0.5 * (jn(nu - 1, z) - jn(nu + 1, z));
            let err = (ad - manual).abs();
            worst = worst.max(err);
            assert!(
                err <= 1e-12,
                "{lang}: nu={nu} z={z}: AD {ad:e} manual {manual:e}"
            );
            // The tangent is linear in the seed.
            let scaled = unsafe { dj(nu, z, -2.5) };
            assert!(
                (scaled + 2.5 * ad).abs() <= 1e-12 * ad.abs().max(1.0),
                "{lang}: nu={nu} z={z}: {scaled:e} vs {ad:e}"
            );
        }
    }
    eprintln!("{lang}: worst |AD - manual| over nu=0..5, z=0:0.01:10 is {worst:.2e}");
}

#[test]
fn besselj_forward_from_c() {
    check("c", "besselj.c", adc_core::Mode::Forward);
}

#[test]
fn besselj_forward_from_rust() {
    check("rust", "besselj.rs", adc_core::Mode::Forward);
}

#[test]
fn besselj_reverse_from_c() {
    check("c", "besselj.c", adc_core::Mode::Reverse);
}

#[test]
fn besselj_reverse_from_rust() {
    check("rust", "besselj.rs", adc_core::Mode::Reverse);
}

/// adc-fd's stencils converge on poor_besselj at their theoretical order:
/// halving the step divides the error by ~2^(p-1) (the exact derivative
/// from adc's forward mode is the reference).
#[test]
fn finite_differences_converge_at_their_order_on_besselj() {
    let ctx = Context::create();
    let module = module_io::load(&ctx, &bitcode("c", "besselj.c", "")).unwrap();
    let opts = adc_core::Options {
        targets: vec![adc_core::Target {
            name: "poor_besselj".into(),
            activity: None,
        }],
        mode: adc_core::Mode::Forward,
        optimize: true,
        width: 1,
        type_hint: None,
        checkpoints: Vec::new(),
        tape_limit: None,
    };
    adc_core::differentiate(&module, &opts).unwrap();
    let jit = adc_core::jit::Jit::new(&module).unwrap();
    let j: Primal = unsafe { std::mem::transmute(jit.address("poor_besselj").unwrap()) };
    let dj: Tangent = unsafe { std::mem::transmute(jit.address("poor_besselj_fwd").unwrap()) };
    let z = 1.3;
    let exact = unsafe { dj(2, z, 1.0) };
    for p in [3usize, 5, 7] {
        let st = adc_fd::Stencil::central(p, 1).unwrap();
        let err = |h: f64| (st.apply_with_step(&mut |t| unsafe { j(2, t) }, z, h) - exact).abs();
        let order = (err(0.2) / err(0.1)).log2();
        assert!(
            (order - (p - 1) as f64).abs() < 0.3,
            "p={p}: observed order {order:.2}"
        );
    }
}
