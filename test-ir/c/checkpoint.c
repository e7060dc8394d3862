/* Time-stepping loops for checkpointed reverse mode (--checkpoint).
 * Built twice by the tests, with -DSUFFIX=_plain (a tape of every step)
 * and -DSUFFIX=_ck (the binomial schedule), so that both gradients link
 * into one driver (checkpoint_main.c). */
#ifndef SUFFIX
#define SUFFIX
#endif
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define NAME(f) CAT(f, SUFFIX)

/* An explicit heat equation in place, with a nonlinear source: the state is
 * u (and the work array), the loop's only header value the step count.
 * The step's inner loops keep a tape of their own. */
double NAME(heat)(double *u, double *work, const double *kappa, long n, long steps) {
  for (long t = 0; t < steps; t++) {
    for (long i = 1; i < n - 1; i++)
      work[i] = u[i] + kappa[i] * (u[i - 1] - 2.0 * u[i] + u[i + 1]) + 1e-3 * __builtin_sin(u[i]);
    for (long i = 1; i < n - 1; i++)
      u[i] = work[i];
  }
  double s = 0;
  for (long i = 0; i < n; i++)
    s += u[i] * u[i];
  return s;
}

/* A damped oscillator by symplectic Euler: the state lives in registers
 * (header phis), the coefficients come from outside the loop, and the
 * final values are used after it. */
double NAME(oscillator)(double x0, double v0, double k, double c, int steps) {
  double x = x0, v = v0, h = 0.01, energy = 0;
  for (int t = 0; t < steps; t++) {
    v = v - h * (k * x + c * v * v * v);
    x = x + h * v;
    energy += h * x * x;
  }
  return x * v + energy;
}

/* Two phases, each checkpointed: a counting-down loop, then one whose
 * steps read a table the function filled before them. */
void NAME(two_phase)(double *y, const double *a, double *table, int n, int steps) {
  for (int i = 0; i < n; i++)
    table[i] = a[i] * a[i];
  for (int t = steps; t > 0; t--)
    for (int i = 0; i < n; i++)
      y[i] = y[i] * 0.999 + 0.01 * __builtin_cos(y[(i + 1) % n]) * table[i];
  for (int t = 0; t < steps; t++)
    for (int i = n - 1; i > 0; i--)
      y[i] += 0.001 * y[i - 1] * y[i - 1];
}

/* A while loop (its trip count is not known at its entry: checkpointed
 * online): a nonlinear diffusion until the step count's square reaches a
 * limit. */
double NAME(relax)(double *u, int n, long limit) {
  long t = 0;
  while (t * t < limit) {
    double prev = u[n - 1];
    for (int i = 0; i < n; i++) {
      double here = u[i];
      u[i] = here + 0.05 * (prev - here) + 0.01 * __builtin_sin(here);
      prev = here;
    }
    t++;
  }
  double s = 0;
  for (int i = 0; i < n; i++)
    s += u[i] * (i + 1);
  return s;
}

/* A loop that may leave early (a break): two ways out, online too. */
double NAME(until_stop)(double *u, int n, int steps, int stop) {
  double e = 0;
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n; i++)
      u[i] = u[i] * 0.9 + 0.1 * __builtin_cos(u[i - 1]);
    e += u[n - 1] * u[n - 1];
    if (t == stop)
      return e + u[0];
  }
  return e;
}
