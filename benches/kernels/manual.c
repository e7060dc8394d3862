/* Hand-written adjoint of sin_dot (test-ir/c/kernels.c), the baseline a
 * generated gradient is measured against. */
#include <math.h>

void sin_dot_manual_grad(const double *x, double *dx, int n, double d_ret) {
  for (int i = 0; i + 1 < n; i++) {
    dx[i] += cos(x[i]) * x[i + 1] * d_ret;
    dx[i + 1] += sin(x[i]) * d_ret;
  }
}
