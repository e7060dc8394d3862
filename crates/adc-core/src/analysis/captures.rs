//! Stack objects whose address is kept in memory.
//!
//! A callee in split mode (reverse/mod.rs) loses its stack with its
//! augmented primal, and its reverse function gives each stack object's
//! shadow a fresh zeroed twin. That is sound while the reverse reaches the
//! shadow only by recomputing its address from the twin. When the address
//! itself is stored somewhere (a struct holding a pointer to a local
//! buffer; a gradient's tape, whose first chunk is on its stack), the
//! reverse reads the old address back and writes into a dead frame. Those
//! objects get their shadow on the heap instead, kept until the reverse is
//! done with it. This analysis finds them.

use crate::ir::{Function, Value};
use indexmap::{IndexMap, IndexSet};
use llvm_sys::LLVMOpcode;

/// The stack objects of one function whose address may be stored into
/// memory, directly or by a function of the module it is passed to.
pub struct StackEscapes {
    escaping: IndexSet<Value>,
}

impl StackEscapes {
    pub fn compute(f: Function) -> Self {
        let mut params = ParamCaptures::default();
        let escaping = f
            .blocks()
            .into_iter()
            .flat_map(|b| b.instructions())
            .filter(|i| i.opcode() == Some(LLVMOpcode::LLVMAlloca))
            .filter(|a| params.captured(*a))
            .collect();
        StackEscapes { escaping }
    }

    /// Whether the address of stack object `alloca` may be kept in memory.
    pub fn escapes(&self, alloca: Value) -> bool {
        self.escaping.contains(&alloca)
    }
}

/// Per (function, parameter): whether the callee may store the pointer it
/// is given (memoized; a parameter under analysis counts as captured, so
/// recursion errs on the safe side).
#[derive(Default)]
struct ParamCaptures {
    known: IndexMap<(Function, usize), bool>,
}

impl ParamCaptures {
    /// Whether pointer `p`, or an address derived from it, is stored into
    /// memory, turned into an integer, returned, or passed to a module
    /// function that does one of these.
    fn captured(&mut self, p: Value) -> bool {
        use LLVMOpcode::*;
        let mut seen = IndexSet::new();
        let mut work = vec![p];
        while let Some(q) = work.pop() {
            if !seen.insert(q) {
                continue;
            }
            for u in q.users() {
                match u.opcode() {
                    Some(LLVMStore) if u.operand(0) == q => return true,
                    Some(LLVMAtomicCmpXchg) | Some(LLVMAtomicRMW) if u.operand(0) != q => {
                        return true
                    }
                    Some(LLVMPtrToInt) | Some(LLVMRet) | Some(LLVMInsertValue) => return true,
                    Some(LLVMGetElementPtr)
                    | Some(LLVMBitCast)
                    | Some(LLVMAddrSpaceCast)
                    | Some(LLVMPHI)
                    | Some(LLVMSelect) => work.push(u),
                    Some(LLVMCall) => {
                        if self.call_captures(u, q) {
                            return true;
                        }
                        // An accessor may return an address inside it.
                        if u.ty().contains_pointer() {
                            work.push(u);
                        }
                    }
                    Some(LLVMInvoke) => return true,
                    _ => {}
                }
            }
        }
        false
    }

    /// Whether `call` may keep its argument `q` (a pointer) in memory.
    fn call_captures(&mut self, call: Value, q: Value) -> bool {
        let Some(f) = call.called_function() else {
            return true; // code adc cannot see (its derivative is refused)
        };
        if f.is_declaration() {
            // Intrinsics and library functions keep no caller's address
            // (and functions adc cannot see, given shadowed memory, are
            // refused on their own).
            return false;
        }
        let params = f.params();
        for (i, a) in call.call_args().into_iter().enumerate() {
            if a != q {
                continue;
            }
            let Some(&param) = params.get(i) else {
                return true; // variadic
            };
            if let Some(&c) = self.known.get(&(f, i)) {
                if c {
                    return true;
                }
                continue;
            }
            self.known.insert((f, i), true);
            let c = self.captured(param);
            self.known.insert((f, i), c);
            if c {
                return true;
            }
        }
        false
    }
}
