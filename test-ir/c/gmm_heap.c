/* The ADBench GMM objective (as gmm.c, from its published formula) laid
 * out as ADBench's C++ does: helper functions, work arrays on the heap,
 * the result stored through an output pointer that might alias the inputs.
 * Parameters: alphas[K], means[K*d], icf[K*(d + d(d-1)/2)]; data x[n*d];
 * Wishart prior (gamma, m). */
#include <math.h>
#include <stdlib.h>

static double arr_max(int n, const double *x) {
  double m = x[0];
  for (int i = 1; i < n; i++)
    if (m < x[i]) m = x[i];
  return m;
}

static double sqnorm(int n, const double *x) {
  double r = 0;
  for (int i = 0; i < n; i++) r += x[i] * x[i];
  return r;
}

static void subtract(int d, const double *x, const double *y, double *out) {
  for (int i = 0; i < d; i++) out[i] = x[i] - y[i];
}

static double logsumexp(int n, const double *x) {
  double mx = arr_max(n, x), s = 0;
  for (int i = 0; i < n; i++) s += exp(x[i] - mx);
  return log(s) + mx;
}

/* out = Q x: Q's diagonal, then its strictly lower part column by column. */
static void Qtimesx(int d, const double *Qdiag, const double *ltri, const double *x, double *out) {
  for (int id = 0; id < d; id++) out[id] = Qdiag[id] * x[id];
  int l = 0;
  for (int i = 0; i < d; i++)
    for (int j = i + 1; j < d; j++) out[j] += ltri[l++] * x[i];
}

void gmm_heap(int d, int k, int n, const double *alphas, const double *means, const double *icf,
              const double *x, double gamma, int m, double *err) {
  int icf_sz = d * (d + 1) / 2;
  double *Qdiags = malloc(d * k * sizeof(double)), *sum_qs = malloc(k * sizeof(double));
  double *xc = malloc(d * sizeof(double)), *Qxc = malloc(d * sizeof(double));
  double *main_term = malloc(k * sizeof(double));
  for (int ik = 0; ik < k; ik++) {
    sum_qs[ik] = 0;
    for (int id = 0; id < d; id++) {
      sum_qs[ik] += icf[ik * icf_sz + id];
      Qdiags[ik * d + id] = exp(icf[ik * icf_sz + id]);
    }
  }
  double slse = 0;
  for (int ix = 0; ix < n; ix++) {
    for (int ik = 0; ik < k; ik++) {
      subtract(d, &x[ix * d], &means[ik * d], xc);
      Qtimesx(d, &Qdiags[ik * d], &icf[ik * icf_sz + d], xc, Qxc);
      main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sqnorm(d, Qxc);
    }
    slse += logsumexp(k, main_term);
  }
  double lse_alphas = logsumexp(k, alphas);
  double prior = 0;
  for (int ik = 0; ik < k; ik++) {
    double frob = sqnorm(d, &Qdiags[ik * d]) + sqnorm(icf_sz - d, &icf[ik * icf_sz + d]);
    prior += 0.5 * gamma * gamma * frob - m * sum_qs[ik];
  }
  *err = -n * d * 0.5 * log(2 * M_PI) + slse - n * lse_alphas + prior;
  free(Qdiags), free(sum_qs), free(xc), free(Qxc), free(main_term);
}
