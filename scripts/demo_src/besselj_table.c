/* The demo's driver: links against the object adc wrote (primal, forward and
 * reverse derivatives of poor_besselj) and prints value, both AD derivatives,
 * the manual formula (J_{nu-1} - J_{nu+1})/2 and a 5-point central difference. */
#include <math.h>
#include <stdio.h>

double poor_besselj(int nu, double z);
double poor_besselj_fwd(int nu, double z, double dz);
double poor_besselj_grad(int nu, double z, double d_ret);

static double fd5(int nu, double z) {
  const double h = 1e-3;
  return (poor_besselj(nu, z - 2 * h) / 12 - 2 * poor_besselj(nu, z - h) / 3 +
          2 * poor_besselj(nu, z + h) / 3 - poor_besselj(nu, z + 2 * h) / 12) / h;
}

int main(void) {
  const int nu = 2;
  printf("%5s %20s %20s %20s %20s %20s %9s\n", "z", "J_2(z)", "forward AD", "reverse AD", "manual",
         "finite diff", "max|AD-man|");
  for (double z = 0.0; z <= 10.0 + 1e-9; z += 1.25) {
    double v = poor_besselj(nu, z);
    double ad = poor_besselj_fwd(nu, z, 1.0);
    double rev = poor_besselj_grad(nu, z, 1.0);
    double man = 0.5 * (poor_besselj(nu - 1, z) - poor_besselj(nu + 1, z));
    printf("%5.2f %20.16f %20.16f %20.16f %20.16f %20.16f %9.1e\n", z, v, ad, rev, man, fd5(nu, z),
           fmax(fabs(ad - man), fabs(rev - man)));
  }
  return 0;
}
