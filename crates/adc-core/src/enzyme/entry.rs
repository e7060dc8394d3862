//! Enzyme's entry points, recognized as Enzyme recognizes them: any function
//! whose name *contains* the entry point's name, so that C++ declarations
//! (mangled), template instantiations and per-site variants such as
//! `__enzyme_autodiff2` all count.

/// What a call of an entry point asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    /// `__enzyme_autodiff`: the gradient (forward and reverse sweep in one).
    Reverse,
    /// `__enzyme_fwddiff`: the tangent.
    Forward,
    /// `__enzyme_augmentfwd`: the forward sweep, keeping a tape.
    AugmentedForward,
    /// `__enzyme_reverse`: the reverse sweep from a tape.
    ReverseSplit,
    /// `__enzyme_batch`: the function itself on N sets of arguments at once.
    Batch,
}

impl Entry {
    pub fn is_forward(self) -> bool {
        self == Entry::Forward
    }
}

/// Entry points adc implements, most specific first.
const IMPLEMENTED: &[(&str, Entry)] = &[
    ("__enzyme_autodiff", Entry::Reverse),
    ("__enzyme_fwddiff", Entry::Forward),
    ("__enzyme_augmentfwd", Entry::AugmentedForward),
    ("__enzyme_reverse", Entry::ReverseSplit),
    ("__enzyme_batch", Entry::Batch),
];

/// Entry points of Enzyme's API that adc does not implement, with what they
/// are for: a call of one is an error naming it, never a link failure.
const NOT_IMPLEMENTED: &[(&str, &str)] = &[
    ("__enzyme_fwdsplit", "split forward mode"),
    (
        "__enzyme_augmentsize",
        "the size of an augmented forward tape",
    ),
    ("__enzyme_todense", "sparse derivatives"),
    ("__enzyme_error_estimate", "floating-point error estimation"),
    ("__enzyme_truncate", "floating-point truncation"),
    ("__enzyme_call_inactive", "inactive calls"),
    ("__enzyme_float", "type annotations"),
    ("__enzyme_double", "type annotations"),
    ("__enzyme_integer", "type annotations"),
    ("__enzyme_pointer", "type annotations"),
    ("__enzyme_trace", "probabilistic programming"),
    ("__enzyme_condition", "probabilistic programming"),
    ("__enzyme_sample", "probabilistic programming"),
    ("__enzyme_observe", "probabilistic programming"),
];

/// `__enzyme_virtualreverse(f)`: the shadow of function pointer `f`, for
/// the shadow of an object that holds it (a C++ vtable, a struct of
/// callbacks). adc resolves a call through a pointer from the primal
/// pointer (`ir::devirtualize`) and never reads the shadow's, so the
/// shadow is `f` itself; the call is replaced before lowering
/// ([`super::lower`]).
pub const VIRTUAL_SHADOW: &str = "__enzyme_virtualreverse";

/// The entry point a function name stands for.
pub fn classify(name: &str) -> Option<Result<Entry, (&'static str, &'static str)>> {
    // `__enzyme_virtualreverse` contains `__enzyme_reverse` and is not it.
    if name.contains(VIRTUAL_SHADOW) {
        return None;
    }
    if let Some((n, what)) = NOT_IMPLEMENTED.iter().find(|(n, _)| name.contains(n)) {
        return Some(Err((n, what)));
    }
    IMPLEMENTED
        .iter()
        .find(|(n, _)| name.contains(n))
        .map(|(_, e)| Ok(*e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_matched_by_containment() {
        assert_eq!(classify("__enzyme_autodiff"), Some(Ok(Entry::Reverse)));
        assert_eq!(classify("__enzyme_autodiff2"), Some(Ok(Entry::Reverse)));
        // C++: `double __enzyme_autodiff(void*, double)` and a template.
        assert_eq!(
            classify("_Z17__enzyme_autodiffPvd"),
            Some(Ok(Entry::Reverse))
        );
        assert_eq!(
            classify("_Z16__enzyme_fwddiffIdJidEET_PvDpT0_"),
            Some(Ok(Entry::Forward))
        );
        assert_eq!(
            classify("_Z16__enzyme_reversePvddS_"),
            Some(Ok(Entry::ReverseSplit))
        );
        assert_eq!(classify("_Z23__enzyme_virtualreversePv"), None);
        assert_eq!(classify("enzyme_autodiff"), None);
        assert_eq!(classify("square"), None);
    }
}
