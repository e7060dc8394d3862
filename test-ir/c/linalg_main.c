/* Checks adc's derivatives of linalg.c (which call adc-runtime) against a
 * 6th-order central finite difference: the reverse gradient for every input
 * entry, the forward derivative along two directions. Exit 0 when all agree. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "adc.h"

double svd_of_product(const double *A, const double *B, int64_t n);
void svd_of_product_grad(const double *A, double *dA, const double *B, double *dB, int64_t n, double d_ret);
double svd_of_product_fwd(const double *A, const double *dA, const double *B, const double *dB, int64_t n);
double spectral_mix(const double *A, int64_t n);
void spectral_mix_grad(const double *A, double *dA, int64_t n, double d_ret);
double spectral_mix_fwd(const double *A, const double *dA, int64_t n);
double complex_svd_loss(const adc_c64 *A, int64_t m, int64_t n);
void complex_svd_loss_grad(const adc_c64 *A, adc_c64 *dA, int64_t m, int64_t n, double d_ret);
double complex_svd_loss_fwd(const adc_c64 *A, const adc_c64 *dA, int64_t m, int64_t n);

double einsum_chain(const double *A, const double *B, const double *C, int64_t n);
void einsum_chain_grad(const double *A, double *dA, const double *B, double *dB, const double *C, double *dC,
                       int64_t n, double d_ret);
double einsum_chain_fwd(const double *A, const double *dA, const double *B, const double *dB, const double *C,
                        const double *dC, int64_t n);

static double worst;
static int checked;

static void expect(const char *what, double got, double want) {
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (err > worst) worst = err;
  checked++;
  if (err > 1e-7) printf("%s: adc %.15g, finite difference %.15g\n", what, got, want);
}

/* The kernel as a function of its flat double inputs x[0..len). */
typedef double (*loss_fn)(const double *x);
static int64_t N, M;
static double *B_fixed;
static double f_svd(const double *x) { return svd_of_product(x, x + N * N, N); }
static double f_spec(const double *x) { return spectral_mix(x, N); }
static double f_cplx(const double *x) { return complex_svd_loss((const adc_c64 *)x, M, N); }

static double f_ein(const double *x) { return einsum_chain(x, x + N * N, x + 2 * N * N, N); }

static double fd(loss_fn f, double *x, int len, const double *dir) {
  static const double w[] = {-1, 9, -45, 0, 45, -9, 1};
  double h = 1e-3, s = 0, y[32];
  for (int k = -3; k <= 3; k++) {
    if (k == 0) continue;
    for (int i = 0; i < len; i++) y[i] = x[i] + k * h * dir[i];
    s += w[k + 3] * f(y);
  }
  (void)B_fixed;
  return s / (60 * h);
}

static void check(const char *name, loss_fn f, double *x, int len, double *grad, double (*fwd)(const double *, const double *)) {
  double e[32], dir[32];
  for (int i = 0; i < len; i++) {
    memset(e, 0, sizeof e);
    e[i] = 1;
    char what[64];
    snprintf(what, sizeof what, "%s reverse [%d]", name, i);
    expect(what, grad[i], fd(f, x, len, e));
  }
  for (int d = 0; d < 2; d++) {
    for (int i = 0; i < len; i++) dir[i] = sin(1.3 * i + 0.7 * d + 0.2);
    char what[64];
    snprintf(what, sizeof what, "%s forward dir %d", name, d);
    expect(what, fwd(x, dir), fd(f, x, len, dir));
  }
}

static double fwd_svd(const double *x, const double *d) { return svd_of_product_fwd(x, d, x + N * N, d + N * N, N); }
static double fwd_spec(const double *x, const double *d) { return spectral_mix_fwd(x, d, N); }
static double fwd_ein(const double *x, const double *d) {
  return einsum_chain_fwd(x, d, x + N * N, d + N * N, x + 2 * N * N, d + 2 * N * N, N);
}
static double fwd_cplx(const double *x, const double *d) {
  return complex_svd_loss_fwd((const adc_c64 *)x, (const adc_c64 *)d, M, N);
}

int main(void) {
  double x[32], g[32];
  /* matmul then SVD, n = 3 */
  N = 3;
  for (int i = 0; i < 2 * N * N; i++) x[i] = sin(0.9 * i + 0.4) + (i % 4 == 0 ? 1.0 : 0.0);
  memset(g, 0, sizeof g);
  svd_of_product_grad(x, g, x + N * N, g + N * N, N, 1.0);
  check("svd_of_product", f_svd, x, 2 * N * N, g, fwd_svd);
  /* eigen + QR + solve + logdet, n = 4 */
  N = 4;
  for (int i = 0; i < N * N; i++) x[i] = 0.5 * sin(1.7 * i + 0.1) + (i % (N + 1) == 0 ? 2.0 : 0.0);
  memset(g, 0, sizeof g);
  spectral_mix_grad(x, g, N, 1.0);
  check("spectral_mix", f_spec, x, N * N, g, fwd_spec);
  /* complex SVD, tall 3 x 2 and wide 2 x 3 */
  for (int shape = 0; shape < 2; shape++) {
    M = shape ? 2 : 3;
    N = shape ? 3 : 2;
    for (int i = 0; i < 2 * M * N; i++) x[i] = cos(1.1 * i + 0.3 * shape);
    memset(g, 0, sizeof g);
    complex_svd_loss_grad((const adc_c64 *)x, (adc_c64 *)g, M, N, 1.0);
    check(shape ? "complex_svd 2x3" : "complex_svd 3x2", f_cplx, x, 2 * M * N, g, fwd_cplx);
  }
  /* einsum chain and trace, n = 3 */
  N = 3;
  for (int i = 0; i < 3 * N * N; i++) x[i] = 0.6 * sin(0.8 * i + 0.5);
  memset(g, 0, sizeof g);
  einsum_chain_grad(x, g, x + N * N, g + N * N, x + 2 * N * N, g + 2 * N * N, N, 1.0);
  check("einsum_chain", f_ein, x, 3 * N * N, g, fwd_ein);
  printf("%d derivatives checked, worst relative error %.2e\n", checked, worst);
  return worst > 1e-7;
}
