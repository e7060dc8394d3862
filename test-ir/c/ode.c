/* An ODE benchmark of the kind Enzyme's ode-real uses, written for adc:
 * the 2-D Brusselator reaction-diffusion system on an n x n periodic grid
 * (the standard formula: u' = B + u^2 v - (A + 1) u + alpha lap(u) + f,
 * v' = A u - u^2 v + alpha lap(v), f a forcing of 5 in a disc from
 * t = 1.1 on), integrated by classical Runge-Kutta with fixed steps.
 * brusselator_rk4 returns a weighted sum of the final state; its gradient
 * is in the parameters p = (A, B, alpha) and the initial state. */
#include <stdlib.h>
#include <string.h>

static double forcing(double x, double y, double t) {
  return (t >= 1.1 && (x - 0.3) * (x - 0.3) + (y - 0.6) * (y - 0.6) <= 0.01) ? 5.0 : 0.0;
}

/* (du, dv) = F(u, v, t): the state is u (n*n values) then v. */
static void brusselator(int n, const double *p, const double *s, double t, double *ds) {
  const double A = p[0], B = p[1], alpha = p[2] * (n - 1) * (n - 1);
  const double *u = s, *v = s + n * n;
  double *du = ds, *dv = ds + n * n;
  for (int i = 0; i < n; i++) {
    int ip = i == n - 1 ? 0 : i + 1, im = i == 0 ? n - 1 : i - 1;
    double x = (double)i / (n - 1);
    for (int j = 0; j < n; j++) {
      int jp = j == n - 1 ? 0 : j + 1, jm = j == 0 ? n - 1 : j - 1;
      double y = (double)j / (n - 1);
      double uij = u[i * n + j], vij = v[i * n + j], u2v = uij * uij * vij;
      double lu = u[im * n + j] + u[ip * n + j] + u[i * n + jp] + u[i * n + jm] - 4 * uij;
      double lv = v[im * n + j] + v[ip * n + j] + v[i * n + jp] + v[i * n + jm] - 4 * vij;
      du[i * n + j] = alpha * lu + B + u2v - (A + 1) * uij + forcing(x, y, t);
      dv[i * n + j] = alpha * lv + A * uij - u2v;
    }
  }
}

double brusselator_rk4(int n, int steps, double t0, double t1, const double *p,
                       const double *s0, const double *weights) {
  int m = 2 * n * n;
  double h = (t1 - t0) / steps;
  double *s = malloc(m * sizeof *s), *tmp = malloc(m * sizeof *tmp);
  double *k1 = malloc(m * sizeof *k1), *k2 = malloc(m * sizeof *k2);
  double *k3 = malloc(m * sizeof *k3), *k4 = malloc(m * sizeof *k4);
  memcpy(s, s0, m * sizeof *s);
  for (int it = 0; it < steps; it++) {
    double t = t0 + it * h;
    brusselator(n, p, s, t, k1);
    for (int i = 0; i < m; i++) tmp[i] = s[i] + 0.5 * h * k1[i];
    brusselator(n, p, tmp, t + 0.5 * h, k2);
    for (int i = 0; i < m; i++) tmp[i] = s[i] + 0.5 * h * k2[i];
    brusselator(n, p, tmp, t + 0.5 * h, k3);
    for (int i = 0; i < m; i++) tmp[i] = s[i] + h * k3[i];
    brusselator(n, p, tmp, t + h, k4);
    for (int i = 0; i < m; i++) s[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  }
  double r = 0;
  for (int i = 0; i < m; i++) r += weights[i] * s[i];
  free(s), free(tmp), free(k1), free(k2), free(k3), free(k4);
  return r;
}
