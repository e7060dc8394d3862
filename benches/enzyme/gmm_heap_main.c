/* Times one GMM (test-ir/c/gmm_heap.c) gradient against its primal, in the
 * same process: with -DENZYME the gradient is Enzyme's (__enzyme_autodiff,
 * built by the clang-16 plugin, this file appended to gmm_heap.c),
 * otherwise adc's gmm_heap_grad. Best of R
 * calls each; prints "primal_ms gradient_ms d_icf[3]". scripts/bench runs
 * both builds and adds their peak RSS (one gradient). Usage: d k n R [peak]. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void gmm_heap(int d, int k, int n, const double *alphas, const double *means, const double *icf,
              const double *x, double gamma, int m, double *err);
#ifdef ENZYME
extern int enzyme_dup, enzyme_const, enzyme_dupnoneed;
void __enzyme_autodiff(void *, ...);
#else
void gmm_heap_grad(int d, int k, int n, const double *alphas, double *d_alphas, const double *means,
                   double *d_means, const double *icf, double *d_icf, const double *x, double gamma,
                   int m, double *err, double *d_err);
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double uniform(unsigned *s) {
  *s = *s * 1664525u + 1013904223u;
  return (*s >> 8) / 16777216.0 - 0.5;
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  int d = atoi(argv[1]), k = atoi(argv[2]), n = atoi(argv[3]), reps = atoi(argv[4]);
  int peak_only = argc > 5, icf_sz = d * (d + 1) / 2;
  double *a = malloc(k * sizeof *a), *mu = malloc(k * d * sizeof *mu);
  double *icf = malloc(k * icf_sz * sizeof *icf), *x = malloc(n * d * sizeof *x);
  double *da = calloc(k, sizeof *da), *dmu = calloc(k * d, sizeof *dmu);
  double *dicf = calloc(k * icf_sz, sizeof *dicf);
  unsigned s = 1;
  for (int i = 0; i < k; i++) a[i] = uniform(&s);
  for (int i = 0; i < k * d; i++) mu[i] = uniform(&s);
  for (int i = 0; i < k * icf_sz; i++) icf[i] = 0.2 * uniform(&s);
  for (int i = 0; i < n * d; i++) x[i] = uniform(&s);
  double best_p = 1e30, best_g = 1e30;
  for (int r = 0; r < (peak_only ? 1 : reps); r++) {
    double err = 0, derr = 1, t = now();
    if (!peak_only) {
      gmm_heap(d, k, n, a, mu, icf, x, 1.0, 0, &err);
      t = now() - t;
      if (t < best_p) best_p = t;
      t = now();
    }
#ifdef ENZYME
    __enzyme_autodiff((void *)gmm_heap, enzyme_const, d, enzyme_const, k, enzyme_const, n,
                      enzyme_dup, a, da, enzyme_dup, mu, dmu, enzyme_dup, icf, dicf, enzyme_const,
                      x, enzyme_const, 1.0, enzyme_const, 0, enzyme_dupnoneed, &err, &derr);
#else
    gmm_heap_grad(d, k, n, a, da, mu, dmu, icf, dicf, x, 1.0, 0, &err, &derr);
#endif
    t = now() - t;
    if (t < best_g) best_g = t;
  }
  printf("%.4f %.4f %.10g\n", peak_only ? 0 : best_p * 1e3, best_g * 1e3,
         dicf[3] / (peak_only ? 1 : reps));
  return 0;
}
