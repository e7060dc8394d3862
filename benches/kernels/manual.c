/* Hand-written derivatives, the baselines generated ones are measured
 * against (benches/kernels.toml names them). */
#include <math.h>

double poor_besselj(int nu, double z);

/* J_nu'(z) dz = (J_{nu-1}(z) - J_{nu+1}(z)) / 2 dz: two primal calls
 * (J_{-n} = (-1)^n J_n). */
double poor_besselj_manual_fwd(int nu, double z, double dz) {
  double lo = nu >= 1 ? poor_besselj(nu - 1, z) : -poor_besselj(1, z);
  return 0.5 * (lo - poor_besselj(nu + 1, z)) * dz;
}

/* Adjoint of sum_i sin(x_i) x_{i+1} (test-ir/c/kernels.c). */
void sin_dot_manual_grad(const double *x, double *dx, int n, double d_ret) {
  for (int i = 0; i + 1 < n; i++) {
    dx[i] += cos(x[i]) * x[i + 1] * d_ret;
    dx[i + 1] += sin(x[i]) * d_ret;
  }
}

