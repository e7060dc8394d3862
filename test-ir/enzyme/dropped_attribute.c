/* Enzyme's attribute without adc_rules.h: clang warns "unknown attribute"
 * and drops it. adc must refuse rather than differentiate `held`. With
 * -include adc_rules.h, held is a constant c: d/dx (x c / x) = 0 (with
 * held differentiated it would be 2x). */
#include <stdio.h>
double __enzyme_autodiff(void *, ...);
__attribute__((enzyme_inactive, noinline)) double held(double x) { return x * x; }
double times_held(double x) { return x * held(x) / x; }
int main(void) {
  double d = __enzyme_autodiff((void *)times_held, 1.5);
  printf("%g\n", d);
  return d != 0.0;
}
