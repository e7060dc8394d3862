/* Functions for vector mode (--width N): loops, pointers in and out, a
 * heap work array, a stack array and a callee, so that N tangents share one
 * primal run through each. vector_mode_main.c compares every lane with the
 * scalar forward derivative and with central differences. */
#include <math.h>
#include <stdlib.h>

/* A loop with a loop-carried tangent. */
double series(const double *x, int n) {
  double s = 0.0, p = 1.0;
  for (int i = 0; i < n; i++) {
    p = p * cos(x[i]) + 0.1 * x[i];
    s += p * p + exp(-x[i] * x[i]);
  }
  return s;
}

/* Results through a duplicated output pointer. */
void smooth(const double *x, double *y, int n) {
  for (int i = 0; i < n; i++) {
    double l = x[i > 0 ? i - 1 : 0], r = x[i + 1 < n ? i + 1 : n - 1];
    y[i] = 0.25 * l + 0.5 * sin(x[i]) + 0.25 * r * r;
  }
}

/* A heap work array: each lane needs its own shadow of it. */
double work(const double *x, int n) {
  double *w = malloc(n * sizeof *w);
  for (int i = 0; i < n; i++) w[i] = tanh(x[i]) * x[(i + 1) % n];
  double s = 0.0;
  for (int i = 0; i < n; i++) s += w[i] * w[(i + 2) % n] + log1p(w[i] * w[i]);
  free(w);
  return s;
}

/* A stack array and a callee that gets its own batched form. */
__attribute__((noinline)) static double norm2(const double *v, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += v[i] * v[i];
  return sqrt(s);
}
double stack_and_call(double a, double b, double c) {
  double v[3] = {a * b, sin(c), a / (1.0 + b * b)};
  return norm2(v, 3) * atan2(a, c) + pow(b, 3.0);
}

/* A callee that returns a struct of two doubles: its tangent function
 * returns {primal pair, tangent pair}, read with two-index extractvalues,
 * which vector mode must follow into each lane's pair. */
typedef struct { double re, im; } pair;
__attribute__((noinline)) static pair rotate(double x, double y, double t) {
  pair p = {x * cos(t) - y * sin(t), x * sin(t) + y * cos(t)};
  return p;
}
double rotated_product(double x, double y) {
  pair p = rotate(x, y, 0.3 * x);
  return p.re * p.im + exp(p.re);
}
