/* A right-hand side compiled natively, outside the bitcode adc sees
 * (function_pointers.c, argument `outside`). */
void outside_rhs(const double *x, double *dx, double k) { dx[0] = -k * x[0]; }
