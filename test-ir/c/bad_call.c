/* Bad input for the error tests: an active value flows into a function
 * whose body adc cannot see and that has no derivative rule. */
extern double mystery(double);

double uses_mystery(double x) {
  double y = x * x;
  return mystery(y) + x;
}

/* Memory read both as doubles and as integers: adc cannot tell which bytes of
 * the copy are floats, and says so instead of guessing. */
#include <string.h>
double punned(const double *x, int n) {
  union { double d[4]; long l[4]; } u;
  memcpy(&u, x, n * sizeof(double));
  u.l[0] ^= 1;
  return u.d[1] * u.d[2] + u.d[0];
}
