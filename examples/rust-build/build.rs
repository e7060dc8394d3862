//! The gradient of src/model.rs's `loss` in the parameters (the data are
//! constants), by adc: `loss_grad` in `$OUT_DIR/model.rs`; and of a C
//! function, csrc/penalty.c's `penalty`: `raw::penalty_grad` in
//! `$OUT_DIR/penalty.rs`.
fn main() {
    let built = adc_build::Build::new("src/model.rs")
        .reverse("loss", Some("dup,const,const"))
        .forward("loss", Some("dup,const,const"))
        .compile("model")
        .and_then(|()| {
            adc_build::Build::new("csrc/penalty.c")
                .reverse("penalty", None)
                .compile("penalty")
        });
    if let Err(e) = built {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
