/* Checks the lowered Enzyme call sites of enzyme_style.c against analytic
 * derivatives; exit status 0 when all agree. */
#include <math.h>
#include <stdio.h>

typedef struct { double dx, dy; } grad2;
double d_square(double x);
double t_square(double x);
grad2 d_hyp(double x, double y);
double d_hyp_y_only(double x, double y);
double t_hyp(double x, double dx, double y, double dy);
void d_dot(const double *a, double *da, const double *b, int n);
double t_dot(const double *a, const double *da, const double *b, int n);

static int bad;
static void expect(const char *what, double got, double want) {
  int ok = fabs(got - want) <= 1e-13 * fmax(1.0, fabs(want));
  printf("%-14s %.17g %.17g %s\n", what, got, want, ok ? "ok" : "WRONG");
  bad |= !ok;
}

int main(void) {
  double x = 0.7, y = -1.3;
  double dsq = 2 * x * sin(x) + x * x * cos(x);
  expect("d_square", d_square(x), dsq);
  expect("t_square", t_square(x), dsq);
  double r = sqrt(x * x + y * y), e = exp(-x);
  double hx = x / r * e - r * e, hy = y / r * e;
  grad2 g = d_hyp(x, y);
  expect("d_hyp.dx", g.dx, hx);
  expect("d_hyp.dy", g.dy, hy);
  expect("d_hyp_y_only", d_hyp_y_only(x, y), hy);
  expect("t_hyp", t_hyp(x, 0.5, y, -2.0), 0.5 * hx - 2.0 * hy);
  double a[3] = {0.5, -1.0, 2.0}, b[3] = {1.5, 0.25, -0.75}, da[3] = {0, 0, 0};
  d_dot(a, da, b, 3);
  for (int i = 0; i < 3; i++) expect("d_dot", da[i], 2 * a[i] * b[i]);
  double dir[3] = {1.0, 2.0, -1.0};
  expect("t_dot", t_dot(a, dir, b, 3), 2 * (a[0] * b[0] * 1.0 + a[1] * b[1] * 2.0 - a[2] * b[2]));
  return bad;
}
