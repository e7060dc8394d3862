/* A dense Hessian as the Jacobian of a gradient: `adc grad --mode jacobian`
 * of rosenbrock_grad (second_order.c's Rosenbrock of an array, whose
 * gradient keeps a tape), its input x against its output, the gradient's
 * shadow, with the seed d_ret constant. Against the closed form
 * (tridiagonal) for n = 2 to 100, the gradient left in g beside it.
 * Prints "N checks, M failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void rosenbrock_grad(const double *x, double *g, int n, double d_ret);
void rosenbrock_grad_jac(const double *x, double *g, int n, double d_ret, double *hess,
                         long n_in, long n_out);

static int checks, failures;
static void check(const char *what, int i, int j, double got, double want) {
  checks++;
  if (!(fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want)))) {
    printf("%s[%d][%d]: got %.17g want %.17g\n", what, i, j, got, want);
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
  int sizes[] = {2, 3, 5, 8, 33, 100};
  for (int s = 0; s < 6; s++) {
    int n = sizes[s];
    double *x = malloc(n * sizeof *x), *g = calloc(n, sizeof *g), *want = calloc(n, sizeof *want);
    double *h = malloc((size_t)n * n * sizeof *h);
    for (int i = 0; i < n; i++)
      x[i] = 0.9 + 0.35 * sin(1.3 * i);
    rosenbrock_grad(x, want, n, 1.0);
    rosenbrock_grad_jac(x, g, n, 1.0, h, n, n);
    for (int i = 0; i < n; i++) {
      check("gradient", i, 0, g[i], want[i]);
      for (int j = 0; j < n; j++)
        check("H", i, j, h[i * n + j], closed_form(x, n, i, j));
    }
    free(x), free(g), free(want), free(h);
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
