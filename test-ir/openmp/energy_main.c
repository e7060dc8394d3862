/* Checks omp_energy (energy.cpp) in both modes against central differences. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double omp_energy(const double *x, int n);
void omp_energy_grad(const double *x, double *dx, int n, double d);
double omp_energy_fwd(const double *x, const double *dx, int n);

#define N 777
int main(void) {
  double x[N], g[N] = {0}, e[N] = {0};
  int bad = 0, checked = 0;
  for (int i = 0; i < N; i++) x[i] = sin(0.37 * i) + 0.01 * i;
  omp_energy_grad(x, g, N, 1.0);
  for (int j = 0; j < N; j += 31) {
    double xs[N], f[4], h = 1e-3;
    const int o[4] = {-2, -1, 1, 2};
    for (int s = 0; s < 4; s++) {
      memcpy(xs, x, sizeof xs);
      xs[j] += o[s] * h;
      f[s] = omp_energy(xs, N);
    }
    double fd = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
    e[j] = 1;
    double t = omp_energy_fwd(x, e, N);
    e[j] = 0;
    double scale = fmax(1, fabs(fd));
    checked += 2;
    if (fabs(g[j] - fd) > 1e-7 * scale || fabs(t - fd) > 1e-7 * scale) {
      printf("MISMATCH x[%d]: reverse %.17g forward %.17g differences %.17g\n", j, g[j], t, fd);
      bad = 1;
    }
    printf("energy %d %.17g %.17g\n", j, g[j], t);
  }
  fprintf(stderr, "%d threads: %d derivatives checked\n", omp_get_max_threads(), checked);
  return bad;
}
