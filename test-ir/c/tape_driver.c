/* Exercises the reverse-mode tape (stack chunk, malloc on overflow, realloc
 * growth, free) for memcheck: long Bessel series, long loops, and split-mode
 * recursive calls sharing the caller's tape. */
#include <stdio.h>
#include <stdlib.h>

double poor_besselj_grad(int nu, double z, double d_ret);
void sin_dot_grad(const double *x, double *dx, int n, double d_ret);
double recursive_grad(int n, double x, double d_ret);
void heap_scratch_grad(const double *x, double *dx, int n, double d_ret);

int main(void) {
  double acc = 0.0;
  for (int i = 0; i <= 300; i++) acc += poor_besselj_grad(2, i * 0.1, 1.0);
  int n = 5000;
  double *x = malloc(n * sizeof *x), *dx = calloc(n, sizeof *dx);
  for (int i = 0; i < n; i++) x[i] = 0.001 * i;
  for (int rep = 0; rep < 3; rep++) sin_dot_grad(x, dx, n, 1.0);
  acc += dx[0] + dx[n - 1];
  /* Split-mode calls: recursion pushes and pops the caller's tape. */
  acc += recursive_grad(14, 0.4, 1.0);
  /* Heap shadows: allocated zeroed with the primal, freed by the reverse sweep. */
  for (int rep = 0; rep < 3; rep++) heap_scratch_grad(x, dx, 1000, 1.0);
  free(x);
  free(dx);
  printf("%.17g\n", acc);
  return 0;
}
