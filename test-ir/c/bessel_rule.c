/* The notes' example, rule against generated: the poor man's Bessel
 * function inside a larger function, sum_k k J_nu(k z / 2), once with the
 * derivative adc generates from the series and once with the Bessel rule
 * registered, J'_nu = (J_{nu-1} - J_{nu+1}) / 2 and J'_0 = -J_1 (two more
 * series evaluations per call). */
#include "../../crates/adc-runtime/include/adc_rules.h"
#include <math.h>

/* The series itself: besselj.c's poor_besselj, under a name of its own
 * here (the benchmarks link both files into one program). */
#define poor_besselj bessel_rule_series
#include "besselj.c"
#undef poor_besselj

/* The same series, with and without a rule. */
double besselj_generated(int nu, double z) { return bessel_rule_series(nu, z); }
__attribute__((noinline)) double besselj_ruled(int nu, double z) { return bessel_rule_series(nu, z); }

static double d_besselj(int nu, double z) {
  if (nu == 0) return -besselj_ruled(1, z);
  return 0.5 * (besselj_ruled(nu - 1, z) - besselj_ruled(nu + 1, z));
}
/* Forward: each integer is followed by itself, each float by its tangent. */
typedef struct { double primal, tangent; } dual;
dual besselj_fwd(int nu, int nu_again, double z, double dz) {
  (void)nu_again;
  return (dual){besselj_ruled(nu, z), d_besselj(nu, z) * dz};
}
/* Reverse, as a vjp of a pure scalar function. */
double besselj_vjp(int nu, double z, double d_ret) { return d_besselj(nu, z) * d_ret; }
ADC_FORWARD_RULE(besselj_ruled, besselj_fwd);
ADC_VJP_RULE(besselj_ruled, besselj_vjp);

double bessel_sum_generated(int nu, double z) {
  double s = 0;
  for (int k = 1; k <= 4; k++) s += k * besselj_generated(nu, 0.5 * k * z);
  return s;
}
double bessel_sum_rule(int nu, double z) {
  double s = 0;
  for (int k = 1; k <= 4; k++) s += k * besselj_ruled(nu, 0.5 * k * z);
  return s;
}
