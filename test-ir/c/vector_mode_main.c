/* Vector mode against N scalar forward calls (bit for bit: the same
 * operations) and against central differences. Linked with the module adc
 * wrote with both `FN_fwd` and `FN_fwd4`. */
#include <math.h>
#include <stdio.h>
#include <string.h>

double series(const double *x, int n);
void smooth(const double *x, double *y, int n);
double work(const double *x, int n);
double stack_and_call(double a, double b, double c);
double series_fwd(const double *x, const double *dx, int n);
void smooth_fwd(const double *x, const double *dx, double *y, double *dy, int n);
double work_fwd(const double *x, const double *dx, int n);
double stack_and_call_fwd(double a, double da, double b, double db, double c, double dc);
void series_fwd4(const double *x, const double *d0, const double *d1, const double *d2,
                 const double *d3, int n, double *d_ret);
void smooth_fwd4(const double *x, const double *d0, const double *d1, const double *d2,
                 const double *d3, double *y, double *e0, double *e1, double *e2,
                 double *e3, int n);
void work_fwd4(const double *x, const double *d0, const double *d1, const double *d2,
               const double *d3, int n, double *d_ret);
void stack_and_call_fwd4(double a, double a0, double a1, double a2, double a3, double b,
                         double b0, double b1, double b2, double b3, double c, double c0,
                         double c1, double c2, double c3, double *d_ret);

#define N 7
static int checks, failed;

static void same(const char *what, int lane, double got, double want) {
  checks++;
  if (memcmp(&got, &want, sizeof got) != 0) {
    failed++;
    printf("%s lane %d: %.17g, scalar forward %.17g\n", what, lane, got, want);
  }
}

static void close_to(const char *what, int lane, double got, double want) {
  checks++;
  if (fabs(got - want) > 1e-6 * (1.0 + fabs(want))) {
    failed++;
    printf("%s lane %d: %.17g, central difference %.17g\n", what, lane, got, want);
  }
}

static double series_at(const double *x, const double *d, double h) {
  double y[N];
  for (int i = 0; i < N; i++) y[i] = x[i] + h * d[i];
  return series(y, N);
}
static double work_at(const double *x, const double *d, double h) {
  double y[N];
  for (int i = 0; i < N; i++) y[i] = x[i] + h * d[i];
  return work(y, N);
}

int main(void) {
  const double h = 1e-5;
  for (int trial = 0; trial < 20; trial++) {
    double x[N], d[4][N];
    for (int i = 0; i < N; i++) {
      x[i] = sin(1.3 * i + 0.7 * trial) + 0.1 * trial;
      for (int k = 0; k < 4; k++) d[k][i] = cos(0.9 * i + 1.7 * k + trial);
    }
    double t[4];
    series_fwd4(x, d[0], d[1], d[2], d[3], N, t);
    for (int k = 0; k < 4; k++) {
      same("series", k, t[k], series_fwd(x, d[k], N));
      close_to("series", k, t[k],
               (series_at(x, d[k], h) - series_at(x, d[k], -h)) / (2 * h));
    }
    work_fwd4(x, d[0], d[1], d[2], d[3], N, t);
    for (int k = 0; k < 4; k++) {
      same("work", k, t[k], work_fwd(x, d[k], N));
      close_to("work", k, t[k], (work_at(x, d[k], h) - work_at(x, d[k], -h)) / (2 * h));
    }
    double y[N], e[4][N], ys[N], es[N];
    smooth_fwd4(x, d[0], d[1], d[2], d[3], y, e[0], e[1], e[2], e[3], N);
    for (int k = 0; k < 4; k++) {
      smooth_fwd(x, d[k], ys, es, N);
      for (int i = 0; i < N; i++) {
        same("smooth", k, e[k][i], es[i]);
        same("smooth primal", k, y[i], ys[i]);
      }
    }
    double a = x[0], b = x[1], c = x[2] + 2.0;
    stack_and_call_fwd4(a, d[0][0], d[1][0], d[2][0], d[3][0], b, d[0][1], d[1][1], d[2][1],
                        d[3][1], c, d[0][2], d[1][2], d[2][2], d[3][2], t);
    for (int k = 0; k < 4; k++) {
      same("stack_and_call", k, t[k],
           stack_and_call_fwd(a, d[k][0], b, d[k][1], c, d[k][2]));
      double fp = stack_and_call(a + h * d[k][0], b + h * d[k][1], c + h * d[k][2]);
      double fm = stack_and_call(a - h * d[k][0], b - h * d[k][1], c - h * d[k][2]);
      close_to("stack_and_call", k, t[k], (fp - fm) / (2 * h));
    }
  }
  printf("%d checks, %d failed\n", checks, failed);
  return failed != 0;
}
