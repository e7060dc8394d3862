/* Times omp_diffuse (stencil.c) and its gradient: `bench primal|grad N STEPS`
 * prints the best of 7 runs in seconds (the state is reset outside the
 * timed part). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void omp_diffuse(double *u, double *tmp, int n, int steps);
void omp_diffuse_grad(double *u, double *du, double *tmp, double *dtmp, int n, int steps);

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: bench primal|grad N STEPS\n");
    return 2;
  }
  int grad = strcmp(argv[1], "grad") == 0, n = atoi(argv[2]), steps = atoi(argv[3]);
  double *u0 = malloc(n * sizeof *u0), *u = malloc(n * sizeof *u), *tmp = calloc(n, sizeof *tmp);
  double *du = malloc(n * sizeof *du), *dtmp = calloc(n, sizeof *dtmp);
  for (int i = 0; i < n; i++) u0[i] = 0.5 + 0.4 * ((i * 7919) % 1000) / 1000.0;
  double best = 1e30, check = 0;
  for (int r = 0; r < 7; r++) {
    memcpy(u, u0, n * sizeof *u);
    memset(tmp, 0, n * sizeof *tmp);
    for (int i = 0; i < n; i++) du[i] = 1.0;
    memset(dtmp, 0, n * sizeof *dtmp);
    double t0 = omp_get_wtime();
    if (grad)
      omp_diffuse_grad(u, du, tmp, dtmp, n, steps);
    else
      omp_diffuse(u, tmp, n, steps);
    double t = omp_get_wtime() - t0;
    if (t < best) best = t;
    check = grad ? du[n / 2] : u[n / 2];
  }
  printf("%.6f %.17g\n", best, check);
  return 0;
}
