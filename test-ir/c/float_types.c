/* Floating-point types beyond float and double, differentiated in their
 * own type: long double (x86_fp80, libm's `l` functions), __float128
 * (fp128, glibc's `f128` functions) and _Float16 (half; its libm calls go
 * through float). Each kernel takes and returns double. */
#include <math.h>
#include <stdlib.h>

__float128 sinf128(__float128);
__float128 expf128(__float128);
__float128 sqrtf128(__float128);
__float128 logf128(__float128);

double ld_mix(double x) {
  long double t = x;
  long double u = t * t * 3.0L + sinl(t) * expl(0.5L * t) + sqrtl(t);
  return (double)u;
}

/* long double in memory (16-byte slots), in a callee, in a loop whose
 * values the reverse sweep keeps, and on the heap */
static __attribute__((noinline)) long double ld_dot(const long double *a, const long double *b,
                                                     int n) {
  long double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[n - 1 - i];
  return s;
}

double ld_memory(double x, int n) {
  long double *a = malloc(sizeof(long double) * n);
  for (int i = 0; i < n; i++) a[i] = (long double)x * (i + 1) + logl(1.0L + x * x);
  long double t = ld_dot(a, a, n);
  for (int k = 0; k < n; k++) t = sinl(t) * x + cosl(t);
  free(a);
  return (double)t;
}

double q_mix(double x) {
  __float128 t = x;
  __float128 u = t * t * 3 + sinf128(t) * expf128(t / 2) + sqrtf128(t) + logf128(t);
  return (double)u;
}

double h_mix(double x) {
  _Float16 t = (_Float16)x;
  _Float16 u = t * t * (_Float16)3 + (_Float16)sinf((float)t);
  return (double)u;
}

/* a struct with long double fields copied whole (a memcpy that its
 * !tbaa.struct types) */
struct ld_pair {
  long double a;
  int n;
  long double b;
};
static __attribute__((noinline)) void ld_copy(struct ld_pair *d, const struct ld_pair *s) {
  *d = *s;
}
double ld_struct(double x) {
  struct ld_pair p = {x * x, 3, sinl(x)}, q;
  ld_copy(&q, &p);
  return (double)(q.a * q.b * q.n);
}

/* long double arrays moved by memcpy (16-byte slots) */
#include <string.h>
double ld_arrays(double x, int n) {
  long double a[8], b[8];
  for (int i = 0; i < n; i++) a[i] = sinl(x * (i + 1));
  memcpy(b, a, sizeof(long double) * n);
  long double s = 0;
  for (int i = 0; i < n; i++) s += b[i] * (i + 2);
  return (double)s;
}
