/* adc_rules.h: derivative rules you write, and what you say about your code.
 * (adc.h includes it; it can also be included alone, or passed to clang with
 * -include, since it declares nothing else.)
 *
 * Each macro defines one global table, in one .c/.cpp file, after the
 * functions it names; the tables are Enzyme's, so code written for Enzyme's
 * registration API works unchanged, and adc reads both.
 *
 *   ADC_FORWARD_RULE(f, fwd)       forward mode calls fwd instead of
 *                                  differentiating f
 *   ADC_REVERSE_RULE(f, aug, rev)  reverse mode calls aug in the forward
 *                                  sweep and rev in the reverse sweep
 *   ADC_VJP_RULE(f, vjp)           a pure scalar f: reverse mode calls f,
 *                                  then vjp(args..., d_ret) -> adjoints
 *   ADC_INACTIVE(f)                f carries no derivative
 *   ADC_INACTIVE_GLOBAL(g)         global variable g carries no derivative
 *   ADC_FUNCTION_LIKE(f, "log1p")  f is differentiated as that libm function
 *
 * Rule signatures, for f(T1 a1, ..., Tn an) returning R:
 *  - every pointer parameter is followed by its shadow (the derivative
 *    memory; NULL when that argument carries no derivative), every integer
 *    parameter by itself again;
 *  - fwd: a float parameter is followed by its tangent; fwd returns
 *    struct { R primal, tangent; } when R is a float or pointer, else R;
 *  - aug: float parameters stand alone; aug returns R (f's result), or a
 *    tape (any type, e.g. a pointer it allocated), or a struct
 *    { tape, result }, { result, shadow } or { tape, result, shadow }, or
 *    void;
 *  - rev: aug's parameters, then the result's adjoint (a float R), then the
 *    tape (if aug returns one); it returns the adjoints of f's float
 *    parameters: void if none, one value, or a struct of them in order
 *    (at most two doubles, or use pointers: a larger struct is returned
 *    through memory, which adc does not read); rev adds the adjoints of
 *    pointed-to data into the shadows itself. rev runs in the reverse
 *    sweep, after later code may have overwritten the memory f read: keep
 *    what rev needs in the tape.
 * A function with a rule is called, never inlined, in what adc builds; but
 * clang -O1 and above may already have inlined it into its callers, where
 * the rule cannot apply: mark it __attribute__((noinline)) (or give adc
 * -O0 bitcode, which adc optimizes itself, keeping the calls).
 *
 * Rust: the same tables as #[no_mangle] statics, for example
 *   #[repr(transparent)] pub struct Rule([*const (); 3]);
 *   unsafe impl Sync for Rule {}
 *   #[no_mangle] pub static __enzyme_register_gradient_square: Rule =
 *       Rule([square as *const (), aug_square as *const (), rev_square as *const ()]);
 * with the functions extern "C" and #[inline(never)].
 *
 * Enzyme's attributes: clang without Enzyme's plugin ignores
 * __attribute__((enzyme_inactive)) and __attribute__((enzyme_function_like(
 * "name"))) (warning: unknown attribute); with this header included first
 * they become annotations adc reads. Define ADC_NO_ENZYME_ATTRIBUTES to
 * keep those identifiers untouched.
 */
#ifndef ADC_RULES_H
#define ADC_RULES_H

#define ADC_FORWARD_RULE(f, fwd) \
  void *__enzyme_register_derivative_##f[2] = {(void *)(f), (void *)(fwd)}
#define ADC_REVERSE_RULE(f, aug, rev) \
  void *__enzyme_register_gradient_##f[3] = {(void *)(f), (void *)(aug), (void *)(rev)}
#define ADC_VJP_RULE(f, vjp) void *__adc_register_vjp_##f[2] = {(void *)(f), (void *)(vjp)}
#define ADC_INACTIVE(f) void *__enzyme_inactivefn_##f = (void *)(f)
#define ADC_INACTIVE_GLOBAL(g) void *__enzyme_inactive_global_##g = (void *)&(g)
#define ADC_FUNCTION_LIKE(f, name) \
  void *__enzyme_function_like_##f[2] = {(void *)(f), (void *)(name)}

#ifndef ADC_NO_ENZYME_ATTRIBUTES
/* Tells adc the attributes below were in force (clang emits no annotation
 * for some declarations, e.g. an extern variable). */
__attribute__((used, unused)) static const char adc_rules_h_included = 1;
/* noinline: clang would otherwise inline the function into its callers
 * before adc sees them (on a variable clang ignores it, with a warning). */
#define enzyme_inactive annotate("enzyme_inactive"), noinline
#define enzyme_function_like(name) annotate("enzyme_function_like=" name), noinline
#endif

#endif
