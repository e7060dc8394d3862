/* The energy of a chain of n masses at positions x between walls at 0 and
 * n + 1: springs that stiffen when stretched, and gravity on each mass. */
#include <math.h>
#include "springs.h"

static double spring(double d) {
  double s = d - SPRING_REST;
  return 0.5 * s * s + 0.25 * s * s * s * s;
}

double energy(const double *x, int n) {
  double e = spring(x[0]) + spring((n + 1) - x[n - 1]);
  for (int i = 0; i + 1 < n; i++) e += spring(x[i + 1] - x[i]);
  for (int i = 0; i < n; i++) e += 0.01 * cos(x[i]);
  return e;
}
