/* OpenMP kernels for adc's tests of parallel regions (crates/adc/tests/openmp.rs). */
#include <math.h>

/* An elementwise map: each iteration reads and writes its own element. */
void omp_map(const double *x, double *y, int n) {
#pragma omp parallel for
  for (int i = 0; i < n; i++) y[i] = sin(x[i]) * x[i];
}

/* A parallel reduction. */
double omp_sum(const double *x, int n) {
  double s = 0;
#pragma omp parallel for reduction(+ : s)
  for (int i = 0; i < n; i++) s += x[i] * x[i] * cos(x[i]);
  return s;
}

/* A stencil: neighbouring iterations read the same elements. */
void omp_stencil(const double *x, double *y, int n) {
#pragma omp parallel for schedule(static)
  for (int i = 1; i < n - 1; i++) y[i] = x[i - 1] * x[i] - 2 * x[i] + x[i + 1] * x[i + 1];
}

/* A sequential time loop around one region with two work-shared loops
 * (an implicit barrier between them). */
void omp_heat(double *u, double *tmp, int n, int steps) {
  for (int t = 0; t < steps; t++) {
#pragma omp parallel
    {
#pragma omp for
      for (int i = 1; i < n - 1; i++) tmp[i] = u[i] + 0.2 * (u[i - 1] - 2 * u[i] + u[i + 1]) * u[i];
#pragma omp for
      for (int i = 1; i < n - 1; i++) u[i] = tmp[i];
    }
  }
}

/* Private and firstprivate variables, and a critical section. */
double omp_private(const double *x, int n, int k) {
  double total = 0, t;
  int shift = k;
#pragma omp parallel private(t) firstprivate(shift)
  {
    double mine = 0;
#pragma omp for
    for (int i = 0; i < n; i++) {
      t = x[(i + shift) % n];
      mine += t * exp(-t * t);
    }
#pragma omp critical
    total += mine;
  }
  return total;
}

/* A dynamic schedule: every thread reverses what it ran. */
void omp_dynamic(const double *x, double *y, int n) {
#pragma omp parallel for schedule(dynamic, 7)
  for (int i = 0; i < n; i++) y[i] = x[i] / (1 + x[i] * x[i]);
}

/* A call inside a region that clang does not inline: the callee's
 * derivative runs on every thread (and reads a neighbour's element). */
__attribute__((noinline)) static double pair(const double *x, int i) {
  return x[i] * sin(x[i + 1]);
}

void omp_callee(const double *x, double *y, int n) {
#pragma omp parallel for
  for (int i = 0; i < n - 1; i++) y[i] = pair(x, i);
}
