/* Driver for ode.c: the Brusselator RK4 objective's gradient in p = (A, B,
 * alpha) and in the initial state, and its forward derivative along each
 * parameter, against fourth-order central differences (1e-7), on grids of
 * 4 to 16 points a side, with steps across the forcing's switch-on
 * (t = 1.1). Prints "N checks, M failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double brusselator_rk4(int n, int steps, double t0, double t1, const double *p,
                       const double *s0, const double *weights);
void brusselator_rk4_grad(int n, int steps, double t0, double t1, const double *p, double *dp,
                          const double *s0, double *ds0, const double *weights, double d_ret);
double brusselator_rk4_fwd(int n, int steps, double t0, double t1, const double *p,
                           const double *dp, const double *s0, const double *ds0,
                           const double *weights);

static int checks, failed;
static void expect(double got, double want, const char *what, int n, int i) {
  checks++;
  if (!(fabs(got - want) <= 1e-7 * (1 + fabs(want)))) {
    failed++;
    if (failed < 20) printf("FAIL %s n=%d [%d] = %.17g, want %.17g\n", what, n, i, got, want);
  }
}

int main(void) {
  for (int n = 4; n <= 16; n *= 2) {
    int m = 2 * n * n, steps = 8;
    double p[3] = {3.4, 1.0, 0.002}, dp[3] = {0}, tp[3];
    double *s0 = malloc(m * sizeof *s0), *ds0 = calloc(m, sizeof *ds0), *w = malloc(m * sizeof *w);
    double *ts = calloc(m, sizeof *ts);
    for (int i = 0; i < m; i++) {
      s0[i] = 1 + 0.5 * sin(0.3 * i);
      w[i] = 1 + 0.01 * (i % 7);
    }
    double t0 = 1.0, t1 = 1.2;
    brusselator_rk4_grad(n, steps, t0, t1, p, dp, s0, ds0, w, 1.0);
    double h = 1e-4, c[4] = {1, -8, 8, -1}, d[4] = {-2, -1, 1, 2};
    for (int k = 0; k < 3; k++) {
      double fd = 0, q[3];
      for (int t = 0; t < 4; t++) {
        memcpy(q, p, sizeof q);
        q[k] += d[t] * h * fabs(p[k]);
        fd += c[t] * brusselator_rk4(n, steps, t0, t1, q, s0, w);
      }
      fd /= 12 * h * fabs(p[k]);
      expect(dp[k], fd, "d/dp", n, k);
      memset(tp, 0, sizeof tp);
      tp[k] = 1;
      expect(brusselator_rk4_fwd(n, steps, t0, t1, p, tp, s0, ts, w), fd, "tangent p", n, k);
    }
    for (int i = 0; i < m; i += m / 7 + 1) {
      double fd = 0, si = s0[i];
      for (int t = 0; t < 4; t++) {
        s0[i] = si + d[t] * h;
        fd += c[t] * brusselator_rk4(n, steps, t0, t1, p, s0, w);
      }
      s0[i] = si;
      expect(ds0[i], fd / (12 * h), "d/ds0", n, i);
    }
    free(s0), free(ds0), free(w), free(ts);
  }
  printf("%d checks, %d failed\n", checks, failed);
  return failed != 0;
}
