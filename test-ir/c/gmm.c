/* The ADBench Gaussian mixture model objective, written from its published
 * formula: the negative log-likelihood of n points in d dimensions under K
 * Gaussians with precision factors Q_k (exp of icf's first d entries on the
 * diagonal, the rest strictly below it, column by column) plus a Wishart prior.
 * Parameters: alphas[K], means[K*d], icf[K*(d + d(d-1)/2)]; data x[n*d]. */
#include <math.h>

static double logsumexp(const double *v, int n) {
  double mx = v[0];
  for (int i = 1; i < n; i++) mx = fmax(mx, v[i]);
  double s = 0;
  for (int i = 0; i < n; i++) s += exp(v[i] - mx);
  return log(s) + mx;
}

static double log_gamma_distrib(double a, int p) {
  double out = 0.25 * p * (p - 1) * log(M_PI);
  for (int j = 1; j <= p; j++) out += lgamma(a + 0.5 * (1 - j));
  return out;
}

double gmm_objective(int d, int k, int n, const double *alphas, const double *means,
                     const double *icf, const double *x, double wishart_gamma, int wishart_m) {
  const int icf_sz = d * (d + 1) / 2;
  double qdiags[64 * 16], sum_qs[64], xcentered[64], qx[64], main_term[64];
  for (int ik = 0; ik < k; ik++) {
    sum_qs[ik] = 0;
    for (int id = 0; id < d; id++) {
      sum_qs[ik] += icf[ik * icf_sz + id];
      qdiags[ik * d + id] = exp(icf[ik * icf_sz + id]);
    }
  }
  double slse = 0;
  for (int ix = 0; ix < n; ix++) {
    for (int ik = 0; ik < k; ik++) {
      for (int id = 0; id < d; id++) xcentered[id] = x[ix * d + id] - means[ik * d + id];
      /* qx = Q_k xcentered: diagonal, then the strictly lower part by columns */
      for (int id = 0; id < d; id++) qx[id] = qdiags[ik * d + id] * xcentered[id];
      int lparams = ik * icf_sz + d;
      for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) qx[j] += icf[lparams++] * xcentered[i];
      double sq = 0;
      for (int id = 0; id < d; id++) sq += qx[id] * qx[id];
      main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sq;
    }
    slse += logsumexp(main_term, k);
  }
  double lse_alphas = logsumexp(alphas, k);
  /* Wishart prior */
  int n_ = d + wishart_m + 1;
  double prior = 0;
  for (int ik = 0; ik < k; ik++) {
    double frob = 0;
    for (int id = 0; id < d; id++) frob += qdiags[ik * d + id] * qdiags[ik * d + id];
    for (int i = d; i < icf_sz; i++) frob += icf[ik * icf_sz + i] * icf[ik * icf_sz + i];
    prior += 0.5 * wishart_gamma * wishart_gamma * frob - wishart_m * sum_qs[ik];
  }
  double c = n_ * d * (log(wishart_gamma) - 0.5 * log(2.0)) - log_gamma_distrib(0.5 * n_, d);
  prior -= k * c;
  const double constant = -n * d * 0.5 * log(2 * M_PI);
  return constant + slse - n * lse_alphas + prior;
}
