/* Bad input for the error tests: an active value flows into a function
 * whose body adc cannot see and that has no derivative rule. */
extern double mystery(double);

double uses_mystery(double x) {
  double y = x * x;
  return mystery(y) + x;
}

/* Memory read both as doubles and as integers: adc cannot tell which bytes of
 * the copy are floats, and says so instead of guessing. */
#include <string.h>
double punned(const double *x, int n) {
  union { double d[4]; long l[4]; } u;
  memcpy(&u, x, n * sizeof(double));
  u.l[0] ^= 1;
  return u.d[1] * u.d[2] + u.d[0];
}

/* A buffer whose pointer a function without a body puts into a local
 * struct: that function would have to make the shadow buffer too. */
struct buf {
  double *p;
  int n;
};
extern void make_buffer(struct buf *b, int n);
double fill_external(const double *x, int n) {
  struct buf b;
  make_buffer(&b, n);
  for (int i = 0; i < n; i++) b.p[i] = x[i] * x[i];
  double s = 0;
  for (int i = 0; i < n; i++) s += b.p[i] * b.p[i];
  return s;
}

/* A copy of doubles that the loads after it type: a hint for its line
 * that says float contradicts them and is an error, not an override. */
double typed_copy(const double *x, int n) {
  double a[8];
  memcpy(a, x, n * sizeof(double)); /* typed_copy: the copy */
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * a[i];
  return s;
}
