//! adc-runtime routines as intrinsics (DESIGN: "Linear algebra lives in
//! adc-runtime"). A call to one of these primals is not differentiated into:
//! forward mode replaces it with `NAME_jvp`, reverse mode calls `NAME_aug`
//! in the forward sweep (keeping the tape pointer it returns) and `NAME_vjp`
//! in the reverse sweep. The derived forms take the primal's arguments with
//! every pointer followed by its shadow (null when the pointer is inactive);
//! `_aug` returns the routine's tape, `_vjp` takes it last and frees it. The
//! routines and the rules behind them are in crates/adc-runtime.

use crate::ir::{get_or_declare, Function, Type};

/// The runtime's primal routines (include/adc.h documents their arguments).
pub static RUNTIME_ROUTINES: &[&str] = &[
    "adc_matmul_f64",
    "adc_matmul_c64",
    "adc_eigh_f64",
    "adc_eigh_c64",
    "adc_svd_f64",
    "adc_svd_c64",
    "adc_qr_f64",
    "adc_qr_c64",
    "adc_solve_f64",
    "adc_solve_c64",
    "adc_logdet_f64",
    "adc_logdet_c64",
];

pub fn is_runtime_routine(name: &str) -> bool {
    RUNTIME_ROUTINES.contains(&name)
}

/// Which derived form of a routine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeForm {
    Jvp,
    Aug,
    Vjp,
}

/// Declare (or find) the `form` of runtime routine `primal` in its module.
pub fn runtime_form(primal: Function, form: RuntimeForm) -> Function {
    let ctx = primal.fn_type().context();
    let ptr = Type::ptr(ctx);
    let mut params = Vec::new();
    for t in primal.fn_type().params() {
        params.push(t);
        if form != RuntimeForm::Aug && t.is_pointer() {
            params.push(t);
        }
    }
    let (suffix, ret) = match form {
        RuntimeForm::Jvp => ("_jvp", Type::void(ctx)),
        RuntimeForm::Aug => ("_aug", ptr),
        RuntimeForm::Vjp => {
            params.push(ptr);
            ("_vjp", Type::void(ctx))
        }
    };
    get_or_declare(
        primal.module(),
        &format!("{}{suffix}", primal.name()),
        Type::function(ret, &params),
    )
}
