/* Loops --checkpoint refuses, each with its reason (tests/cli.rs). */
#include <stdlib.h>

/* Double buffering: the buffers' pointers are the loop's state. */
void swap_buffers(double *u, double *v, int n, int steps) {
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++)
      v[i] = 0.5 * (u[i - 1] + u[i + 1]);
    double *w = u;
    u = v;
    v = w;
  }
}

/* Each iteration allocates and frees a work array. */
double scratch(double *u, int n, int steps) {
  for (int t = 0; t < steps; t++) {
    double *w = malloc(n * sizeof *w);
    for (int i = 0; i < n; i++)
      w[i] = u[i] * u[i];
    for (int i = 0; i < n; i++)
      u[i] += 0.1 * w[(i + 1) % n];
    free(w);
  }
  return u[0];
}

/* A work array the loop only writes, freed before the function's end:
 * the reverse sweep would restore snapshots into freed memory. */
double free_early(double *u, int n, int steps) {
  double *w = malloc(n * sizeof *w);
  for (int t = 0; t < steps; t++)
    for (int i = 0; i < n; i++) {
      w[i] = u[i] * u[i];
      u[i] = 0.5 * u[i] + 0.1 * __builtin_sin(u[i]);
    }
  double s = w[0] + w[n - 1];
  free(w);
  for (int i = 0; i < n; i++)
    s += u[i] * u[i];
  return s;
}
