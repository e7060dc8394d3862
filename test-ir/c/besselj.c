/* The reference function of the autodiff notes: a poor man's Bessel J_nu(z),
 * summed until the term falls below machine epsilon. */
#include <float.h>
#include <math.h>

static double factorial(int n) {
  double f = 1.0;
  for (int i = 2; i <= n; i++) f *= i;
  return f;
}

double poor_besselj(int nu, double z) {
  int k = 0;
  double s = pow(z / 2, nu) / factorial(nu);
  double out = s;
  while (fabs(s) > DBL_EPSILON) {
    k += 1;
    s *= (-1.0) / k / (k + nu) * ((z / 2) * (z / 2));
    out += s;
  }
  return out;
}
