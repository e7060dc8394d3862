/* Bad input for the error tests: an active value flows into a function
 * whose body adc cannot see and that has no derivative rule. */
extern double mystery(double);

double uses_mystery(double x) {
  double y = x * x;
  return mystery(y) + x;
}
