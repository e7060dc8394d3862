/* Hand-written derivatives for `adc check`: cube's are right, skew's forward
 * derivative is deliberately off by 0.1% in its second input. */
#include <math.h>

double cube(double x) { return x * x * x; }
double cube_fwd(double x, double dx) { return 3 * x * x * dx; }
double cube_grad(double x, double d_ret) { return 3 * x * x * d_ret; }

double skew(double x, double y) { return sin(x) * y; }
double skew_fwd(double x, double dx, double y, double dy) {
  return cos(x) * y * dx + 1.001 * sin(x) * dy;
}
