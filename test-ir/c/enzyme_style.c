/* C written for Enzyme, compiled unchanged against adc.h: `adc lower`
 * replaces the __enzyme_* calls with derivatives adc generates. */
#include <math.h>
#include "adc.h"

typedef struct { double dx, dy; } grad2;
grad2 __enzyme_autodiff_2(void *, ...);
void __enzyme_autodiff_v(void *, ...);

double square(double x) { return x * x * sin(x); }
double hyp(double x, double y) { return sqrt(x * x + y * y) * exp(-x); }
double dot(const double *a, const double *b, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i] * a[i];
  return s;
}

double d_square(double x) { return __enzyme_autodiff((void *)square, x); }
double t_square(double x) { return __enzyme_fwddiff((void *)square, enzyme_dup, x, 1.0); }
grad2 d_hyp(double x, double y) { return __enzyme_autodiff_2((void *)hyp, enzyme_out, x, enzyme_out, y); }
double d_hyp_y_only(double x, double y) {
  return __enzyme_autodiff((void *)hyp, enzyme_const, x, y);
}
double t_hyp(double x, double dx, double y, double dy) {
  return __enzyme_fwddiff((void *)hyp, enzyme_dup, x, dx, enzyme_dup, y, dy);
}
void d_dot(const double *a, double *da, const double *b, int n) {
  __enzyme_autodiff_v((void *)dot, enzyme_dup, a, da, enzyme_const, b, enzyme_const, n);
}
double t_dot(const double *a, const double *da, const double *b, int n) {
  return __enzyme_fwddiff((void *)dot, enzyme_dup, a, da, enzyme_const, b, n);
}
