/* Constructs adc refuses in both modes, with the reason, rather than drop
 * a derivative: a compare-and-swap loop on active memory, nested OpenMP
 * parallel regions (compiled with -fopenmp). (long double and atomic adds,
 * refused before, are differentiated: float_types.c, atomics.c.) */
#include <stdarg.h>
#include <stdatomic.h>

/* `+=` on an _Atomic double: clang writes a compare-and-swap loop on the
 * bits */
double atomic_type(double x) {
  _Atomic double a = 0;
  a += x * x;
  return a;
}

/* A parallel region inside a parallel region (one level of OpenMP
 * parallelism is differentiated: test-ir/openmp). */
void parallel_nested(const double *x, double *y, int n) {
#pragma omp parallel for
  for (int i = 0; i < n; i++) {
#pragma omp parallel for
    for (int j = 0; j < n; j++) y[i * n + j] = x[i] * x[j];
  }
}

/* A callee reached through a function pointer, given active memory (an ODE
 * right-hand side passed to a stepper), where no function of the module of
 * that type has its address taken: adc cannot name the callee (reverse
 * mode dropped what it wrote). Where it can, the call is made direct
 * (test-ir/enzyme/function_pointers.c). */
typedef void (*rhs_fn)(const double *x, double *dx);
__attribute__((noinline)) void apply_rhs(rhs_fn f, const double *x, double *dx) { f(x, dx); }
double through_pointer(double *x, rhs_fn f) {
  double dx[1];
  apply_rhs(f, x, dx);
  return dx[0] * x[0];
}

/* Variadic functions: the derivative of va_arg is not built (reverse mode
 * panicked on the call, forward mode emitted IR that did not verify). */
__attribute__((noinline)) double vsum(int n, ...) {
  va_list ap;
  va_start(ap, n);
  double s = 0;
  for (int i = 0; i < n; i++) s += va_arg(ap, double);
  va_end(ap);
  return s;
}
double variadic_call(double x) { return vsum(2, x * x, x); }

/* A complex function without a rule (csin); float _Complex
 * multiplication (__mulsc3): the messages say what to do. (double _Complex
 * multiplication, division, cexp, clog, csqrt and cpow are differentiated:
 * complex_fns.c.) */
#include <complex.h>
double complex_sin(double x) {
  double _Complex z = x + 2.0 * I;
  return creal(csin(z));
}
float complex_mul_f(float x) {
  float _Complex z = x + 2.0f * I, v = 1.0f - x * I;
  float _Complex w = z * v;
  return crealf(w) + cimagf(w);
}

/* A union of a double and an int64 whose integer side changes the bits. */
union dbits { double d; long long i; };
double union_chop(double x) {
  union dbits u;
  u.d = x * x;
  u.i &= ~0xffffLL;
  return u.d * 3.0;
}
