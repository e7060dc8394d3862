/* Derivative rules users write (adc_rules.h's macros, which are Enzyme's
 * registration tables), inactive functions and globals, a function that
 * behaves like a libm function, and Enzyme's attributes: each used from
 * reverse mode (__enzyme_autodiff) and forward mode (__enzyme_fwddiff), in
 * loops and in callees, and checked against analytic values and finite
 * differences. Where a rule deliberately differs from the code's own
 * derivative (a stop-gradient, a body adc could not differentiate), the
 * check shows the rule was used. Built at -O2 and -O0; prints
 * "N checks, 0 failed". */
#include "adc_rules.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);
void __enzyme_autodiff_void(void *, ...);
void __enzyme_fwddiff_void(void *, ...);
extern int enzyme_dup, enzyme_const, enzyme_out;

static int checks, failures;
static void check(const char *what, double got, double want, double tol) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= tol)) {
    printf("%-44s got %.17g want %.17g (rel err %.2e) WRONG\n", what, got, want, err);
    failures++;
  }
}
#define H 1e-5
#define FD(f, x) ((f((x) + H) - f((x) - H)) / (2 * H))

/* ---- 1. A body adc cannot differentiate (bits of a float), made
 * differentiable by a vjp rule and a forward rule. ---- */
__attribute__((noinline)) double fast_rsqrt(double x) {
  int64_t i;
  double y = x;
  memcpy(&i, &y, 8);
  i = 0x5fe6eb50c7b537a9 - (i >> 1);
  memcpy(&y, &i, 8);
  for (int k = 0; k < 4; k++) y = y * (1.5 - 0.5 * x * y * y);
  return y;
}
double vjp_rsqrt(double x, double d_ret) { return -0.5 * d_ret * fast_rsqrt(x) / x; }
typedef struct { double primal, tangent; } dual;
dual fwd_rsqrt(double x, double dx) {
  double r = fast_rsqrt(x);
  return (dual){r, -0.5 * r / x * dx};
}
ADC_VJP_RULE(fast_rsqrt, vjp_rsqrt);
ADC_FORWARD_RULE(fast_rsqrt, fwd_rsqrt);

/* In a loop: sum_i rsqrt(a[i]^2 + 1) * a[i]. */
double rsqrt_sum(const double *a, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += fast_rsqrt(a[i] * a[i] + 1) * a[i];
  return s;
}

/* ---- 2. Memory in and out, with a tape: an augmented forward pass that
 * keeps the norm it computed, and a reverse pass that reads it. ---- */
int aug_calls, rev_calls;
__attribute__((noinline)) void normalize(const double *x, double *out, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * x[i];
  s = sqrt(s);
  for (int i = 0; i < n; i++) out[i] = x[i] / s;
}
/* The tape keeps |x| and the result: by the time the reverse pass runs,
 * the caller may have overwritten x (normalized_steps does). */
double *aug_normalize(const double *x, const double *dx, double *out, double *dout, int n, int n2) {
  (void)dx, (void)dout, (void)n2;
  aug_calls++;
  normalize(x, out, n);
  double *tape = malloc((n + 1) * sizeof(double));
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * x[i];
  tape[0] = sqrt(s);
  memcpy(tape + 1, out, n * sizeof(double));
  return tape;
}
/* out = x / |x|: x_bar += (out_bar - out (out . out_bar)) / |x|. */
void rev_normalize(const double *x, double *dx, double *out, double *dout, int n, int n2,
                   double *tape) {
  (void)x, (void)out, (void)n2;
  rev_calls++;
  double s = tape[0], dot = 0;
  const double *y = tape + 1;
  for (int i = 0; i < n; i++) dot += y[i] * dout[i];
  for (int i = 0; i < n; i++) {
    dx[i] += (dout[i] - y[i] * dot) / s;
    dout[i] = 0;
  }
  free(tape);
}
ADC_REVERSE_RULE(normalize, aug_normalize, rev_normalize);

/* Each of k steps normalizes, then weights: the rule runs k times, its
 * tapes popped in reverse order. */
double normalized_steps(double *x, int k) {
  double y[3], acc = 0;
  for (int s = 0; s < k; s++) {
    normalize(x, y, 3);
    acc += y[0] * (s + 1) + y[1] * y[2];
    x[0] += 0.1 * y[1];
  }
  return acc;
}
static double ns_at(const double *x0, int j, double h, int k) {
  double x[3] = {x0[0], x0[1], x0[2]};
  x[j] += h;
  return normalized_steps(x, k);
}

/* ---- 3. A stop-gradient: the user says `held` carries no derivative. ---- */
__attribute__((noinline)) double held(double x) { return x * x; }
ADC_INACTIVE(held);
double times_held(double x) { return x * held(x); } /* d/dx = held(x) = x^2 */

/* Enzyme's attribute, turned into an annotation by adc_rules.h. */
__attribute__((enzyme_inactive)) double held_attr(double x) { return x * x; }
double plus_held_attr(double x) { return sin(x) + held_attr(x); } /* cos x */

/* ---- 4. Behaves like log1p: differentiated by log1p's rule. ---- */
__attribute__((enzyme_function_like("log1p"))) double my_log1p(double x) {
  return log(1 + x); /* its own body agrees; the rule is log1p's */
}
double log1p_sq(double x) { return my_log1p(x * x); }

__attribute__((noinline)) double cheap_log(double x) { return 2 * x; } /* not log1p */
ADC_FUNCTION_LIKE(cheap_log, "log1p");
double uses_cheap_log(double x) { return cheap_log(x); } /* rule: 1/(1+x) */

/* ---- 5. An inactive global: its contents carry no derivative. ---- */
double scale = 1.0;
ADC_INACTIVE_GLOBAL(scale);
__attribute__((noinline)) double read_scale(void) { return scale; }
double scaled_sq(double x) {
  scale = x; /* would carry x's derivative */
  return read_scale() * 3.0 + x * x; /* d/dx = 2x only */
}

/* The same, where the global's address meets a local's at a select (clang
 * folds `to_cache ? &cache : c` into one pointer): the local's side is
 * differentiated, the global's carries none. */
double cache = 2.0;
ADC_INACTIVE_GLOBAL(cache);
__attribute__((noinline)) void scale_into(int to_cache, double a, double *c) {
  double *p = to_cache ? &cache : c;
  *p *= a;
}
double scaled_local(double a) {
  double d = a;
  scale_into(0, a, &d); /* d = a^2 */
  scale_into(1, a, &d); /* cache *= a */
  return 3 * d;         /* d/da = 6a */
}

/* ---- 6. A rule used in a callee that adc differentiates. ---- */
__attribute__((noinline)) double inner(double x) { return fast_rsqrt(x) * x; }
double outer(double x) { return inner(x * x + 2) + inner(x); }

/* ---- 7. A rule for a function without a body here (defined in
 * custom_outside.c). ---- */
double ext_cube(double x);
dual fwd_ext_cube(double x, double dx) { return (dual){ext_cube(x), 3 * x * x * dx}; }
double vjp_ext_cube(double x, double d) { return 3 * x * x * d; }
ADC_FORWARD_RULE(ext_cube, fwd_ext_cube);
ADC_VJP_RULE(ext_cube, vjp_ext_cube);
double ext_poly(double x) { return ext_cube(x) + ext_cube(2 * x) * x; }

/* ---- 8. An allocator the user names (Enzyme's __enzyme_allocation_like:
 * {allocator, size argument, "free's arguments", free}): blocks from an
 * arena get zeroed shadows of the size asked. ---- */
static char arena[4096];
static int arena_used;
__attribute__((noinline)) void *arena_alloc(int *used, long size) {
  void *p = arena + *used;
  *used += (int)((size + 15) / 16 * 16);
  return p;
}
__attribute__((noinline)) void arena_free(void *p) { (void)p; }
void *__enzyme_allocation_like[4] = {(void *)arena_alloc, (void *)1, (void *)"-1",
                                     (void *)arena_free};
double arena_poly(double x) {
  double *t = arena_alloc(&arena_used, 3 * sizeof(double));
  t[0] = x;
  t[1] = x * t[0];
  t[2] = sin(t[1]);
  double r = t[2] + t[0] * t[1];
  arena_free(t);
  return r; /* sin(x^2) + x^3 */
}

static double rsqrt_exact(double x) { return 1 / sqrt(x); }
static double d_rsqrt_sum_exact(double a) {
  /* d/da [a (a^2+1)^-1/2] = (a^2+1)^-3/2 */
  return pow(a * a + 1, -1.5);
}
static double outer_ref(double x) {
  return rsqrt_exact(x * x + 2) * (x * x + 2) + rsqrt_exact(x) * x;
}
static double log1p_sq_ref(double x) { return log1p(x * x); }
static double ext_poly_ref(double x) { return x * x * x + 8 * x * x * x * x; }

int main(void) {
  /* 1 */
  double a[4] = {0.5, -1.25, 2.0, 0.75}, da[4] = {0};
  __enzyme_autodiff_void((void *)rsqrt_sum, enzyme_dup, a, da, enzyme_const, 4);
  for (int i = 0; i < 4; i++) check("rsqrt_sum reverse (vjp rule)", da[i], d_rsqrt_sum_exact(a[i]), 1e-12);
  double ta[4] = {1, 0, 0, 0};
  double t = __enzyme_fwddiff((void *)rsqrt_sum, enzyme_dup, a, ta, enzyme_const, 4);
  check("rsqrt_sum forward (forward rule)", t, d_rsqrt_sum_exact(a[0]), 1e-12);

  /* 2 */
  for (int k = 1; k <= 3; k++) {
    double x[3] = {0.3, -0.8, 1.1}, dx[3] = {0};
    aug_calls = rev_calls = 0;
    __enzyme_autodiff_void((void *)normalized_steps, enzyme_dup, x, dx, enzyme_const, k);
    check("normalize: augmented passes", aug_calls, k, 0);
    check("normalize: reverse passes", rev_calls, k, 0);
    double x0[3] = {0.3, -0.8, 1.1};
    for (int j = 0; j < 3; j++) {
      double fd = (ns_at(x0, j, H, k) - ns_at(x0, j, -H, k)) / (2 * H);
      check("normalized_steps reverse vs fd", dx[j], fd, 1e-8);
    }
  }

  /* 3 */
  check("stop-gradient reverse", __enzyme_autodiff((void *)times_held, 1.5), 2.25, 1e-15);
  check("stop-gradient forward", __enzyme_fwddiff((void *)times_held, 1.5, 1.0), 2.25, 1e-15);
  check("enzyme_inactive attribute reverse", __enzyme_autodiff((void *)plus_held_attr, 0.7), cos(0.7), 1e-15);
  check("enzyme_inactive attribute forward", __enzyme_fwddiff((void *)plus_held_attr, 0.7, 1.0), cos(0.7), 1e-15);

  /* 4 */
  check("function_like attribute reverse", __enzyme_autodiff((void *)log1p_sq, 0.6), FD(log1p_sq_ref, 0.6), 1e-9);
  check("function_like attribute forward", __enzyme_fwddiff((void *)log1p_sq, 0.6, 1.0), 2 * 0.6 / (1 + 0.36), 1e-14);
  check("function_like table reverse", __enzyme_autodiff((void *)uses_cheap_log, 2.0), 1 / 3.0, 1e-15);
  check("function_like table forward", __enzyme_fwddiff((void *)uses_cheap_log, 2.0, 1.0), 1 / 3.0, 1e-15);

  /* 5 */
  check("inactive global reverse", __enzyme_autodiff((void *)scaled_sq, 1.25), 2.5, 1e-15);
  check("inactive global forward", __enzyme_fwddiff((void *)scaled_sq, 1.25, 1.0), 2.5, 1e-15);
  for (int k = 0; k < 2; k++) { /* twice: nothing is left from the first call */
    check("inactive global at a select reverse", __enzyme_autodiff((void *)scaled_local, 1.5), 9.0, 1e-15);
    check("inactive global at a select forward", __enzyme_fwddiff((void *)scaled_local, 1.5, 1.0), 9.0, 1e-15);
  }

  /* 6 */
  check("rule in a callee reverse", __enzyme_autodiff((void *)outer, 0.9), FD(outer_ref, 0.9), 1e-8);
  check("rule in a callee forward", __enzyme_fwddiff((void *)outer, 0.9, 1.0), FD(outer_ref, 0.9), 1e-8);

  /* 7 */
  check("rule of an external function reverse", __enzyme_autodiff((void *)ext_poly, 0.8),
        3 * 0.64 + 32 * 0.512, 1e-14);
  check("rule of an external function forward", __enzyme_fwddiff((void *)ext_poly, 0.8, 1.0),
        FD(ext_poly_ref, 0.8), 1e-8);

  /* 8 */
  arena_used = 0;
  check("allocation_like reverse", __enzyme_autodiff((void *)arena_poly, 0.7),
        2 * 0.7 * cos(0.49) + 3 * 0.49, 1e-14);
  arena_used = 0;
  check("allocation_like forward", __enzyme_fwddiff((void *)arena_poly, 0.7, 1.0),
        2 * 0.7 * cos(0.49) + 3 * 0.49, 1e-14);

  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
