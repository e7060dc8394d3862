/* Hand-written GMM gradient, the baseline of the gmm_heap benchmark
 * (benches/kernels.toml) and an analytic check of adc's gradient
 * (test-ir/c/gmm_heap_main.c). */
#include <math.h>
#include <stdlib.h>

/* The gradient of test-ir/c/gmm_heap.c's objective in alphas, means and icf
 * (adc's gmm_heap_grad signature with x, gamma and m constant), derived by
 * hand from the formula: with xc = x_i - mu_k, y = Q_k xc and
 * beta_ik = alpha_k + sum_j q_kj - |y|^2 / 2, the objective is
 * sum_i lse_k(beta_ik) - n lse(alpha) + prior + const, and with the weights
 * w_ik = softmax_k(beta_ik) and g = -w_ik y:
 *   d alpha_k += w_ik,   d q_kj += w_ik + g_j exp(q_kj) xc_j,
 *   d L_k[r][c] += g_r xc_c,   d mu_k -= Q_k^T g.
 * Two passes per point: the first computes y for every component and the
 * weights, the second accumulates. It also writes the objective to *err,
 * as the generated gradient does. */
void gmm_heap_manual_grad(int d, int k, int n, const double *alphas, double *d_alphas,
                          const double *means, double *d_means, const double *icf,
                          double *d_icf, const double *x, double gamma, int m, double *err,
                          double *d_err) {
  const int icf_sz = d * (d + 1) / 2;
  const double seed = *d_err;
  double *qd = malloc(sizeof(double) * k * d), *sum_q = malloc(sizeof(double) * k);
  double *xc = malloc(sizeof(double) * k * d), *y = malloc(sizeof(double) * k * d);
  double *beta = malloc(sizeof(double) * k), *g = malloc(sizeof(double) * d);
  for (int c = 0; c < k; c++) {
    sum_q[c] = 0;
    for (int j = 0; j < d; j++) {
      sum_q[c] += icf[c * icf_sz + j];
      qd[c * d + j] = exp(icf[c * icf_sz + j]);
    }
  }
  double slse = 0;
  for (int i = 0; i < n; i++) {
    double mx = -INFINITY;
    for (int c = 0; c < k; c++) {
      const double *q = &qd[c * d], *lt = &icf[c * icf_sz + d];
      double *xcc = &xc[c * d], *yc = &y[c * d];
      for (int j = 0; j < d; j++) xcc[j] = x[i * d + j] - means[c * d + j];
      for (int j = 0; j < d; j++) yc[j] = q[j] * xcc[j];
      int l = 0;
      for (int r = 0; r < d; r++)
        for (int s = r + 1; s < d; s++) yc[s] += lt[l++] * xcc[r];
      double sq = 0;
      for (int j = 0; j < d; j++) sq += yc[j] * yc[j];
      beta[c] = alphas[c] + sum_q[c] - 0.5 * sq;
      if (beta[c] > mx) mx = beta[c];
    }
    double se = 0;
    for (int c = 0; c < k; c++) se += exp(beta[c] - mx);
    slse += log(se) + mx;
    for (int c = 0; c < k; c++) {
      const double w = exp(beta[c] - mx) / se * seed;
      const double *q = &qd[c * d], *lt = &icf[c * icf_sz + d];
      const double *xcc = &xc[c * d], *yc = &y[c * d];
      double *dq = &d_icf[c * icf_sz], *dlt = &d_icf[c * icf_sz + d], *dmu = &d_means[c * d];
      d_alphas[c] += w;
      for (int j = 0; j < d; j++) {
        g[j] = -w * yc[j];
        dq[j] += w + g[j] * q[j] * xcc[j];
        dmu[j] -= g[j] * q[j];
      }
      int l = 0;
      for (int r = 0; r < d; r++) {
        double acc = 0;
        for (int s = r + 1; s < d; s++, l++) {
          dlt[l] += g[s] * xcc[r];
          acc += lt[l] * g[s];
        }
        dmu[r] -= acc;
      }
    }
  }
  double amx = -INFINITY, ase = 0;
  for (int c = 0; c < k; c++) amx = alphas[c] > amx ? alphas[c] : amx;
  for (int c = 0; c < k; c++) ase += exp(alphas[c] - amx);
  double prior = 0;
  for (int c = 0; c < k; c++) {
    d_alphas[c] -= n * exp(alphas[c] - amx) / ase * seed;
    double frob = 0;
    for (int j = 0; j < d; j++) {
      frob += qd[c * d + j] * qd[c * d + j];
      d_icf[c * icf_sz + j] += (gamma * gamma * qd[c * d + j] * qd[c * d + j] - m) * seed;
    }
    for (int l = d; l < icf_sz; l++) {
      frob += icf[c * icf_sz + l] * icf[c * icf_sz + l];
      d_icf[c * icf_sz + l] += gamma * gamma * icf[c * icf_sz + l] * seed;
    }
    prior += 0.5 * gamma * gamma * frob - m * sum_q[c];
  }
  *err = -n * d * 0.5 * log(2 * M_PI) + slse - n * (log(ase) + amx) + prior;
  free(qd), free(sum_q), free(xc), free(y), free(beta), free(g);
}
