/* A dense Hessian in one call: vector mode (width 4) over the gradient of
 * Rosenbrock's function of four scalars, lane k seeded along input k, so
 * the tangent of the gradient in lane k is column k of the Hessian. Against
 * the closed form (second_order.c). */
#include <math.h>
#include <stdio.h>

typedef struct { double g[4]; } grad4;
void rosenbrock4_grad_fwd4(grad4 *g, grad4 *h0, grad4 *h1, grad4 *h2, grad4 *h3, double a,
                           double a0, double a1, double a2, double a3, double b, double b0,
                           double b1, double b2, double b3, double c, double c0, double c1,
                           double c2, double c3, double d, double d0, double d1, double d2,
                           double d3, double r, double r0, double r1, double r2, double r3);

int main(void) {
  int checks = 0, failed = 0;
  for (int t = 0; t < 10; t++) {
    double x[4] = {0.5 - 0.1 * t, -0.3 + 0.2 * t, 1.2 - 0.05 * t, 0.8 + 0.1 * t};
    grad4 g, h[4];
    rosenbrock4_grad_fwd4(&g, &h[0], &h[1], &h[2], &h[3], x[0], 1, 0, 0, 0, x[1], 0, 1, 0, 0,
                          x[2], 0, 0, 1, 0, x[3], 0, 0, 0, 1, 1.0, 0, 0, 0, 0);
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) {
        double want = 0;
        if (i == j) {
          if (i < 3) want += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
          if (i > 0) want += 200;
        } else if (j == i + 1) {
          want = -400 * x[i];
        } else if (i == j + 1) {
          want = -400 * x[j];
        }
        checks++;
        if (fabs(h[j].g[i] - want) > 1e-10 * fmax(1.0, fabs(want))) {
          failed++;
          printf("H[%d][%d] = %.17g, closed form %.17g\n", i, j, h[j].g[i], want);
        }
      }
    double want0 = -400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]);
    checks++;
    if (fabs(g.g[0] - want0) > 1e-10 * fmax(1.0, fabs(want0))) failed++;
  }
  printf("%d checks, %d failed\n", checks, failed);
  return failed != 0;
}
