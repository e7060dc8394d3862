/* Functions whose gradients keep a tape (loops with run-time trip counts),
 * for forward over reverse: adc's gradient, differentiated again in
 * forward mode, gives Hessian-vector products (second_order_main.c). */
#include <math.h>

/* An array function: sum of sin(x_i) x_(i+1) and a log-sum-exp. */
double chain(const double *x, int n) {
  double s = 0, m = 0;
  for (int i = 0; i + 1 < n; i++) s += sin(x[i]) * x[i + 1];
  for (int i = 0; i < n; i++) m += exp(0.1 * x[i]);
  return s + log(m);
}

/* Two scalars: a series whose length depends on an integer argument. */
double series(double x, double y, int terms) {
  double s = 0, t = 1;
  for (int k = 1; k <= terms; k++) {
    t *= x / k;
    s += t * cos(k * y);
  }
  return s * y;
}

/* Rosenbrock's function of four scalars: its Hessian in closed form is
 * d2/dxi2 = 1200 xi^2 - 400 x(i+1) + 2 (+ 200 for i > 0), d2/dxi dx(i+1)
 * = -400 xi (adc check --hessian, three or more inputs: the gradient is
 * returned through a hidden pointer). */
double rosenbrock4(double a, double b, double c, double d) {
  double x[4] = {a, b, c, d}, s = 0;
  for (int i = 0; i < 3; i++)
    s += 100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]);
  return s;
}

/* Rosenbrock's function of an array (n >= 2): its gradient keeps a tape,
 * and vector mode over the gradient gives the Hessian columns in chunks
 * (dense_hessian_taped_main.c). */
double rosenbrock(const double *x, int n) {
  double s = 0;
  for (int i = 0; i + 1 < n; i++) {
    double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
    s += 100 * a * a + b * b;
  }
  return s;
}
