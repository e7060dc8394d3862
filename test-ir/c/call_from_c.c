/* Calls the derivatives adc generated through the prototypes of --header. */
#include <stdio.h>
#include "besselj_fwd.h"

double poor_besselj(int nu, double z);

int main(void) {
  printf("%.17g %.17g\n", poor_besselj(2, 0.5), poor_besselj_fwd(2, 0.5, 1.0));
  return 0;
}
