/* Driver for vector.cpp: gradient and a directional derivative of
 * vec_push_cpp against a 4th-order central difference. */
#include <math.h>
#include <stdio.h>
#include <string.h>
double vec_push_cpp(const double *x, int n);
void vec_push_cpp_grad(const double *x, double *dx, int n, double d);
double vec_push_cpp_fwd(const double *x, const double *tx, int n);
int main(void) {
  enum { N = 9 };
  double x[N], dx[N] = {0}, dir[N], worst = 0, along = 0;
  for (int i = 0; i < N; i++) x[i] = 0.3 * i - 1.1, dir[i] = 0.1 * i - 0.3;
  vec_push_cpp_grad(x, dx, N, 1.0);
  for (int i = 0; i < N; i++) {
    double h = 1e-5, f[4], off[4] = {-2, -1, 1, 2}, y[N];
    for (int s = 0; s < 4; s++) { memcpy(y, x, sizeof y); y[i] += off[s] * h; f[s] = vec_push_cpp(y, N); }
    double fd = (f[0] / 12 - 2 * f[1] / 3 + 2 * f[2] / 3 - f[3] / 12) / h;
    worst = fmax(worst, fabs(dx[i] - fd) / fmax(1.0, fabs(fd)));
    along += dx[i] * dir[i];
  }
  double t = vec_push_cpp_fwd(x, dir, N);
  worst = fmax(worst, fabs(t - along) / fmax(1.0, fabs(along)));
  printf("c++ vector push_back: worst relative error %.2e\n", worst);
  return worst <= 1e-6 ? 0 : 1;
}
