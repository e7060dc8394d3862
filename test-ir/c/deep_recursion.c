/* A recursion whose depth the data decides, deeper than a quarter of what
 * the primal reaches on an 8 MB stack: its derivatives (which keep more
 * per level) run on a larger stack (ir/stack_switch.rs). */
#include <math.h>

double deep_rec(double x, int d) {
  if (d <= 0) return x;
  return sin(deep_rec(x, d - 1)) * 0.5 + x * 0.1;
}
