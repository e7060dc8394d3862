/* Constructs adc refuses in both modes, with the reason, rather than drop
 * a derivative: long double arithmetic, atomics on active memory, an OpenMP
 * parallel region (compiled with -fopenmp). */
#include <stdatomic.h>

double long_double(double x) {
  long double t = x;
  t = t * t * 3.0L;
  return (double)t;
}

double atomic_add(double x) {
  double a = 0;
  __atomic_fetch_add(&a, x * x, __ATOMIC_SEQ_CST);
  return a;
}

double atomic_type(double x) {
  _Atomic double a = 0;
  a += x * x;
  return a;
}

double parallel_sum(double *x, int n) {
  double s = 0;
#pragma omp parallel for reduction(+ : s)
  for (int i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}
