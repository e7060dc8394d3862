/* Atomic updates of doubles (C11 atomic_fetch_add and GCC's __atomic
 * builtins: atomicrmw fadd / fsub / xchg), whose old values are used too,
 * in loops and into an array. */
#include <math.h>
#include <stdatomic.h>

double atomic_accumulate(double x) {
  double a = 0.5;
  for (int i = 1; i <= 3; i++) __atomic_fetch_add(&a, x * x * i, __ATOMIC_SEQ_CST);
  double old = __atomic_fetch_sub(&a, sin(x), __ATOMIC_RELAXED);
  return a * old + old;
}

double atomic_swap(double x) {
  _Atomic double a = x * x;
  double old = atomic_exchange(&a, 3.0 * x);
  atomic_fetch_add_explicit(&a, old * x, memory_order_relaxed);
  return atomic_load(&a) * old;
}

/* Two bins filled atomically from an array */
double atomic_bins(const double *x) {
  double bins[2] = {0, 0};
  for (int i = 0; i < 4; i++) __atomic_fetch_add(&bins[i & 1], x[i] * x[i], __ATOMIC_RELAXED);
  return bins[0] * bins[1] + bins[1];
}
