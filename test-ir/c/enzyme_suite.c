/* Enzyme-style call sites over the kernels of kernels.c and memory.c,
 * compiled unchanged against adc.h and linked with them (llvm-link), then
 * lowered by adc. Each gradient (reverse, __enzyme_autodiff) and each
 * directional derivative (forward, __enzyme_fwddiff) is compared with a
 * 5-point central difference. Exit status 0 when all agree to 1e-6. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "adc.h"

typedef struct { double dx, dy; } grad2;
grad2 __enzyme_autodiff_2(void *, ...);
void __enzyme_autodiff_v(void *, ...);

double arith(double x, double y);
double piecewise(double x);
double newton_sqrt(double x);
double nested(int n, double x, double y);
double libm_trig(double x);
double logistic(int n, double r, double x);
double recursive(int n, double x);
double horner(int n, double x);
double global_poly(double x);
double sret_user(double x, double y);
double sin_dot(const double *x, int n);
double sorted_weighted(const double *x, int n);
double heap_scratch(const double *x, int n);
double copy_then_sum(const double *x, int n);
double particle_energy(const double *xm);
double stencil_steps(double *u, int steps);
struct node { double v; struct node *next; };
double list_sum(const struct node *p);

static int failures;
static const double H = 1e-4;
#define FD(expr_at)                                                                                 \
  ((expr_at(-2) / 12 - 2 * expr_at(-1) / 3 + 2 * expr_at(1) / 3 - expr_at(2) / 12) / H)

static void check(const char *name, const char *what, double got, double want) {
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= 1e-6)) {
    printf("%-16s %-10s AD %.17g FD %.17g rel err %.2e  WRONG\n", name, what, got, want, err);
    failures++;
  }
}

/* One-input scalar kernels: reverse and forward against FD. */
#define SCALAR1(f, x0)                                                                              \
  do {                                                                                              \
    double x = (x0);                                                                                \
    double (*fp)(double) = f;                                                                       \
    double fd = (fp(x - 2 * H) / 12 - 2 * fp(x - H) / 3 + 2 * fp(x + H) / 3 - fp(x + 2 * H) / 12) / H; \
    check(#f, "reverse", __enzyme_autodiff((void *)f, x), fd);                                      \
    check(#f, "forward", __enzyme_fwddiff((void *)f, enzyme_dup, x, 1.0), fd);                      \
  } while (0)

/* Array kernels f(x, n): reverse gradient and forward derivative along e_i. */
static void array_kernel(const char *name, double (*f)(const double *, int), void *fv, double *x, int n) {
  double g[16] = {0};
  __enzyme_autodiff_v(fv, enzyme_dup, x, g, enzyme_const, n);
  for (int i = 0; i < n; i++) {
    double v = x[i], fs[4], off[4] = {-2, -1, 1, 2};
    for (int s = 0; s < 4; s++) {
      x[i] = v + off[s] * H;
      fs[s] = f(x, n);
    }
    x[i] = v;
    double fd = (fs[0] / 12 - 2 * fs[1] / 3 + 2 * fs[2] / 3 - fs[3] / 12) / H;
    check(name, "reverse", g[i], fd);
    double e[16] = {0};
    e[i] = 1.0;
    check(name, "forward", __enzyme_fwddiff(fv, enzyme_dup, x, e, enzyme_const, n), fd);
  }
}

static double energy_n(const double *x, int n) { (void)n; return particle_energy(x); }
static double stencil_n(const double *x, int n) {
  double u[16];
  memcpy(u, x, n * sizeof *u);
  return stencil_steps(u, 4);
}

int main(void) {
  SCALAR1(piecewise, 0.8);
  SCALAR1(piecewise, -0.6);
  SCALAR1(newton_sqrt, 2.0);
  SCALAR1(libm_trig, 0.3);
  SCALAR1(global_poly, 1.4);

  /* Two inputs: both adjoints at once, tangents one by one. */
  {
    double x = 0.3, y = 1.7;
    grad2 g = __enzyme_autodiff_2((void *)arith, x, y);
#define ARX(s) arith(x + (s) * H, y)
#define ARY(s) arith(x, y + (s) * H)
    check("arith", "reverse x", g.dx, FD(ARX));
    check("arith", "reverse y", g.dy, FD(ARY));
    check("arith", "forward x", __enzyme_fwddiff((void *)arith, enzyme_dup, x, 1.0, enzyme_dup, y, 0.0), FD(ARX));
    g = __enzyme_autodiff_2((void *)sret_user, x, y);
#define SRX(s) sret_user(x + (s) * H, y)
#define SRY(s) sret_user(x, y + (s) * H)
    check("sret_user", "reverse x", g.dx, FD(SRX));
    check("sret_user", "reverse y", g.dy, FD(SRY));
  }
  /* Integer parameters held constant. */
  {
    double x = 0.4, y = 0.9, r = 3.2;
    grad2 g = __enzyme_autodiff_2((void *)nested, enzyme_const, 5, x, y);
#define NX(s) nested(5, x + (s) * H, y)
#define NY(s) nested(5, x, y + (s) * H)
    check("nested", "reverse x", g.dx, FD(NX));
    check("nested", "reverse y", g.dy, FD(NY));
    g = __enzyme_autodiff_2((void *)logistic, enzyme_const, 6, r, x);
#define LR(s) logistic(6, r + (s) * H, x)
#define LX(s) logistic(6, r, x + (s) * H)
    check("logistic", "reverse r", g.dx, FD(LR));
    check("logistic", "reverse x", g.dy, FD(LX));
#define RC(s) recursive(6, x + (s) * H)
    check("recursive", "reverse", __enzyme_autodiff((void *)recursive, enzyme_const, 6, x), FD(RC));
    check("recursive", "forward", __enzyme_fwddiff((void *)recursive, enzyme_const, 6, enzyme_dup, x, 1.0), FD(RC));
#define HO(s) horner(7, x + (s) * H)
    check("horner", "reverse", __enzyme_autodiff((void *)horner, enzyme_const, 7, x), FD(HO));
  }
  /* Memory. */
  double a[6] = {0.1, 0.5, -0.3, 1.2, 0.8, -0.7};
  array_kernel("sin_dot", sin_dot, (void *)sin_dot, a, 6);
  array_kernel("sorted_weighted", sorted_weighted, (void *)sorted_weighted, a, 6);
  array_kernel("heap_scratch", heap_scratch, (void *)heap_scratch, a, 6);
  array_kernel("copy_then_sum", copy_then_sum, (void *)copy_then_sum, a, 6);
  double xm[8] = {0.1, 0.9, -0.4, 1.7, 1.0, 2.0, 0.5, 1.5};
  array_kernel("particle_energy", energy_n, (void *)energy_n, xm, 8);
  double u[16];
  for (int i = 0; i < 16; i++) u[i] = sin(i * 0.7);
  array_kernel("stencil_steps", stencil_n, (void *)stencil_n, u, 16);

  /* A linked list and its shadow list, linked alike. */
  {
    struct node l[5], dl[5];
    for (int i = 0; i < 5; i++) {
      l[i].v = 0.3 * i - 0.4;
      l[i].next = i < 4 ? &l[i + 1] : 0;
      dl[i].v = 0;
      dl[i].next = i < 4 ? &dl[i + 1] : 0;
    }
    __enzyme_autodiff_v((void *)list_sum, enzyme_dup, l, dl);
    double grad[5];
    for (int i = 0; i < 5; i++) grad[i] = dl[i].v;
    for (int i = 0; i < 5; i++) {
      double v = l[i].v, fs[4], off[4] = {-2, -1, 1, 2};
      for (int s = 0; s < 4; s++) {
        l[i].v = v + off[s] * H;
        fs[s] = list_sum(l);
      }
      l[i].v = v;
      double fd = (fs[0] / 12 - 2 * fs[1] / 3 + 2 * fs[2] / 3 - fs[3] / 12) / H;
      check("list_sum", "reverse", grad[i], fd);
      for (int j = 0; j < 5; j++) dl[j].v = i == j;
      check("list_sum", "forward", __enzyme_fwddiff((void *)list_sum, enzyme_dup, l, dl), fd);
      for (int j = 0; j < 5; j++) dl[j].v = 0;
    }
  }

  printf("%s: %d disagreement(s)\n", failures ? "FAIL" : "ok", failures);
  return failures != 0;
}
