//! Derivative rules as data.
//!
//! Every differentiable operation has one entry in [`table`]: the partial
//! derivative of its result with respect to each operand, written as a small
//! expression ([`expr`]) over the operands and the result `r`. Forward mode
//! emits `dr = sum_i partial_i * dx_i`; reverse mode emits
//! `x_i_bar += partial_i * r_bar`. A rule is written once and serves both.
//!
//! Structural operations (select, casts between float types, vector and
//! aggregate shuffles) are linear in their data operands: their tangent is the
//! same operation applied to the tangents; they are listed in the same table.

pub mod blas;
pub mod custom;
pub mod emit;
pub mod expr;
pub mod runtime;
pub mod siblings;
pub mod special;
pub mod table;

pub use expr::Expr;
pub use table::{is_inactive_call, lookup_call, lookup_callee, lookup_opcode, Rule};
