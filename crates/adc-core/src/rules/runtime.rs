//! adc-runtime routines as intrinsics (DESIGN: "Linear algebra lives in
//! adc-runtime"). A call to one of these primals is not differentiated into:
//! forward mode replaces it with `NAME_jvp`, reverse mode calls `NAME_aug`
//! in the forward sweep (keeping the tape pointer it returns) and `NAME_vjp`
//! in the reverse sweep. The derived forms take the primal's arguments with
//! every pointer followed by its shadow (null when the pointer is inactive);
//! `_aug` returns the routine's tape, `_vjp` takes it last and frees it. The
//! routines and the rules behind them are in crates/adc-runtime.

use crate::ir::{get_or_declare, Function, Type};

/// A runtime routine: its primal's name, and which pointer parameters do
/// not hold float data (einsum's subscript string and shape arrays); those
/// get null shadows and never make a parameter duplicated by default.
pub struct RuntimeRoutine {
    pub name: &'static str,
    pub non_float_params: &'static [usize],
}

const fn routine(name: &'static str) -> RuntimeRoutine {
    RuntimeRoutine {
        name,
        non_float_params: &[],
    }
}

/// The runtime's primal routines (include/adc.h documents their arguments).
pub static RUNTIME_ROUTINES: &[RuntimeRoutine] = &[
    routine("adc_matmul_f64"),
    routine("adc_matmul_c64"),
    routine("adc_eigh_f64"),
    routine("adc_eigh_c64"),
    routine("adc_svd_f64"),
    routine("adc_svd_c64"),
    routine("adc_qr_f64"),
    routine("adc_qr_c64"),
    routine("adc_solve_f64"),
    routine("adc_solve_c64"),
    routine("adc_logdet_f64"),
    routine("adc_logdet_c64"),
    RuntimeRoutine {
        name: "adc_einsum_f64",
        non_float_params: &[0, 2, 4, 6],
    },
    RuntimeRoutine {
        name: "adc_einsum_c64",
        non_float_params: &[0, 2, 4, 6],
    },
];

pub fn lookup_runtime(name: &str) -> Option<&'static RuntimeRoutine> {
    RUNTIME_ROUTINES.iter().find(|r| r.name == name)
}

pub fn is_runtime_routine(name: &str) -> bool {
    lookup_runtime(name).is_some()
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
