//! CBLAS routines as rules (DESIGN: library functions with derivative
//! rules): a module that calls `cblas_ddot`, `cblas_daxpy`, `cblas_dscal`,
//! `cblas_dnrm2`, `cblas_dcopy`, `cblas_dgemv` or `cblas_dgemm` (and the `s` forms) gets blas_rules.c's forward and
//! reverse rules, whose derivatives are BLAS calls, registered on them as
//! a user's rules would be ([`super::custom`]); the program links CBLAS as
//! it does for the primal.

use crate::error::{AdcError, Result};
use crate::ir::{get_function, Function};
use llvm_sys::prelude::LLVMModuleRef;

const RULES_IR: &str = include_str!(concat!(env!("OUT_DIR"), "/blas_rules.ll"));

/// The routines with rules (`cblas_` + name; rules `adc_rule_` + name + form).
const ROUTINES: &[&str] = &[
    "ddot", "daxpy", "dscal", "dnrm2", "dcopy", "dgemv", "dgemm", "sdot", "saxpy", "sscal",
    "snrm2", "scopy", "sgemv", "sgemm",
];

const PREFIX: &str = "adc_rule_";
/// On a routine whose rules are these (not the user's).
const MARK: &str = "adc.rule.blas";

/// Link the rules of the CBLAS routines `m` calls and register them; a
/// routine the user gave rules of their own keeps those. Returns the
/// routines registered.
pub fn register(m: LLVMModuleRef) -> Result<Vec<Function>> {
    let called: Vec<(&str, Function)> = ROUTINES
        .iter()
        .filter_map(|r| get_function(m, &format!("cblas_{r}")).map(|f| (*r, f)))
        .filter(|(_, f)| !super::custom::has_user_rule(*f))
        .collect();
    if called.is_empty() {
        return Ok(Vec::new());
    }
    crate::ir::module_io::link_ir(m, RULES_IR, "BLAS rules")?;
    let mut out = Vec::new();
    for (r, f) in called {
        let form = |s: &str| get_function(m, &format!("{PREFIX}{r}_{s}"));
        let (Some(fwd), Some(aug), Some(rev)) = (form("fwd"), form("aug"), form("rev")) else {
            return Err(AdcError::Llvm(format!(
                "the rules of cblas_{r} are missing"
            )));
        };
        // A routine of another type (not CBLAS's) keeps no rule.
        if super::custom::register_rules(f, Some(fwd), Some((aug, rev))).is_ok() {
            f.set_string_attr(MARK, "");
            out.push(f);
        }
    }
    Ok(out)
}

/// After differentiation: the rules become internal, so that unused ones
/// go and two adc outputs link together. (External until then, so that
/// adc's own optimization of -O0 input keeps them.)
/// The routines forget them (another adc run on the output links its own),
/// and the linked copies are renamed out of the way of that run's.
pub fn internalize(m: LLVMModuleRef) {
    for f in crate::ir::functions(m) {
        let name = f.name();
        if f.string_attr(MARK).is_some() {
            super::custom::unregister(f);
            f.remove_string_attr(MARK);
        }
        if name.starts_with(PREFIX) && !f.is_declaration() {
            f.set_internal();
            if !name.ends_with(".linked") {
                f.0.set_name(&format!("{name}.linked"));
            }
        }
    }
}
