/* One gradient of sum sin(x_i) x_(i+1) of size n (argv[1]), for measuring the
 * tape's peak heap with valgrind's massif (scripts/bench). x and dx take 16n
 * bytes; the rest of the peak is the tape. */
#include <stdio.h>
#include <stdlib.h>

void sin_dot_grad(const double *x, double *dx, int n, double d_ret);

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  double *x = malloc(n * sizeof *x), *dx = calloc(n, sizeof *dx);
  for (int i = 0; i < n; i++) x[i] = 0.001 * i;
  sin_dot_grad(x, dx, n, 1.0);
  /* stderr: unbuffered, so stdio allocates no buffer next to the tape (the
   * thread keeps its tape block after the gradient). */
  fprintf(stderr, "%g\n", dx[n / 2]);
  free(x);
  free(dx);
  return 0;
}
