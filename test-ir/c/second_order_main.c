/* Hessian-vector products by forward over reverse (adc's gradient of
 * second_order.c differentiated in forward mode) against central
 * differences of the gradient, for tapes on the stack and on the heap;
 * and `adc grad --mode hvp`'s FN_hvp against those. Prints "N checks, M
 * failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { double d_a0; double d_a1; } series_grad_ret;
void chain_grad(const double *x, double *dx, int n, double d_ret);
void chain_grad_fwd(const double *x, const double *vx, double *dx, double *hv, int n,
                    double d_ret, double dd_ret);
series_grad_ret series_grad(double x, double y, int terms, double d_ret);
typedef struct { double f0; double f1; } series_grad_fwd_ret;
series_grad_fwd_ret series_grad_fwd(double x, double vx, double y, double vy, int terms,
                                    double d_ret, double dd_ret);

/* From `adc grad --mode hvp` only (weak: absent when the test builds the
 * gradient and its forward derivative in two steps). */
__attribute__((weak)) void chain_hvp(const double *x, const double *vx, double *dx, double *hv,
                                     int n);
__attribute__((weak)) series_grad_fwd_ret series_hvp(double x, double vx, double y, double vy,
                                                     int terms);

static int checks, failures;
static void check(const char *what, int i, double got, double want, double tol) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= tol)) {
    printf("%s[%d]: got %.17g want %.17g (rel err %.1e)\n", what, i, got, want, err);
    failures++;
  }
}

int main(void) {
  const double h = 1e-5;
  for (int n = 4; n <= 4000; n *= 10) {
    double *x = malloc(n * sizeof *x), *v = malloc(n * sizeof *v), *xs = malloc(n * sizeof *xs);
    double *g = calloc(n, sizeof *g), *hv = calloc(n, sizeof *hv);
    double *gp = calloc(n, sizeof *gp), *gm = calloc(n, sizeof *gm), *g0 = calloc(n, sizeof *g0);
    for (int i = 0; i < n; i++) x[i] = 0.5 * sin(0.37 * i), v[i] = cos(0.11 * i);
    for (int rep = 0; rep < 2; rep++) { /* the second call reuses the cached tape blocks */
      memset(g, 0, n * sizeof *g), memset(hv, 0, n * sizeof *hv);
      chain_grad_fwd(x, v, g, hv, n, 1.0, 0.0);
    }
    for (int i = 0; i < n; i++) xs[i] = x[i] + h * v[i];
    chain_grad(xs, gp, n, 1.0);
    for (int i = 0; i < n; i++) xs[i] = x[i] - h * v[i];
    chain_grad(xs, gm, n, 1.0);
    chain_grad(x, g0, n, 1.0);
    for (int i = 0; i < n; i++) {
      check("chain gradient", i, g[i], g0[i], 1e-14);
      check("chain H.v", i, hv[i], (gp[i] - gm[i]) / (2 * h), 1e-7);
    }
    if (chain_hvp) {
      double *g2 = calloc(n, sizeof *g2), *hv2 = calloc(n, sizeof *hv2);
      chain_hvp(x, v, g2, hv2, n);
      for (int i = 0; i < n; i++) {
        check("chain_hvp gradient", i, g2[i], g0[i], 1e-14);
        check("chain_hvp H.v", i, hv2[i], hv[i], 1e-14);
      }
      free(g2), free(hv2);
    }
    free(x), free(v), free(xs), free(g), free(hv), free(gp), free(gm), free(g0);
  }
  for (int terms = 3; terms <= 300; terms *= 10) {
    double x = 0.8, y = 0.3, vx = 0.6, vy = -1.1;
    series_grad_fwd_ret t = series_grad_fwd(x, vx, y, vy, terms, 1.0, 0.0);
    series_grad_ret p = series_grad(x + h * vx, y + h * vy, terms, 1.0);
    series_grad_ret m = series_grad(x - h * vx, y - h * vy, terms, 1.0);
    check("series H.v x", terms, t.f0, (p.d_a0 - m.d_a0) / (2 * h), 1e-7);
    check("series H.v y", terms, t.f1, (p.d_a1 - m.d_a1) / (2 * h), 1e-7);
    if (series_hvp) {
      series_grad_fwd_ret u = series_hvp(x, vx, y, vy, terms);
      check("series_hvp x", terms, u.f0, t.f0, 1e-14);
      check("series_hvp y", terms, u.f1, t.f1, 1e-14);
    }
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
