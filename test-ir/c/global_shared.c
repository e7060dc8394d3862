/* A global written with an active value while the function calls code adc
 * cannot see (`report`, defined elsewhere, might read or write `acc`): its
 * derivative could escape through that call, so adc refuses it. */
#include <math.h>
double acc[2];
void report(void);
double gwrite(double x) {
  acc[0] = sin(x);
  acc[1] = x * x;
  report();
  return acc[0] * acc[1] + x;
}
