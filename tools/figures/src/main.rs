//! `adc-figures BESSELJ.bc OUT_DIR`: differentiates poor_besselj with adc in
//! both modes, runs it in-process and draws
//! - `besselj_family.png`: J_nu(x) for nu = 0..5 on [0, 10];
//! - `besselj_derivative.png`: J_2 and its derivative from forward AD,
//!   reverse AD, the manual formula and finite differences, with a panel of
//!   their differences from the manual formula on a log scale.

use adc_core::inkwell::context::Context;
use adc_core::ir::module_io;
use anyhow::{anyhow, Context as _, Result};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

type Primal = unsafe extern "C" fn(i32, f64) -> f64;
type Derivative = unsafe extern "C" fn(i32, f64, f64) -> f64;

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, bc, out] = args.as_slice() else {
        return Err(anyhow!("usage: adc-figures BESSELJ.bc OUT_DIR"));
    };
    let font =
        std::fs::read(FONT).with_context(|| format!("font {FONT} (Debian: fonts-dejavu-core)"))?;
    plotters::style::register_font(
        "sans-serif",
        FontStyle::Normal,
        Box::leak(font.into_boxed_slice()),
    )
    .map_err(|_| anyhow!("cannot load {FONT}"))?;

    let ctx = Context::create();
    let module = module_io::load(&ctx, Path::new(bc))?;
    for mode in [adc_core::Mode::Forward, adc_core::Mode::Reverse] {
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
        adc_core::differentiate(&module, &opts)?;
    }
    let jit = adc_core::jit::Jit::new(&module)?;
    let j: Primal = unsafe { std::mem::transmute(jit.address("poor_besselj")?) };
    let fwd: Derivative = unsafe { std::mem::transmute(jit.address("poor_besselj_fwd")?) };
    let rev: Derivative = unsafe { std::mem::transmute(jit.address("poor_besselj_grad")?) };
    let jn = |nu: i32, x: f64| unsafe {
        if nu < 0 {
            -j(-nu, x)
        } else {
            j(nu, x)
        }
    };
    let xs: Vec<f64> = (0..=1000).map(|i| i as f64 * 0.01).collect();
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;

    // J_nu for nu = 0..5.
    let family = out.join("besselj_family.png");
    {
        let root = BitMapBackend::new(&family, (900, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut c = ChartBuilder::on(&root)
            .caption(
                "J_ν(x), ν = 0..5 (poor_besselj compiled from C)",
                ("sans-serif", 22),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..10f64, -0.5f64..1.05f64)?;
        c.configure_mesh().x_desc("x").y_desc("J(ν, x)").draw()?;
        for nu in 0..=5 {
            let color = Palette99::pick(nu as usize).stroke_width(2);
            c.draw_series(LineSeries::new(xs.iter().map(|&x| (x, jn(nu, x))), color))?
                .label(format!("J(ν={nu})"))
                .legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 20, y)],
                        Palette99::pick(nu as usize).stroke_width(2),
                    )
                });
        }
        c.configure_series_labels()
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }

    // J_2 and its derivative by four methods, and their differences.
    let nu = 2;
    let st = adc_fd::Stencil::central(5, 1)?;
    let manual: Vec<f64> = xs
        .iter()
        .map(|&x| 0.5 * (jn(nu - 1, x) - jn(nu + 1, x)))
        .collect();
    let forward: Vec<f64> = xs.iter().map(|&x| unsafe { fwd(nu, x, 1.0) }).collect();
    let reverse: Vec<f64> = xs.iter().map(|&x| unsafe { rev(nu, x, 1.0) }).collect();
    let fd: Vec<f64> = xs
        .iter()
        .map(|&x| st.apply(&mut |t| jn(nu, t), x))
        .collect();
    let deriv = out.join("besselj_derivative.png");
    {
        let root = BitMapBackend::new(&deriv, (900, 900)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(520);
        let mut c = ChartBuilder::on(&top)
            .caption("J_2(x) and dJ_2/dx by four methods", ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..10f64, -0.45f64..0.55f64)?;
        c.configure_mesh().x_desc("x").draw()?;
        let series: [(&str, &Vec<f64>, RGBColor, u32); 4] = [
            ("manual (J_1 - J_3)/2", &manual, BLACK, 5),
            ("forward AD", &forward, RED, 3),
            ("reverse AD", &reverse, BLUE, 2),
            ("5-point central difference", &fd, GREEN, 1),
        ];
        let values: Vec<f64> = xs.iter().map(|&x| jn(nu, x)).collect();
        c.draw_series(LineSeries::new(
            xs.iter().copied().zip(values),
            MAGENTA.stroke_width(2),
        ))?
        .label("J_2(x)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MAGENTA.stroke_width(2)));
        for (label, ys, color, w) in series {
            c.draw_series(LineSeries::new(
                xs.iter().copied().zip(ys.iter().copied()),
                color.stroke_width(w),
            ))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(w))
            });
        }
        c.configure_series_labels()
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()?;

        let floor = 1e-18;
        let mut d = ChartBuilder::on(&bottom)
            .caption(
                "|method - manual formula| (log scale; exact agreement drawn at 1e-18)",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..10f64, (floor..1e-6f64).log_scale())?;
        d.configure_mesh()
            .x_desc("x")
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        for (label, ys, color) in [
            ("forward AD", &forward, RED),
            ("reverse AD", &reverse, BLUE),
            ("finite difference", &fd, GREEN),
        ] {
            let pts = xs
                .iter()
                .zip(ys.iter().zip(&manual))
                .map(|(&x, (&y, &m))| (x, (y - m).abs().max(floor)));
            d.draw_series(LineSeries::new(pts, color))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        d.configure_series_labels()
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    println!(
        "figures written: {} and {}",
        family.display(),
        deriv.display()
    );
    Ok(())
}
