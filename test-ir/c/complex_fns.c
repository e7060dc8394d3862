/* double _Complex arithmetic and functions (C99): __muldc3, __divdc3,
 * cexp, clog, csqrt, cpow, each part checked (re + 3 im). */
#include <complex.h>

static double parts(double _Complex w) { return creal(w) + 3.0 * cimag(w); }

double complex_mul(double x, double y) {
  double _Complex z = x + y * I, v = (0.5 * y - 1.0) + (x + 0.3) * I;
  return parts(z * v);
}

/* clang calls __muldc3 only where the product is NaN: called directly
 * here, so that its rule is exercised */
double _Complex __muldc3(double, double, double, double);
double complex_muldc3(double x, double y) {
  return parts(__muldc3(x, y, 0.5 * y - 1.0, x + 0.3));
}

double complex_div(double x, double y) {
  double _Complex z = x + y * I, v = (0.5 * y - 1.0) + (x + 0.3) * I;
  return parts(z / v);
}

double complex_exp(double x, double y) { return parts(cexp(x + y * I)); }
double complex_log(double x, double y) { return parts(clog(x + y * I)); }
double complex_sqrt(double x, double y) { return parts(csqrt(x + y * I)); }
double complex_pow(double x, double y) {
  return parts(cpow(x + y * I, (0.5 * y - 1.0) + (x + 0.3) * I));
}

/* all of them, in a chain */
double complex_chain(double x, double y) {
  double _Complex z = x + y * I;
  double _Complex w = z * (z + 1.5);
  double _Complex v = w / (z - 0.25 * I);
  double _Complex e = cexp(v * 0.5);
  double _Complex l = clog(e + 2.0);
  double _Complex s = csqrt(l - 0.3 * I);
  return creal(s) + 2.0 * cimag(s) + creal(v) * cimag(w);
}
