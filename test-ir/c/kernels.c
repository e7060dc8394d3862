/* Forward/reverse-mode test kernels in C (compiled with clang -O2 -g).
 * Each is listed in ../kernels.toml with its signature and test points. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

double arith(double x, double y) { return (x * y - x / y + 3.0) * (x - y) / (1.0 + y * y); }

double neg_rem(double x, double y) { return -x * fmod(x, y) + x; }

float f32_mix(float x) { return (float)((double)x * 1.5) + x * x + sinf(x) * expf(0.5f * x); }

double casts(int n, double x) { return x * n + (double)(unsigned)(n * n) * x * x; }

double piecewise(double x) { return x > 0.0 ? x * x : -x * sin(x); }

double switchy(int n, double x) {
  switch (n) {
  case 0: return x * x;
  case 1: return sin(x) * x;
  case 2: return exp(x) / (1.0 + x * x);
  default: return x;
  }
}

double early_ret(double x) {
  if (x < 0.5) return x * x;
  double s = 0.0;
  for (int i = 1; i < 6; i++) {
    s += x / i;
    if (s > 3.0) return s * x;
  }
  return s;
}

double horner(int n, double x) {
  double acc = 0.0;
  for (int i = 0; i < n; i++) acc = acc * x + (double)(i + 1) / (i + 2);
  return acc;
}

double newton_sqrt(double x) {
  double y = x > 1.0 ? x : 1.0;
  while (fabs(y * y - x) > 1e-15 * x) y = 0.5 * (y + x / y);
  return y;
}

double nested(int n, double x, double y) {
  double s = 0.0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) s += sin(i * x) * cos(j * y);
  return s;
}

__attribute__((noinline)) static double sq_plus(double a, double b) { return a * a + sin(b); }

double call_helper(double x, double y) { return sq_plus(x, y) * sq_plus(y, 2.0) + sq_plus(0.5, x); }

__attribute__((noinline)) double recursive(int n, double x) {
  if (n <= 0) return x;
  return sin(recursive(n - 1, x)) * x + 0.5 * recursive(n - 2, x);
}

double libm_trig(double x) {
  return tan(x) + asin(x) * acos(x) + atan(x) + atan2(x, 1.5) + sinh(x) * cosh(x) + tanh(x);
}

double libm_exp(double x) {
  return exp(x) + expm1(x) + log(x) * log1p(x) + pow(x, 1.7) + pow(2.1, x) + sqrt(x) + cbrt(x) +
         hypot(x, 0.8) + erf(x) + erfc(x);
}

float libm_float(float x) {
  return sinf(x) * cosf(x) + tanf(x) + expf(x) + logf(x) + sqrtf(x) + powf(x, 2.5f) + atan2f(x, 2.0f) +
         hypotf(x, 1.0f) + erff(x) + tanhf(x) + asinf(x * 0.5f);
}

double min_max(double x, double y) { return fmin(x, y) * fmax(x * x, y) + fabs(x - y); }

double rounding(double x) { return floor(x) * x + ceil(x) * x * x + trunc(x) + round(x) * sin(x); }

double loop_swap(int n, double x, double y) {
  double a = x, b = y;
  for (int i = 0; i < n; i++) {
    double t = a;
    a = b;
    b = t + b * x * 0.5;
  }
  return a * b;
}

double multi_exit(int n, double x) {
  double s = x;
  for (int i = 0; i < n; i++) {
    s = s * s * 0.9 + 0.1 * x;
    if (s > 10.0) break;
    if (s < -10.0) return -s;
  }
  return s;
}

double logistic(int n, double r, double x) {
  for (int i = 0; i < n; i++) x = r * x * (1.0 - x);
  return x;
}

double sin_dot(const double *x, int n) {
  double s = 0.0;
  for (int i = 0; i + 1 < n; i++) s += sin(x[i]) * x[i + 1];
  return s;
}

double stack_array(double x) {
  double a[8];
  for (int i = 0; i < 8; i++) a[i] = (i == 0) ? x : a[i - 1] * x + 1.0 / (i + 1);
  double s = 0.0;
  for (volatile int i = 0; i < 8; i++) s += a[i] * a[i];
  return s;
}

typedef struct { double re, im; } cplx;

__attribute__((noinline)) static cplx cmul(cplx a, cplx b) {
  cplx r = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
  return r;
}

double struct_pass(double x, double y) {
  cplx a = {x, y}, b = {y, 0.5};
  cplx c = cmul(a, b);
  c = cmul(c, a);
  return c.re * c.im;
}

typedef double double2 __attribute__((vector_size(16)));

double vector_ops(double x, double y) {
  double2 v = {x, y};
  double2 w = v * v + (double2){1.0, 2.0} * v;
  return w[0] * w[1] + w[1];
}

double select_chain(double x, double y) {
  double a = x < y ? x * y : x + y;
  double b = a > 1.0 ? copysign(a, y) : a * a;
  return b + fabs(x) * y;
}

/* A scratch buffer on the heap: malloc, fill with active values, reduce, free. */
double heap_scratch(const double *x, int n) {
  double *t = malloc(n * sizeof *t);
  for (int i = 0; i < n; i++) t[i] = sin(x[i]) * x[i];
  double s = 0.0;
  for (int i = 0; i < n; i++) s += t[i] * t[(i + 1) % n];
  free(t);
  return s;
}

/* Copies active memory with memcpy (adjoints flow back through the copy) and
 * clears a buffer with memset (which kills what it overwrites). */
double copy_then_sum(const double *x, int n) {
  double buf[16], acc[16];
  memcpy(buf, x, n * sizeof *buf);
  memset(acc, 0, sizeof acc);
  for (int i = 0; i < n; i++) acc[i % 4] += buf[i] * buf[i] * x[(i + 1) % n];
  double s = 0.0;
  for (int i = 0; i < 4; i++) s += acc[i] * (i + 1);
  return s;
}

/* A loop counted by an unsigned index that wraps through zero (exit test
 * `i != end`, an addition without nuw/nsw): the reverse loop still finds
 * its first iteration by stepping the index back to its start. */
double wrapping_counter(const double *x, int start, int n) {
  unsigned end = (unsigned)start + (unsigned)n;
  double s = 0.25;
  for (unsigned i = (unsigned)start; i != end; i++) s = s * 0.5 + sin(x[i % 5] * s + x[(i + 1) % 5]);
  return s;
}

/* A triangular loop nest: clang -O2 counts the inner loop with an i64 and
 * keeps an i32 copy of it; reverse mode rebuilt the copy's last value from
 * the i64 bound (invalid IR: `add i64 %b, i32 -1`). */
double triangular(const double *x, int n) {
  double v = 1.0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) v *= x[i] + 0.1 * j;
  return v;
}

/* hypot at the origin with a zero tangent: hypot(k x, k y) at k = 0 is 0
 * for all x, y; the rule's x/r was 0/0 there (found by the fuzzer). */
double hypot_scaled(double x, double y, int k) { return hypot(k * x, k * y) + x * y; }

/* C99 complex magnitude and argument (cabs, carg of double _Complex). */
#include <complex.h>
double complex_polar(double x, double y) {
  double _Complex z = x + y * I;
  return cabs(z) * sin(carg(z)) + carg(z) * x;
}

/* A double through a union with an int64 and back, unchanged: carried as
 * the double it is (a union whose bits are changed is refused:
 * unsupported.c). */
union dbits { double d; long long i; };
double union_roundtrip(double x) {
  union dbits u;
  u.d = x * x;
  long long k = u.i;
  u.i = k;
  return u.d * sin(x);
}

/* Bessel functions of both kinds, integer order too (the notes' rule). */
double bessel_mix(double x, int n) {
  return j0(x) + 2 * j1(x) + jn(n, x) * y0(x + 1) + y1(x + 1) + yn(n, x + 1);
}

/* log|Γ| and Γ (their rules need ψ, which adc defines); also below 1/2,
 * through the reflection. */
double gamma_mix(double x) { return lgamma(x) + 0.1 * tgamma(0.5 * x + 0.25) * x; }

/* remainder, fdim and nextafter (x moved by an ulp). */
double rem_dim(double x, double y) { return remainder(x, y) * x + fdim(x, y) * y + nextafter(x, y); }

/* Found by the fuzzer: clang's SLP vectorizer pairs two fmax calls into one
 * <2 x double> maxnum and multiplies it by <C, poison>, whose poison lane a
 * shuffle then drops. Reverse mode multiplied that lane's zero adjoint by
 * the poison, which reached x's derivative through the other lane. */
double slp_poison_lane(double x, double s) {
  double v1 = s;
  double v2 = sin(1.09) * fmax(cos(s), s);
  v1 += 0.5 * v2;
  double v0 = sin(x) * s;
  v1 = 0.8 * v1 + 0.2 * tanh((fmax(cos(v0), s) /
                              (1.5 + (fmax(-1.40, v0) + 0.19) * (fmax(-1.40, v0) + 0.19))));
  return v1;
}

/* Found by the fuzzer (in Rust, whose asinh is this code): at i = 0 the
 * argument is 0 with a zero tangent, and 1/|t| is infinite there. The
 * derivative through that path is 0 (its tangent is 0), not 0 * inf = NaN. */
static double asinh_by_reciprocal(double t) {
  double at = fabs(t), it = 1.0 / at;
  return copysign(log1p(at + at / (hypot(1.0, it) + it)), t);
}
double zero_tangent_pole(double x, double s) {
  double r = s;
  for (int i = 0; i < 3; i++) r += sin(asinh_by_reciprocal(tanh(0.1 * i / (1.5 + s * s)))) * x;
  return r;
}

/* A double passed through uint64_t arguments of functions that are not
 * inlined, as Enzyme's subdoublestore does: one turns the bits back into a
 * double, the other stores them into a double (instcombine makes that a
 * store of the integer, tagged double by TBAA). */
__attribute__((noinline)) double bits_scaled(uint64_t bits, uint64_t n) {
  double v;
  memcpy(&v, &bits, sizeof v);
  return v * (double)n + sin(v);
}
__attribute__((noinline)) void bits_put(double *out, uint64_t bits, uint64_t tag) {
  double v;
  memcpy(&v, &bits, sizeof v);
  out[0] = v;
  ((uint64_t *)out)[1] = tag;
}
double bits_through_call(double x, double y) {
  uint64_t bx, by;
  memcpy(&bx, &x, sizeof bx);
  memcpy(&by, &y, sizeof by);
  double buf[2];
  bits_put(buf, by, 7);
  return bits_scaled(bx, 3) * buf[0];
}

/* pow's partials at the edges: x = 0 (the result 0 or 1: the second pow
 * call), y = 0 (the guard), and normal results (r/x). */
double pow_edges(double x, double y) { return pow(x, y) + pow(x, 3.0) * y; }

/* sin and cos of the same angle (either order), and sinh and cosh, in a
 * loop: each partial is the other call's result (rules/siblings.rs). */
double trig_pairs(double x, double y) {
  double s = 0;
  for (int i = 1; i <= 3; i++) {
    double a = x * i + y;
    double c = cos(a), sn = sin(a);
    double b = y * i - x;
    double sb = sin(b), cb = cos(b);
    s += c * sn * i + sb / (2 + cb) + sinh(0.3 * a) * cosh(0.3 * a);
  }
  return s;
}
