/* Calls gradients through the prototypes `adc grad --header` wrote and
 * checks them against the analytic derivatives. Exit status 0 when all agree. */
#include <math.h>
#include <stdio.h>
#include "multi_grad.h"

static int close_to(double a, double b) { return fabs(a - b) <= 1e-13 * fmax(1.0, fabs(b)); }

int main(void) {
  int bad = 0;
  double x = 0.7, y = -1.3, z = 0.4;
  two_inputs_grad_ret g = two_inputs_grad(x, y, 2.0);
  bad |= !close_to(g.d_a0, 2.0 * (cos(x) * y + 2 * x * y));
  bad |= !close_to(g.d_a1, 2.0 * (sin(x) + x * x));
  three_inputs_grad_ret h = three_inputs_grad(x, 4, y, z, 1.0);
  double hsum = 1.0 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4;
  bad |= !close_to(h.d_a0, y * hsum);
  bad |= !close_to(h.d_a2, x * hsum);
  bad |= !close_to(h.d_a3, 4 * 2 * z);
  printf("%.17g %.17g | %.17g %.17g %.17g\n", g.d_a0, g.d_a1, h.d_a0, h.d_a2, h.d_a3);
  return bad;
}
