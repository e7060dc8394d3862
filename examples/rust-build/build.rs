//! The gradient of src/model.rs's `loss` in the parameters (the data are
//! constants), by adc: `loss_grad` in `$OUT_DIR/model.rs`.
fn main() {
    let built = adc_build::Build::new("src/model.rs")
        .reverse("loss", Some("dup,const,const"))
        .forward("loss", Some("dup,const,const"))
        .compile("model");
    if let Err(e) = built {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
