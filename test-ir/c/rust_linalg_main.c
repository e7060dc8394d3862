/* Checks adc's derivatives of test-ir/rust/linalg.rs: the reverse gradient
 * against a 4th-order central difference for every entry, the forward
 * derivative along a direction against the gradient; exit 0 when all agree. */
#include <math.h>
#include <stdio.h>
#include <stdint.h>

double rust_gram_logdet(const double *a, int64_t n);
void rust_gram_logdet_grad(const double *a, double *da, int64_t n, double d_ret);
double rust_gram_logdet_fwd(const double *a, const double *da, int64_t n);

int main(void) {
  enum { N = 3 };
  double a[N * N], g[N * N] = {0}, dir[N * N], y[N * N];
  for (int i = 0; i < N * N; i++) {
    a[i] = sin(1.1 * i + 0.2);
    dir[i] = cos(0.7 * i);
  }
  rust_gram_logdet_grad(a, g, N, 1.0);
  double worst = 0, h = 1e-3;
  for (int i = 0; i < N * N; i++) {
    double f[2];
    for (int s = 0; s < 2; s++) {
      for (int j = 0; j < N * N; j++) y[j] = a[j];
      y[i] += (s ? 1 : -1) * h;
      f[s] = rust_gram_logdet(y, N);
    }
    double f2[2];
    for (int s = 0; s < 2; s++) {
      for (int j = 0; j < N * N; j++) y[j] = a[j];
      y[i] += (s ? 2 : -2) * h;
      f2[s] = rust_gram_logdet(y, N);
    }
    double fd = (8 * (f[1] - f[0]) - (f2[1] - f2[0])) / (12 * h);
    double e = fabs(g[i] - fd) / fmax(1.0, fabs(fd));
    if (e > worst) worst = e;
  }
  double t = rust_gram_logdet_fwd(a, dir, N), dd = 0;
  for (int i = 0; i < N * N; i++) dd += g[i] * dir[i];
  double e = fabs(t - dd) / fmax(1.0, fabs(dd));
  if (e > worst) worst = e;
  printf("rust_gram_logdet: worst relative error %.2e\n", worst);
  return worst > 1e-7;
}
