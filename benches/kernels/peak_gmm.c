/* One GMM gradient (d = 10, K = 25, n points from argv[1]), for measuring
 * the tape's peak heap with valgrind's massif (scripts/bench). Parameters,
 * their gradients and the data take 8 (2 (K + K d + K d (d+1)/2) + n d)
 * bytes; the rest of the peak is the tape. */
#include <stdio.h>
#include <stdlib.h>

void gmm_objective_grad(int d, int k, int n, const double *alphas, double *d_alphas,
                        const double *means, double *d_means, const double *icf, double *d_icf,
                        const double *x, double wishart_gamma, int wishart_m);

int main(int argc, char **argv) {
  const int d = 10, k = 25, icf_sz = d * (d + 1) / 2;
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  double *a = malloc(k * sizeof *a), *mu = malloc(k * d * sizeof *mu),
         *icf = malloc(k * icf_sz * sizeof *icf), *x = malloc(n * d * sizeof *x);
  double *da = calloc(k, sizeof *da), *dmu = calloc(k * d, sizeof *dmu),
         *dicf = calloc(k * icf_sz, sizeof *dicf);
  for (int i = 0; i < k; i++) a[i] = 0.01 * i;
  for (int i = 0; i < k * d; i++) mu[i] = 0.003 * i;
  for (int i = 0; i < k * icf_sz; i++) icf[i] = 0.0001 * i;
  for (int i = 0; i < n * d; i++) x[i] = 0.0007 * i;
  gmm_objective_grad(d, k, n, a, da, mu, dmu, icf, dicf, x, 1.0, 0);
  fprintf(stderr, "%g\n", da[0] + dmu[0] + dicf[0]);
  free(a), free(mu), free(icf), free(x), free(da), free(dmu), free(dicf);
  return 0;
}
