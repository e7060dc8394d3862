/* Times the Brusselator RK4 gradient (test-ir/c/ode.c) against its primal,
 * in the same process: with -DENZYME the gradient is Enzyme's
 * (__enzyme_autodiff, p and the initial state duplicated; built by the
 * clang-16 plugin, this file appended to ode.c), otherwise adc's
 * brusselator_rk4_grad. Best of R calls each; prints "primal_ms
 * gradient_ms d_p[0]". Usage: n steps R [peak]: with "peak", one gradient
 * only (for its peak RSS). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double brusselator_rk4(int n, int steps, double t0, double t1, const double *p,
                       const double *s0, const double *weights);
#ifdef ENZYME
extern int enzyme_dup, enzyme_const;
double __enzyme_autodiff(void *, ...);
#else
void brusselator_rk4_grad(int n, int steps, double t0, double t1, const double *p, double *dp,
                          const double *s0, double *ds0, const double *weights, double d_ret);
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  int n = atoi(argv[1]), steps = atoi(argv[2]), reps = atoi(argv[3]), peak_only = argc > 4;
  int m = 2 * n * n;
  double p[3] = {3.4, 1.0, 0.001}, dp[3];
  double *s0 = malloc(m * sizeof *s0), *ds0 = malloc(m * sizeof *ds0), *w = malloc(m * sizeof *w);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double x = (double)i / (n - 1), y = (double)j / (n - 1);
      s0[i * n + j] = 22 * pow(y * (1 - y), 1.5);
      s0[n * n + i * n + j] = 27 * pow(x * (1 - x), 1.5);
    }
  for (int i = 0; i < m; i++) w[i] = 1.0 + 0.001 * (i % 17);
  double best_p = 1e30, best_g = 1e30;
  for (int r = 0; r < (peak_only ? 1 : reps); r++) {
    double t = now();
    if (!peak_only) {
      volatile double v = brusselator_rk4(n, steps, 0.0, 0.1, p, s0, w);
      (void)v;
      t = now() - t;
      if (t < best_p) best_p = t;
    }
    for (int i = 0; i < 3; i++) dp[i] = 0;
    for (int i = 0; i < m; i++) ds0[i] = 0;
    t = now();
#ifdef ENZYME
    __enzyme_autodiff((void *)brusselator_rk4, enzyme_const, n, enzyme_const, steps,
                      enzyme_const, 0.0, enzyme_const, 0.1, enzyme_dup, p, dp, enzyme_dup, s0,
                      ds0, enzyme_const, w);
#else
    brusselator_rk4_grad(n, steps, 0.0, 0.1, p, dp, s0, ds0, w, 1.0);
#endif
    t = now() - t;
    if (t < best_g) best_g = t;
  }
  printf("%.4f %.4f %.10g\n", best_p * 1e3, best_g * 1e3, dp[0]);
  return 0;
}
