/* Generic C that moves floats as integers: a bubble-sort pass whose swap
 * does not know the element type (it moves 8-byte words through uint64_t,
 * which clang turns into i64 loads and stores). Nothing in swap_words says
 * the words are doubles, so adc asks for --type-hint double; with it the
 * words move as doubles and their derivatives move along. main() checks
 * the gradient and a directional derivative against finite differences. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef DRIVER
__attribute__((noinline)) void swap_words(void *a, void *b) {
  uint64_t x, y;
  memcpy(&x, a, 8);
  memcpy(&y, b, 8);
  memcpy(a, &y, 8);
  memcpy(b, &x, 8);
}

double bubble_pass(double *v, int n) {
  for (int i = 0; i + 1 < n; i++)
    if (v[i] > v[i + 1]) swap_words(&v[i], &v[i + 1]);
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i] * (i + 1) * sin(v[i]);
  return s;
}

#else
double bubble_pass(double *v, int n);
void bubble_pass_grad(double *v, double *dv, int n, double d_ret);
double bubble_pass_fwd(double *v, double *tv, int n);

int main(void) {
  enum { N = 7 };
  const double x0[N] = {0.3, 1.1, -0.7, 0.5, 0.9, -0.2, 0.4};
  const double dir[N] = {0.2, -0.1, 0.4, 0.3, -0.5, 0.1, 0.7};
  double v[N], dv[N] = {0}, tv[N], worst = 0;
  memcpy(v, x0, sizeof v);
  bubble_pass_grad(v, dv, N, 1.0);
  double along = 0;
  for (int i = 0; i < N; i++) {
    double h = 1e-5, f[4], off[4] = {-2, -1, 1, 2};
    for (int s = 0; s < 4; s++) {
      memcpy(v, x0, sizeof v);
      v[i] += off[s] * h;
      f[s] = bubble_pass(v, N);
    }
    double fd = (f[0] / 12 - 2 * f[1] / 3 + 2 * f[2] / 3 - f[3] / 12) / h;
    worst = fmax(worst, fabs(dv[i] - fd) / fmax(1.0, fabs(fd)));
    along += dv[i] * dir[i];
  }
  memcpy(v, x0, sizeof v);
  memcpy(tv, dir, sizeof tv);
  double t = bubble_pass_fwd(v, tv, N);
  worst = fmax(worst, fabs(t - along) / fmax(1.0, fabs(along)));
  printf("generic swap: worst relative error %.2e\n", worst);
  return worst <= 1e-6 ? 0 : 1;
}
#endif
