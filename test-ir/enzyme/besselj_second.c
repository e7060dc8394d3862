/* poor_besselj's second derivative in z, in all four compositions of the
 * two modes through Enzyme call sites (forward over forward, forward over
 * reverse, reverse over forward, reverse over reverse; the series is a
 * while loop, so the reverse derivatives keep a tape). Each against
 * Bessel's equation, z^2 J'' + z J' + (z^2 - nu^2) J = 0, with J and
 * J' = (J_(nu-1) - J_(nu+1)) / 2 from the series itself, and against a
 * central difference of the first derivative; the four agree to rounding.
 * nu comes from memory (volatile), so nothing is specialized to it.
 * Prints "N checks, M failed". */
#include <math.h>
#include <stdio.h>

#include "../c/besselj.c"

double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);
extern int enzyme_const;

double d_fwd(int nu, double z) {
  return __enzyme_fwddiff((void *)poor_besselj, enzyme_const, nu, z, 1.0);
}
double d_rev(int nu, double z) {
  return __enzyme_autodiff((void *)poor_besselj, enzyme_const, nu, z);
}
double dd_ff(int nu, double z) { return __enzyme_fwddiff((void *)d_fwd, enzyme_const, nu, z, 1.0); }
double dd_fr(int nu, double z) { return __enzyme_fwddiff((void *)d_rev, enzyme_const, nu, z, 1.0); }
double dd_rf(int nu, double z) { return __enzyme_autodiff((void *)d_fwd, enzyme_const, nu, z); }
double dd_rr(int nu, double z) { return __enzyme_autodiff((void *)d_rev, enzyme_const, nu, z); }

static int checks, failures;
static void check(const char *what, int nu, double z, double got, double want, double tol) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= tol)) {
    printf("%s (nu = %d, z = %g): got %.17g want %.17g (rel err %.1e)\n", what, nu, z, got, want,
           err);
    failures++;
  }
}

int main(void) {
  volatile int orders[] = {1, 2, 3, 5};
  const double h = 1e-5;
  for (int o = 0; o < 4; o++) {
    int nu = orders[o];
    for (double z = 0.25; z < 12; z *= 1.7) {
      double j = poor_besselj(nu, z);
      double d1 = 0.5 * (poor_besselj(nu - 1, z) - poor_besselj(nu + 1, z));
      double want = -(z * d1 + (z * z - nu * nu) * j) / (z * z);
      double fd = (d_fwd(nu, z + h) - d_fwd(nu, z - h)) / (2 * h);
      double ff = dd_ff(nu, z), fr = dd_fr(nu, z), rf = dd_rf(nu, z), rr = dd_rr(nu, z);
      const char *names[] = {"forward over forward", "forward over reverse",
                             "reverse over forward", "reverse over reverse"};
      double got[] = {ff, fr, rf, rr};
      for (int c = 0; c < 4; c++) {
        check(names[c], nu, z, got[c], want, 1e-10);
        check(names[c], nu, z, got[c], fd, 1e-7);
        check("the four agree", nu, z, got[c], ff, 1e-11);
      }
      /* (To rounding: at z = 10 the series' terms reach 10^3 times the sum,
       * and the modes add them in different orders.) */
      check("first derivative, reverse = forward", nu, z, d_rev(nu, z), d_fwd(nu, z), 1e-11);
    }
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
