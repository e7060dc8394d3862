/* Every form of Enzyme call site, written as code for Enzyme is written
 * (its own declarations, no adc header), lowered by `adc lower`. Each
 * derivative is checked against a central finite difference and, where
 * the maths gives one, the analytic value. Prints "N checks, 0 failed" and
 * exits 0 when all agree. Built at -O2 and -O0 by the tests. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

extern int enzyme_dup, enzyme_dupnoneed, enzyme_out, enzyme_const;
extern int enzyme_const_return, enzyme_primal_return, enzyme_noret, enzyme_not_overwritten;
extern int enzyme_allocated, enzyme_tape;

/* The commonest declaration: double, whatever the derivative returns. */
double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);
/* Per-site variants with other result types. */
float __enzyme_autodiff_f(void *, ...);
void __enzyme_autodiff_void(void *, ...);
typedef struct { double a, b; } pair;
pair __enzyme_autodiff_pair(void *, ...);
typedef struct { double a, b, c; } triple;
triple __enzyme_autodiff_triple(void *, ...);
typedef struct { float a, b; } fpair;
fpair __enzyme_autodiff_fpair(void *, ...);
float fmul(float x, float y) { return x * y; }
typedef struct { double primal, tangent; } dual;
dual __enzyme_fwddiff_dual(void *, ...);
dual __enzyme_autodiff_dual(void *, ...);
void *__enzyme_augmentfwd(void *, ...);
void __enzyme_reverse(void *, ...);
/* A non-variadic declaration with the real parameter types. */
double __enzyme_autodiff_typed(void *, double);

static int checks, failures;
static void check(const char *what, double got, double want, double tol) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= tol)) {
    printf("%-40s got %.17g want %.17g (rel err %.2e) WRONG\n", what, got, want, err);
    failures++;
  }
}
#define H 1e-5
#define FD1(f, x) ((f((x) + H) - f((x) - H)) / (2 * H))

/* ---- kernels ---- */
double sq(double x) { return x * x; }
double mul3(double x, double y, double z) { return x * y * sin(z); }
float fcube(float x) { return x * x * x; }
double scaled(bool neg, char k, short s, double x) { return (neg ? -1.0 : 1.0) * k * s * x * x; }
double powi(double x, int n) {
  double r = 1;
  for (int i = 0; i < n; i++) r *= x;
  return r;
}
/* Writes its result through a pointer: the derivative returns no adjoint. */
void square_into(const double *x, double *out) { *out = x[0] * x[0] + sin(x[1]); }
double dot(const double *a, const double *b, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}
/* x[0] += x[1]^2; x[1] = -x[1]: a step of a time integrator, for split mode. */
void step(double *x) {
  x[0] += x[1] * x[1];
  x[1] = -x[1];
}
double loop_energy(double *x, int n) {
  double e = 0;
  for (int i = 0; i < n; i++) e += x[i] * x[i] * x[i];
  return e;
}

/* Callees that return pointers, not inlined: an allocation wrapper and an
 * accessor; the caller writes derivatives through what they return. */
__attribute__((noinline)) double *make(int n) { return malloc(n * sizeof(double)); }
__attribute__((noinline)) double *at(double *a, int i) { return a + i; }
double cubed_through(double x) {
  double *m = make(2);
  *at(m, 0) = x * x;
  *at(m, 1) = *at(m, 0) * x;
  double r = m[1];
  free(m);
  return r;
}

/* Second order: derivatives of derivatives, in all four orders. */
double g(double x) { return x * x * sin(x); }
double dg_rev(double x) { return __enzyme_autodiff((void *)g, x); }
double dg_fwd(double x) { return __enzyme_fwddiff((void *)g, x, 1.0); }

/* ... and of a loop whose count is known only at run time, whose gradient
 * keeps a tape: on the stack for 3 steps, in heap blocks for 300. */
int steps = 3;
double looped(double x) {
  double s = 0;
  for (int i = 1; i <= steps; i++) s += sin(x * i) * s * 0.01 + sin(x * i) / i;
  return s;
}
double dl_rev(double x) { return __enzyme_autodiff((void *)looped, x); }
double dl_fwd(double x) { return __enzyme_fwddiff((void *)looped, x, 1.0); }
double d2l_fr(double x) { return __enzyme_fwddiff((void *)dl_rev, x, 1.0); }

static double mul3_x(double x) { return mul3(x, 2.0, 0.5); }
static double mul3_z(double z) { return mul3(1.5, 2.0, z); }
static double scaled_x(double x) { return scaled(true, 3, 2, x); }
static double powi5(double x) { return powi(x, 5); }

int main(void) {
  /* Result declared double, unmarked float: active. */
  check("autodiff double sq", __enzyme_autodiff((void *)sq, 3.0), 6.0, 1e-12);
  /* Markers, an adjoint returned per active float into a struct. */
  pair p = __enzyme_autodiff_pair((void *)mul3, 1.5, enzyme_const, 2.0, enzyme_out, 0.5);
  check("autodiff pair .a (dx)", p.a, FD1(mul3_x, 1.5), 1e-8);
  check("autodiff pair .b (dz)", p.b, FD1(mul3_z, 0.5), 1e-8);
  /* Three adjoints: returned through a hidden pointer by the C ABI. */
  triple t = __enzyme_autodiff_triple((void *)mul3, 1.5, 2.0, 0.5);
  check("autodiff triple dx", t.a, 2.0 * sin(0.5), 1e-12);
  check("autodiff triple dy", t.b, 1.5 * sin(0.5), 1e-12);
  check("autodiff triple dz", t.c, 3.0 * cos(0.5), 1e-12);
  /* A non-variadic declaration. */
  check("autodiff typed", __enzyme_autodiff_typed((void *)sq, 1.25), 2.5, 1e-12);
  /* float parameter reaches `...` as double; its adjoint is a float. */
  check("autodiff float (promoted)", __enzyme_autodiff_f((void *)fcube, 2.0f), 12.0, 1e-6);
  check("autodiff float into double", __enzyme_autodiff((void *)fcube, 2.0f), 12.0, 1e-6);
  /* Two float adjoints: the C ABI returns them as <2 x float>. */
  fpair fp = __enzyme_autodiff_fpair((void *)fmul, 2.0f, 3.0f);
  check("autodiff float pair a", fp.a, 3.0, 1e-6);
  check("autodiff float pair b", fp.b, 2.0, 1e-6);
  /* bool, char and short reach `...` as int. */
  check("autodiff bool/char/short", __enzyme_autodiff((void *)scaled, true, (char)3, (short)2, 1.25),
        FD1(scaled_x, 1.25), 1e-8);
  check("autodiff int const", __enzyme_autodiff((void *)powi, 1.1, 5), FD1(powi5, 1.1), 1e-8);

  /* No active scalar: the derivative returns nothing, the double call 0.0. */
  double x[2] = {3.0, 0.25}, dx[2] = {0, 0}, out = 0, dout = 1.0;
  double r = __enzyme_autodiff((void *)square_into, x, dx, &out, &dout);
  check("no adjoint gives 0.0", r, 0.0, 0);
  check("square_into dx0", dx[0], 6.0, 1e-12);
  check("square_into dx1", dx[1], cos(0.25), 1e-12);
  /* The same through a void declaration, the output marked dupnoneed. */
  dx[0] = dx[1] = 0;
  dout = 2.0;
  __enzyme_autodiff_void((void *)square_into, enzyme_dup, x, dx, enzyme_dupnoneed, &out, &dout);
  check("dupnoneed dx0", dx[0], 12.0, 1e-12);
  /* Pointers unmarked: duplicated; the int constant. */
  double a[3] = {1, 2, 3}, da[3] = {0, 0, 0}, b[3] = {4, 5, 6}, db[3] = {0, 0, 0};
  __enzyme_autodiff((void *)dot, a, da, b, db, 3);
  check("dot da", da[2], 6.0, 1e-12);
  check("dot db", db[0], 1.0, 1e-12);
  /* enzyme_const_return: no seed, so no adjoint. */
  check("const_return", __enzyme_autodiff((void *)sq, enzyme_const_return, 3.0), 0.0, 0);
  /* The primal result too: Enzyme gives it first. */
  dual pd = __enzyme_autodiff_dual((void *)sq, enzyme_primal_return, 3.0);
  check("reverse primal_return primal", pd.primal, 9.0, 0);
  check("reverse primal_return adjoint", pd.tangent, 6.0, 1e-12);
  /* Hints that change nothing. */
  check("noret / not_overwritten",
        __enzyme_autodiff((void *)sq, enzyme_noret, enzyme_not_overwritten, 3.0), 6.0, 1e-12);

  /* Forward mode: an unmarked float is followed by its tangent. */
  check("fwddiff unmarked float", __enzyme_fwddiff((void *)sq, 3.0, 1.0), 6.0, 1e-12);
  check("fwddiff dup float", __enzyme_fwddiff((void *)sq, enzyme_dup, 3.0, 0.5), 3.0, 1e-12);
  check("fwddiff const, dup", __enzyme_fwddiff((void *)mul3, enzyme_const, 1.5, enzyme_const, 2.0, 0.5, 1.0),
        FD1(mul3_z, 0.5), 1e-8);
  check("fwddiff float promoted", __enzyme_fwddiff((void *)fcube, 2.0f, 1.0f), 12.0, 1e-6);
  double ta[3] = {1, 0, 0};
  check("fwddiff pointers", __enzyme_fwddiff((void *)dot, a, ta, enzyme_const, b, 3), 4.0, 1e-12);
  dual d = __enzyme_fwddiff_dual((void *)sq, enzyme_primal_return, 3.0, 1.0);
  check("primal_return primal", d.primal, 9.0, 0);
  check("primal_return tangent", d.tangent, 6.0, 1e-12);

  check("pointer results, reverse", __enzyme_autodiff((void *)cubed_through, 1.5), 3 * 1.5 * 1.5, 1e-12);
  check("pointer results, forward", __enzyme_fwddiff((void *)cubed_through, 1.5, 1.0), 3 * 1.5 * 1.5, 1e-12);
  double g2 = 2 * sin(0.7) + 4 * 0.7 * cos(0.7) - 0.7 * 0.7 * sin(0.7);
  check("reverse over reverse", __enzyme_autodiff((void *)dg_rev, 0.7), g2, 1e-12);
  check("forward over reverse", __enzyme_fwddiff((void *)dg_rev, 0.7, 1.0), g2, 1e-12);
  check("reverse over forward", __enzyme_autodiff((void *)dg_fwd, 0.7), g2, 1e-12);
  check("forward over forward", __enzyme_fwddiff((void *)dg_fwd, 0.7, 1.0), g2, 1e-12);
  for (steps = 3; steps <= 300; steps *= 100) {
    /* (the first derivatives agree to rounding; their central difference
     * is the reference, and the second derivatives must agree closely) */
    double l2 = FD1(dl_fwd, 0.7), fr = d2l_fr(0.7);
    check("looped: forward over reverse", fr, l2, 1e-5);
    check("looped: reverse over forward", __enzyme_autodiff((void *)dl_fwd, 0.7), fr, 1e-10);
    check("looped: forward over forward", __enzyme_fwddiff((void *)dl_fwd, 0.7, 1.0), fr, 1e-10);
  }

  /* Split mode, the tape in the caller's buffer. */
  double s[2] = {1.2, 3.4}, ds[2] = {5.6, 7.8};
  char tape[256];
  __enzyme_augmentfwd((void *)step, enzyme_dup, s, ds, enzyme_allocated, sizeof tape, enzyme_tape, tape);
  check("augmentfwd primal x0", s[0], 1.2 + 3.4 * 3.4, 1e-12);
  check("augmentfwd primal x1", s[1], -3.4, 0);
  __enzyme_reverse((void *)step, enzyme_dup, s, ds, enzyme_allocated, sizeof tape, enzyme_tape, tape);
  check("reverse dx0", ds[0], 5.6, 1e-12);
  check("reverse dx1", ds[1], 5.6 * 2 * 3.4 - 7.8, 1e-12);
  /* Split mode, a tape adc allocates, kept across many steps (LIFO). */
  enum { STEPS = 40, N = 100 };
  double *u = malloc(N * sizeof *u), *du = calloc(N, sizeof *du), u0[N];
  for (int i = 0; i < N; i++) u0[i] = u[i] = 0.01 * i;
  void *tapes[STEPS];
  for (int k = 0; k < STEPS; k++) {
    tapes[k] = __enzyme_augmentfwd((void *)loop_energy, u, du, N);
    for (int i = 0; i < N; i++) u[i] *= 0.99; /* the caller changes u between steps */
  }
  /* The reverse sweeps run on u as the last step left it: what each
     step read is on its tape. */
  for (int k = STEPS - 1; k >= 0; k--) {
    __enzyme_reverse((void *)loop_energy, u, du, N, 1.0, tapes[k]);
  }
  /* Step k saw u_k = 0.99^k u0, so du_i = sum_k 3 u_k,i^2 = 3 u0_i^2 sum_k 0.99^(2k)
     (the caller's scaling is not differentiated). */
  double geo = 0;
  for (int k = 0; k < STEPS; k++) geo += pow(0.99, 2 * k);
  check("split mode across steps du[37]", du[37], 3 * u0[37] * u0[37] * geo, 1e-9);
  free(u);
  free(du);

  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
