/* A smoothness penalty in C, differentiated by the same build script
 * (adc-build takes C and C++ files too): sum of squared second
 * differences plus a soft bound on each value. */
#include <math.h>

double penalty(const double *p, int n) {
  double s = 0;
  for (int i = 1; i + 1 < n; i++) {
    double d = p[i - 1] - 2 * p[i] + p[i + 1];
    s += d * d;
  }
  for (int i = 0; i < n; i++) s += log(1 + exp(p[i] - 3));
  return s;
}
