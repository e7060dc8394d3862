//! Second derivatives in one step: `FN_hvp`, Hessian-vector products by
//! forward over reverse (the notes' "Obtaining Hessian": the Hessian is the
//! Jacobian of the gradient). The gradient `FN_grad` is differentiated in
//! forward mode into `FN_grad_fwd` (each parameter of `FN_grad` followed
//! by its tangent), and `FN_hvp` calls it with the return's seed 1 and the
//! seed's tangent 0: the tangents of the parameters are the direction v,
//! and the tangents of the gradient's outputs are H·v.

use crate::error::{AdcError, Result};
use crate::ir::{add_function, get_function, Builder, Type};
use crate::{differentiate, signature, Mode, Options, Output, Target};
use inkwell::module::Module;

/// Generate `FN_grad`, `FN_grad_fwd` and `FN_hvp` for each target of
/// `opts` (whose mode is ignored).
pub fn hessian_vector_products(module: &Module, opts: &Options) -> Result<Output> {
    let m = module.as_mut_ptr();
    let ctx = module.get_context().raw();
    for t in &opts.targets {
        let name = format!("{}_hvp", t.name);
        if get_function(m, &name).is_some() {
            return Err(AdcError::Usage(format!(
                "the module already has a function named `{name}`"
            )));
        }
    }
    let reverse = Options {
        mode: Mode::Reverse,
        ..opts.clone()
    };
    let mut out = differentiate(module, &reverse)?;
    let forward = Options {
        targets: opts
            .targets
            .iter()
            .map(|t| Target {
                name: format!("{}_grad", t.name),
                activity: None,
            })
            .collect(),
        mode: Mode::Forward,
        ..opts.clone()
    };
    let second = differentiate(module, &forward)?;
    out.generated.extend(second.generated);
    out.tape_stats.extend(second.tape_stats);
    let b = Builder::new(ctx);
    for t in &opts.targets {
        let f = get_function(m, &t.name).expect("differentiated");
        let gf = get_function(m, &format!("{}_grad_fwd", t.name)).expect("generated");
        // A float result: FN_grad's last parameter is its seed d_ret, and
        // FN_grad_fwd's last two are d_ret and its tangent.
        let seeded = f.return_type().contains_float();
        let params = gf.params();
        let keep = params.len() - if seeded { 2 } else { 0 };
        let types: Vec<Type> = params[..keep].iter().map(|p| p.ty()).collect();
        let name = format!("{}_hvp", t.name);
        let hvp = add_function(m, &name, Type::function(gf.return_type(), &types));
        b.position_at_end(hvp.append_block(ctx, "entry"));
        let mut args = hvp.params();
        if seeded {
            let ty = params[keep].ty();
            args.push(ty.const_float(1.0));
            args.push(ty.const_float(0.0));
        }
        let r = b.call(gf, &args);
        if gf.return_type().is_void() {
            b.ret_void();
        } else {
            b.ret(r);
        }
        out.generated
            .push(signature::forward_declarations(&name, hvp.fn_type()));
    }
    crate::verify(module)?;
    Ok(out)
}
