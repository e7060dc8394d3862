/* Kernels for reverse vector mode (reverse_vector_main.c): N seeds per
 * call, so N rows of a Jacobian (or N weighted gradients) from one
 * forward sweep and one tape. */
#include <math.h>
#include <stdlib.h>

/* y = softmax(x): n outputs, whose Jacobian is y_i (delta_ij - y_j). */
void softmax(const double *x, double *y, int n) {
  double m = x[0], s = 0;
  for (int i = 1; i < n; i++) m = fmax(m, x[i]);
  for (int i = 0; i < n; i++) s += y[i] = exp(x[i] - m);
  for (int i = 0; i < n; i++) y[i] /= s;
}

/* A scalar function of a scalar and an array, with a loop whose trip
 * count is only known at run time (a tape) and a heap work array. */
double series(double z, const double *c, int n) {
  double *w = malloc(n * sizeof *w);
  double t = 1, s = 0;
  for (int k = 0; k < n; k++) {
    t *= z / (k + 1);
    w[k] = c[k] * t;
  }
  for (int k = 0; k < n; k++) s += sin(w[k]) * w[(k + 1) % n];
  free(w);
  return s;
}

/* A callee that runs in split mode (its augmented primal in the forward
 * sweep, its reverse in the reverse sweep), given a stack array. */
__attribute__((noinline)) static double norm2(const double *v, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i] * v[i];
  return sqrt(s);
}
double with_callee(const double *x, int n) {
  double w[4];
  for (int i = 0; i < 4; i++) w[i] = sin(x[i % n] * (i + 1));
  return norm2(w, 4) * norm2(x, n);
}
