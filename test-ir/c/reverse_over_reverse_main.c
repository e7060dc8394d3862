/* Reverse over reverse: adc's gradients of second_order.c (whose tapes
 * grow from the stack chunk into heap blocks) differentiated again in
 * reverse mode. Seeding the gradient's outputs with a direction v gives
 * H.v in the adjoints of the inputs, and the directional derivative g.v in
 * the adjoint of the seed d_ret: both against central differences of the
 * gradient, for tapes on the stack and on the heap, each twice (the second
 * call starts on the thread's cached tape block). Prints "N checks, M
 * failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void chain_grad(const double *x, double *dx, int n, double d_ret);
double chain_grad_grad(const double *x, double *d_x, double *dx, double *d_dx, int n,
                       double d_ret);
typedef struct { double d_a0; double d_a1; } series_grad_ret;
series_grad_ret series_grad(double x, double y, int terms, double d_ret);
typedef struct { double f0; double f1; } series_grad_grad_seed;
typedef struct { double d_a0; double d_a1; double d_a3; } series_grad_grad_ret;
series_grad_grad_ret series_grad_grad(double x, double y, int terms, double d_ret,
                                      series_grad_grad_seed seed);

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
    double *hv = calloc(n, sizeof *hv), *g = calloc(n, sizeof *g), *seed = calloc(n, sizeof *seed);
    double *gp = calloc(n, sizeof *gp), *gm = calloc(n, sizeof *gm), *g0 = calloc(n, sizeof *g0);
    for (int i = 0; i < n; i++) x[i] = 0.5 * sin(0.37 * i), v[i] = cos(0.11 * i);
    for (int i = 0; i < n; i++) xs[i] = x[i] + h * v[i];
    chain_grad(xs, gp, n, 1.0);
    for (int i = 0; i < n; i++) xs[i] = x[i] - h * v[i];
    chain_grad(xs, gm, n, 1.0);
    chain_grad(x, g0, n, 1.0);
    double gv = 0;
    for (int i = 0; i < n; i++) gv += g0[i] * v[i];
    for (int rep = 0; rep < 2; rep++) {
      memset(hv, 0, n * sizeof *hv), memset(g, 0, n * sizeof *g);
      memcpy(seed, v, n * sizeof *v);
      double dd = chain_grad_grad(x, hv, g, seed, n, 1.0);
      check("chain g.v", n, dd, gv, 1e-12);
      for (int i = 0; i < n; i++) {
        check("chain gradient", i, g[i], g0[i], 1e-14);
        check("chain H.v", i, hv[i], (gp[i] - gm[i]) / (2 * h), 1e-7);
      }
    }
    free(x), free(v), free(xs), free(hv), free(g), free(seed), free(gp), free(gm), free(g0);
  }
  for (int terms = 5; terms <= 500; terms *= 10) {
    double x = 0.7, y = -0.4, vx = 0.6, vy = -1.3;
    series_grad_ret p = series_grad(x + h * vx, y + h * vy, terms, 1.0);
    series_grad_ret m = series_grad(x - h * vx, y - h * vy, terms, 1.0);
    series_grad_ret g = series_grad(x, y, terms, 1.0);
    for (int rep = 0; rep < 2; rep++) {
      series_grad_grad_ret r = series_grad_grad(x, y, terms, 1.0, (series_grad_grad_seed){vx, vy});
      check("series H.v x", terms, r.d_a0, (p.d_a0 - m.d_a0) / (2 * h), 1e-7);
      check("series H.v y", terms, r.d_a1, (p.d_a1 - m.d_a1) / (2 * h), 1e-7);
      check("series g.v", terms, r.d_a3, g.d_a0 * vx + g.d_a1 * vy, 1e-12);
    }
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
