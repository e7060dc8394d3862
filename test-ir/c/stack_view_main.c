/* Driver for stack_view.c: outer_grad and outer_fwd against a fourth-order
 * central difference and each other, for 1 to 29 outer steps. Prints "N checks, M
 * failed". */
#include <math.h>
#include <stdio.h>

double outer(double x, int n);
double outer_grad(double x, int n, double d_ret);
double outer_fwd(double x, double dx, int n);

static int checks, failures;
static void check(const char *what, int n, double got, double want, double tol) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= tol)) {
    printf("%s (n = %d): got %.17g want %.17g (rel err %.1e)\n", what, n, got, want, err);
    failures++;
  }
}

int main(void) {
  const double h = 1e-5;
  for (double x = -0.9; x <= 0.9; x += 0.45) {
    for (int n = 1; n <= 29; n += 7) {
      double fd = (-outer(x + 2 * h, n) + 8 * outer(x + h, n) - 8 * outer(x - h, n) +
                   outer(x - 2 * h, n)) / (12 * h);
      double g = outer_grad(x, n, 1.0), t = outer_fwd(x, 1.0, n);
      check("reverse", n, g, fd, 1e-7);
      check("forward", n, t, fd, 1e-7);
      check("reverse = forward", n, g, t, 1e-12);
    }
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
