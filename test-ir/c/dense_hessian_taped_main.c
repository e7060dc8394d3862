/* Dense Hessians of functions whose gradient keeps a tape, in chunks of
 * four columns: vector mode (width 4) over adc's gradient, lane k seeded
 * along input j + k. Rosenbrock's array function against its closed form
 * (tridiagonal), for n = 2 to 100 (the tape on the stack, then in heap
 * blocks, one per lane); each column also bit for bit against the width-1
 * forward over reverse, which does the same operations. Prints "N checks,
 * M failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rosenbrock_grad_fwd(const double *x, const double *dx, double *g, double *dg, int n,
                         double d_ret, double dd_ret);
void rosenbrock_grad_fwd4(const double *x, const double *x0, const double *x1, const double *x2,
                          const double *x3, double *g, double *g0, double *g1, double *g2,
                          double *g3, int n, double d_ret, double r0, double r1, double r2,
                          double r3);

static int checks, failures;
static void check(const char *what, int i, int j, double got, double want, double tol) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= tol)) {
    printf("%s[%d][%d]: got %.17g want %.17g (rel err %.1e)\n", what, i, j, got, want, err);
    failures++;
  }
}

static double closed_form(const double *x, int n, int i, int j) {
  if (i == j) return (i + 1 < n ? 1200 * x[i] * x[i] - 400 * x[i + 1] + 2 : 0) + (i > 0 ? 200 : 0);
  if (j == i + 1) return -400 * x[i];
  if (i == j + 1) return -400 * x[j];
  return 0;
}

int main(void) {
  int sizes[] = {2, 5, 8, 33, 100};
  for (int s = 0; s < 5; s++) {
    int n = sizes[s];
    double *x = malloc(n * sizeof *x), *seed[4], *g = malloc(n * sizeof *g), *col[4];
    double *dx = calloc(n, sizeof *dx), *g1 = malloc(n * sizeof *g1), *c1 = malloc(n * sizeof *c1);
    for (int k = 0; k < 4; k++) seed[k] = malloc(n * sizeof *seed[k]), col[k] = malloc(n * sizeof *col[k]);
    for (int i = 0; i < n; i++) x[i] = 0.9 * cos(0.7 * i + s);
    for (int j = 0; j < n; j += 4) {
      for (int k = 0; k < 4; k++) {
        memset(seed[k], 0, n * sizeof *seed[k]);
        memset(col[k], 0, n * sizeof *col[k]);
        if (j + k < n) seed[k][j + k] = 1;
      }
      memset(g, 0, n * sizeof *g);
      rosenbrock_grad_fwd4(x, seed[0], seed[1], seed[2], seed[3], g, col[0], col[1], col[2],
                           col[3], n, 1.0, 0, 0, 0, 0);
      for (int k = 0; k < 4 && j + k < n; k++) {
        memset(dx, 0, n * sizeof *dx), memset(g1, 0, n * sizeof *g1), memset(c1, 0, n * sizeof *c1);
        dx[j + k] = 1;
        rosenbrock_grad_fwd(x, dx, g1, c1, n, 1.0, 0);
        for (int i = 0; i < n; i++) {
          check("Hessian", i, j + k, col[k][i], closed_form(x, n, i, j + k), 1e-12);
          check("width 4 = width 1", i, j + k, col[k][i], c1[i], 0);
          check("gradient of lane run = width 1", i, j + k, g[i], g1[i], 0);
        }
      }
    }
    free(x), free(g), free(dx), free(g1), free(c1);
    for (int k = 0; k < 4; k++) free(seed[k]), free(col[k]);
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
