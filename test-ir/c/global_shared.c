/* A global written with an active value and read by another function: its
 * derivative would cross a call adc does not see, so adc refuses it. */
#include <math.h>
double acc[2];
__attribute__((noinline)) double readback(void) { return acc[0] * acc[1]; }
double gwrite(double x) {
  acc[0] = sin(x);
  acc[1] = x * x;
  return readback() + x;
}
