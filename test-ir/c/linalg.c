/* Functions that call adc-runtime's linear algebra (include/adc.h); adc
 * differentiates them in both modes, calling the routines' jvp and
 * aug/vjp rules instead of differentiating into them. */
#include <math.h>
#include "adc.h"

#define NMAX 4

/* C = A B, C = U diag(S) V^T, loss = sum_i (i+1) S_i + <W, U V^T>
 * (gauge invariant). n <= NMAX. */
double svd_of_product(const double *A, const double *B, int64_t n) {
  double C[NMAX * NMAX], U[NMAX * NMAX], S[NMAX], V[NMAX * NMAX], UV[NMAX * NMAX];
  adc_matmul_f64(0, 0, n, n, n, A, n, B, n, C, n);
  adc_svd_f64(n, n, C, n, U, n, S, V, n, 0.0);
  adc_matmul_f64(0, 1, n, n, n, U, n, V, n, UV, n);
  double loss = 0;
  for (int64_t i = 0; i < n; i++) loss += (i + 1) * S[i];
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < n; j++) loss += sin(1.0 + i + 2.0 * j) * UV[i * n + j];
  return loss;
}

/* Eigen, QR, solve and log|det| of one n x n matrix, reduced to a scalar. */
double spectral_mix(const double *A, int64_t n) {
  double E[NMAX], U[NMAX * NMAX], Q[NMAX * NMAX], R[NMAX * NMAX];
  double B[NMAX * 2], X[NMAX * 2], ld;
  adc_eigh_f64(n, A, n, E, U, n, 0.0);
  adc_qr_f64(n, n, A, n, Q, n, R, n);
  for (int64_t i = 0; i < n; i++) {
    B[2 * i] = 1.0 + i;
    B[2 * i + 1] = cos((double)i);
  }
  adc_solve_f64(n, 2, A, n, B, 2, X, 2);
  adc_logdet_f64(n, A, n, &ld);
  double loss = ld;
  for (int64_t i = 0; i < n; i++) {
    loss += (0.5 + i) * E[i] + X[2 * i] - 0.3 * X[2 * i + 1];
    for (int64_t j = 0; j < n; j++)
      loss += sin(i + 3.0 * j) * U[i * n + j] * U[i * n + j] + cos(2.0 * i + j) * (Q[i * n + j] + R[i * n + j]);
  }
  return loss;
}

/* Thin SVD of a complex m x n matrix (m, n <= 3), then a gauge-invariant
 * loss: sum_i c_i S_i + sum w_ij |U_ij|^2 + Re sum conj(W_ij) (U V^H)_ij
 * (the last term exercises the SVD rule's complex gauge term). */
double complex_svd_loss(const adc_c64 *A, int64_t m, int64_t n) {
  adc_c64 U[9], V[9];
  double S[3];
  int64_t k = m < n ? m : n;
  adc_svd_c64(m, n, A, n, U, k, S, V, k, 0.0);
  double loss = 0;
  for (int64_t i = 0; i < k; i++) loss += (1.0 + 0.5 * i) * S[i];
  for (int64_t i = 0; i < m * k; i++) {
    double re = __real__ U[i], im = __imag__ U[i];
    loss += sin(1.0 + i) * (re * re + im * im);
  }
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      double re = 0, im = 0; /* (U V^H)_ij */
      for (int64_t l = 0; l < k; l++) {
        double ur = __real__ U[i * k + l], ui = __imag__ U[i * k + l];
        double vr = __real__ V[j * k + l], vi = __imag__ V[j * k + l];
        re += ur * vr + ui * vi;
        im += ui * vr - ur * vi;
      }
      loss += cos(i + 2.0 * j) * re + sin(2.0 * i - j) * im;
    }
  return loss;
}

/* A chain of three n x n matrices by einsum (n <= NMAX), its trace by
 * einsum, and a sum of squares: loss = tr(ABC) + sum (ABC)_il^2 / 4. */
double einsum_chain(const double *A, const double *B, const double *C, int64_t n) {
  int64_t shape[2] = {n, n};
  double P[NMAX * NMAX], tr;
  adc_einsum_f64("ij,jk,kl->il", A, shape, B, shape, C, shape, P);
  adc_einsum_f64("ii->", P, shape, 0, 0, 0, 0, &tr);
  double loss = tr;
  for (int64_t i = 0; i < n * n; i++) loss += 0.25 * P[i] * P[i];
  return loss;
}
