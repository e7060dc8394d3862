/* Gradients of several active scalars, called from C through --header. */
#include <math.h>

double two_inputs(double x, double y) { return sin(x) * y + x * x * y; }

double three_inputs(double x, int n, double y, double z) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += x * y / (i + 1) + z * z;
  return s;
}
