/* Relax the chain of springs.c by gradient descent with energy_grad, after
 * checking energy_grad and energy_fwd against a central difference. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "springs.h"
#include "springs_adc.h"

enum { N = 20 };

int main(void) {
  double x[N], g[N], v[N];
  for (int i = 0; i < N; i++) x[i] = (i + 1) * 0.9 + 0.2 * sin(i);
  memset(g, 0, sizeof g);
  energy_grad(x, g, N, 1.0);
  for (int i = 0; i < N; i++) v[i] = cos(0.7 * i);
  double along = energy_fwd(x, v, N), dot = 0;
  for (int i = 0; i < N; i++) dot += g[i] * v[i];
  double h = 1e-6, xp[N], xm[N];
  for (int i = 0; i < N; i++) xp[i] = x[i] + h * v[i], xm[i] = x[i] - h * v[i];
  double fd = (energy(xp, N) - energy(xm, N)) / (2 * h);
  if (fabs(along - fd) > 1e-6 * fabs(fd) || fabs(dot - along) > 1e-10 * fabs(along)) {
    printf("derivatives disagree: fwd %.12g, grad . v %.12g, difference %.12g\n", along, dot, fd);
    return 1;
  }
  double e0 = energy(x, N);
  for (int it = 0; it < 20000; it++) {
    memset(g, 0, sizeof g);
    energy_grad(x, g, N, 1.0);
    for (int i = 0; i < N; i++) x[i] -= 0.02 * g[i];
  }
  memset(g, 0, sizeof g);
  energy_grad(x, g, N, 1.0);
  double norm = 0;
  for (int i = 0; i < N; i++) norm += g[i] * g[i];
  printf("energy %.6f -> %.6f, |gradient| %.2e\n", e0, energy(x, N), sqrt(norm));
  return sqrt(norm) < 1e-6 ? 0 : 1;
}
