/* Driver for deep_recursion.c: `MODE DEPTH`, MODE p (primal), f (forward)
 * or r (reverse); prints the value and a central finite difference. */
#include <stdio.h>
#include <stdlib.h>
double deep_rec(double x, int d);
double deep_rec_fwd(double x, double dx, int d);
double deep_rec_grad(double x, int d, double d_ret);
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int d = atoi(argv[2]);
  double x = 0.3, h = 1e-6;
  double v = argv[1][0] == 'p' ? deep_rec(x, d)
             : argv[1][0] == 'f' ? deep_rec_fwd(x, 1.0, d)
                                 : deep_rec_grad(x, d, 1.0);
  double fd = (deep_rec(x + h, d) - deep_rec(x - h, d)) / (2 * h);
  printf("%.12g %.12g\n", v, fd);
  return 0;
}
