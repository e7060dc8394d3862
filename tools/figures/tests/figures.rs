//! The figures tool draws both PNGs from real compiled code.

use std::path::Path;
use std::process::Command;

#[test]
fn draws_both_figures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let prefix = std::env::var("ADC_LLVM_PREFIX")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join(".toolchain/llvm"));
    let dir = tempfile::tempdir().unwrap();
    let bc = dir.path().join("b.bc");
    let st = Command::new(prefix.join("bin/clang-23"))
        .args(["-O2", "-c", "-emit-llvm"])
        .arg(root.join("test-ir/c/besselj.c"))
        .arg("-o")
        .arg(&bc)
        .status()
        .unwrap();
    assert!(st.success());
    let o = Command::new(env!("CARGO_BIN_EXE_adc-figures"))
        .arg(&bc)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["besselj_family.png", "besselj_derivative.png"] {
        let bytes = std::fs::read(dir.path().join(f)).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
            "{f}: {} bytes",
            bytes.len()
        );
    }
}
