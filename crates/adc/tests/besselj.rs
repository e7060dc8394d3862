//! poor_besselj, the reference function: forward derivative from C and from
//! Rust against the published value and the manual formula
//! dJ_nu/dz = (J_{nu-1} - J_{nu+1}) / 2 (with J_{-1} = -J_1).

mod common;

use adc_core::inkwell::context::Context;
use adc_core::ir::module_io;
use common::bitcode;

type Primal = unsafe extern "C" fn(i32, f64) -> f64;
type Tangent = unsafe extern "C" fn(i32, f64, f64) -> f64;

fn check(lang: &str, file: &str) {
    let ctx = Context::create();
    let module = module_io::load(&ctx, &bitcode(lang, file, "")).unwrap();
    let opts = adc_core::Options {
        targets: vec![adc_core::Target {
            name: "poor_besselj".into(),
            activity: None,
        }],
        mode: adc_core::Mode::Forward,
        optimize: true,
    };
    let generated = adc_core::differentiate(&module, &opts).unwrap();
    assert_eq!(
        generated[0].c_prototype,
        "double poor_besselj_fwd(int32_t a0, double a1, double a2);"
    );
    let jit = adc_core::jit::Jit::new(&module).unwrap();
    let j: Primal = unsafe { std::mem::transmute(jit.address("poor_besselj").unwrap()) };
    let dj: Tangent = unsafe { std::mem::transmute(jit.address("poor_besselj_fwd").unwrap()) };

    let d = unsafe { dj(2, 0.5, 1.0) };
    let want = 0.11985236384014333;
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
    check("c", "besselj.c");
}

#[test]
fn besselj_forward_from_rust() {
    check("rust", "besselj.rs");
}
