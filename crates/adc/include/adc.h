/* adc.h: Enzyme-compatible call sites for C and C++.
 *
 * Code written for Enzyme compiles unchanged against this header; `adc grad`
 * or `adc lower` replaces the calls with calls of generated derivatives:
 *
 *   double dsq = __enzyme_autodiff((void *)square, x);          // reverse, seeded with 1
 *   double tan = __enzyme_fwddiff((void *)square, enzyme_dup, x, 1.0);  // forward
 *   __enzyme_autodiff((void *)dot, enzyme_dup, a, da, enzyme_const, b, enzyme_const, n);
 *
 * Markers before an argument set the activity of the next parameter:
 * enzyme_dup (followed by the shadow: the derivative memory of a pointer, or
 * in forward mode the tangent of a float), enzyme_dupnoneed, enzyme_const,
 * enzyme_out (an active float whose adjoint is returned). Without a marker,
 * floats are active in reverse mode and constant in forward mode, pointers
 * duplicated, integers constant. Any function whose name starts with
 * __enzyme_autodiff or __enzyme_fwddiff is recognized, so declare variants
 * for other return types, e.g. a struct of two doubles for two active inputs:
 *
 *   typedef struct { double dx, dy; } grad2;
 *   grad2 __enzyme_autodiff_2(void *, ...);
 *
 * Rust: declare the same symbols in an `extern "C"` block
 * (`fn __enzyme_autodiff(f: *const c_void, ...) -> f64;` and
 * `static enzyme_dup: i32;`) and pass the function as a pointer.
 */
#ifndef ADC_H
#define ADC_H

#ifdef __cplusplus
extern "C" {
#endif

extern int enzyme_dup;
extern int enzyme_dupnoneed;
extern int enzyme_const;
extern int enzyme_out;

double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);

#ifdef __cplusplus
}
#endif

#endif
