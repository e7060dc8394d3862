/* Compiled natively, outside what adc sees: a function custom_rules.c
 * differentiates through the rules it registers for it. */
double ext_cube(double x) { return x * x * x; }
