//! Calls of functions with a reverse rule the user registered (see
//! [`crate::rules::custom`]): the forward sweep calls the rule's augmented
//! primal, keeping the tape it returns; the reverse sweep calls the rule's
//! reverse pass with that tape and adds the adjoints it returns to the
//! arguments'. A vjp rule has no augmented primal: the forward sweep calls
//! the function itself.

use super::{AdjointBuilder, Need};
use crate::error::{AdcError, Result};
use crate::ir::{Type, Value};
use crate::rules::custom::{self, Part, ReverseRule};
use indexmap::IndexMap;

/// The registered reverse rule of the function `inst` calls.
pub(super) fn custom_rule(inst: Value) -> Option<ReverseRule> {
    inst.called_function().and_then(custom::reverse_rule)
}

/// A call of a function with a registered reverse rule.
pub(super) fn is_custom_call(inst: Value) -> bool {
    custom_rule(inst).is_some()
}

/// The type of the tape a custom call keeps, if it keeps one.
pub(super) fn custom_tape_type(inst: Value) -> Option<Type> {
    custom_rule(inst).and_then(|r| r.tape.map(|(_, t)| t))
}

fn part(b: &crate::ir::Builder, r: Value, p: Part) -> Value {
    match p {
        Part::Whole => r,
        Part::Field(i) => b.extract_value(r, i),
    }
}

impl AdjointBuilder<'_> {
    /// What a rule's call is given: each pointer followed by its shadow
    /// (`Err`: null, where it has none), each integer by itself again.
    fn rule_args(&self, inst: Value, plain: bool) -> Vec<std::result::Result<Need, Type>> {
        let mut out = Vec::new();
        for a in inst.call_args() {
            out.push(Ok(Need::Primal(a)));
            if plain {
                continue;
            }
            if a.ty().is_pointer() {
                out.push(if self.activity.is_varied(a) {
                    Ok(Need::Shadow(a))
                } else {
                    Err(a.ty())
                });
            } else if a.ty().is_integer() {
                out.push(Ok(Need::Primal(a)));
            }
        }
        out
    }

    /// Forward sweep: the augmented primal gives the result (else the call
    /// itself does), its shadow and the tape.
    pub(super) fn forward_custom_call(&mut self, inst: Value) -> Result<()> {
        let rule = custom_rule(inst).expect("custom call");
        let callee = inst.called_function().expect("direct call");
        let Some(aug) = rule.aug else {
            self.clone_primal(inst);
            return Ok(());
        };
        let mut args = Vec::new();
        for n in self.rule_args(inst, false) {
            args.push(match n {
                Ok(n) => self.forward_value(n)?,
                Err(t) => t.null(),
            });
        }
        let r = self.b.call(aug, &args);
        match rule.primal {
            Some(p) => {
                let v = part(&self.b, r, p);
                self.pm.values.insert(inst, v);
            }
            None if inst.ty().is_void() || inst.users().is_empty() => {}
            None if !crate::analysis::memory::may_write_user_memory(inst, callee) => {
                // A pure function: its result from the function itself.
                self.clone_primal(inst);
            }
            None => {
                return Err(AdcError::unsupported(
                    inst,
                    format!(
                        "the augmented forward pass `{}` registered for `{}` does not return \
                         its result, which is used here, and `{}` writes memory (so adc cannot \
                         call it again for the result): return the result from `{}`",
                        aug.name(),
                        callee.name(),
                        callee.name(),
                        aug.name()
                    ),
                ))
            }
        }
        if let Some(p) = rule.shadow {
            if inst.ty().contains_pointer() {
                let s = part(&self.b, r, p);
                self.smap.insert(inst, s);
            }
        }
        if let Some((p, _)) = rule.tape {
            let t = part(&self.b, r, p);
            self.call_tapes.insert(inst, t);
        }
        Ok(())
    }

    /// Reverse sweep: the rule's reverse pass, given the arguments, the
    /// result's adjoint and the tape, returns the float arguments' adjoints.
    pub(super) fn reverse_custom_call(
        &mut self,
        inst: Value,
        local: &mut IndexMap<Need, Value>,
    ) -> Result<()> {
        let rule = custom_rule(inst).expect("custom call");
        let mut args = Vec::new();
        for n in self.rule_args(inst, rule.plain) {
            args.push(match n {
                Ok(n) => self.rev_value(n, local)?,
                Err(t) => t.null(),
            });
        }
        if inst.ty().contains_float() {
            let seed = self.take_adjoint(inst);
            args.push(seed);
        }
        if rule.tape.is_some() {
            args.push(self.rev_value(Need::CallTape(inst), local)?);
        }
        let r = self.b.call(rule.rev, &args);
        let floats: Vec<Value> = inst
            .call_args()
            .into_iter()
            .filter(|a| a.ty().contains_float())
            .collect();
        let ret = rule.rev.return_type();
        let in_struct = ret.kind() == llvm_sys::LLVMTypeKind::LLVMStructTypeKind;
        let in_vector = ret.is_vector() && floats.len() == 2;
        for (k, a) in floats.iter().enumerate() {
            let d = if in_struct {
                self.b.extract_value(r, k as u32)
            } else if in_vector {
                self.b
                    .extract_element(r, Type::i32(ret.context()).const_int(k as i64))
            } else {
                r
            };
            self.accumulate(*a, d);
        }
        Ok(())
    }
}
