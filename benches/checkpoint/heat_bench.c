/* Times the heat equation of test-ir/c/checkpoint.c (in place, n cells,
 * T steps): its primal, its plain gradient (a tape of every step) and its
 * checkpointed gradient (heat_ck_grad, --checkpoint). Usage:
 *   heat_bench primal|plain|ck N T   -> prints "seconds checksum"
 * Each run starts from the same state; the best of `reps` runs is printed
 * (reps = 3 for the primal, 1 otherwise). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double heat_plain(double *u, double *work, const double *kappa, long n, long steps);
void heat_plain_grad(double *u, double *du, double *w, double *dw, const double *k, double *dk, long n,
                     long steps, double d_ret);
void heat_ck_grad(double *u, double *du, double *w, double *dw, const double *k, double *dk, long n,
                  long steps, double d_ret);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: heat_bench primal|plain|ck N T\n");
    return 2;
  }
  const char *which = argv[1];
  long n = atol(argv[2]), steps = atol(argv[3]);
  double *u0 = malloc(n * 8), *k = malloc(n * 8), *u = malloc(n * 8), *w = calloc(n, 8);
  double *du = calloc(n, 8), *dw = calloc(n, 8), *dk = calloc(n, 8);
  for (long i = 0; i < n; i++) {
    u0[i] = sin(0.1 * i) + 0.5;
    k[i] = 0.2 + 0.05 * cos(0.3 * i);
  }
  int primal = strcmp(which, "primal") == 0, reps = primal ? 3 : 1;
  double best = 1e300, check = 0;
  for (int r = 0; r < reps; r++) {
    memcpy(u, u0, n * 8);
    memset(du, 0, n * 8), memset(dw, 0, n * 8), memset(dk, 0, n * 8);
    double t0 = now();
    if (primal)
      check = heat_plain(u, w, k, n, steps);
    else if (strcmp(which, "plain") == 0)
      heat_plain_grad(u, du, w, dw, k, dk, n, steps, 1.0);
    else
      heat_ck_grad(u, du, w, dw, k, dk, n, steps, 1.0);
    double t = now() - t0;
    if (t < best) best = t;
    if (!primal) check = du[n / 2] + dk[n / 3];
  }
  printf("%.6f %.17g\n", best, check);
  return 0;
}
