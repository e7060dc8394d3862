/* Numeric code that calls CBLAS level 1 (dot, axpy, scal, nrm2, double and
 * float): adc differentiates it through its BLAS rules, whose derivatives
 * are BLAS calls. blas_main.c checks both modes against finite
 * differences; linked with Debian's reference CBLAS (-lblas). */
#include <cblas.h>
#include <math.h>

/* y = 2x; y += a x; y *= b; |y| + x . y, with strides. */
double blas_chain(const double *x, double *y, int n, double a, double b) {
  cblas_dcopy(n, x, 1, y, 1);
  cblas_dscal(n, 2.0, y, 1);
  cblas_daxpy(n, a, x, 1, y, 1);
  cblas_dscal(n, b, y, 1);
  double s = cblas_dnrm2(n, y, 1) + cblas_ddot(n, x, 1, y, 1);
  /* every other element, in a loop: the rules' tapes in order */
  for (int k = 0; k < 3; k++) {
    cblas_daxpy((n + 1) / 2, 0.5 * k, x, 2, y, 2);
    s += sin(cblas_ddot((n + 1) / 2, y, 2, x, 2));
  }
  return s;
}

float blas_chain_f(const float *x, float *y, int n, float a) {
  for (int i = 0; i < n; i++) y[i] = x[i] * x[i];
  cblas_saxpy(n, a, x, 1, y, 1);
  cblas_sscal(n, a, y, 1);
  return cblas_snrm2(n, y, 1) + cblas_sdot(n, x, 1, y, 1);
}

/* gemv both ways: row-major A (m x n), y = a A x + b y; then column-major,
 * z = A^T y; sum of z and |y|. */
double gemv_chain(const double *A, const double *x, double *y, double *z, int m, int n, double a,
                  double b) {
  cblas_dgemv(CblasRowMajor, CblasNoTrans, m, n, a, A, n, x, 1, b, y, 1);
  cblas_dgemv(CblasColMajor, CblasNoTrans, n, m, 1.0, A, n, y, 1, 0.0, z, 1);
  double s = 0;
  for (int i = 0; i < n; i++) s += z[i] * z[i];
  return s + cblas_dnrm2(m, y, 1);
}

float gemv_chain_f(const float *A, const float *x, float *y, int m, int n, float a, float b) {
  cblas_sgemv(CblasRowMajor, CblasTrans, m, n, a, A, n, x, 1, b, y, 1);
  return cblas_sdot(n, y, 1, y, 1);
}

/* gemm every way: C = a A B + b C row-major (A m x k, B k x n); then
 * column-major D = A^T C (A read column-major is k x m, C read
 * column-major is n x m, transposed); then D += 0.5 B^T A^T row-major
 * (both transposed). The sum of squares of D plus the sum of C. */
double gemm_chain(const double *A, const double *B, double *C, double *D, int m, int n, int k,
                  double a, double b) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, a, A, k, B, n, b, C, n);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, k, n, m, 1.0, A, k, C, n, 0.0, D, k);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, n, m, k, 0.5, B, n, A, k, 1.0, D, m);
  double s = 0;
  for (int i = 0; i < k * n; i++) s += D[i] * D[i];
  for (int i = 0; i < m * n; i++) s += C[i];
  return s;
}

float gemm_chain_f(const float *A, const float *B, float *C, int m, int n, int k, float a,
                   float b) {
  cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, m, n, k, a, A, k, B, k, b, C, m);
  float s = 0;
  for (int i = 0; i < m * n; i++) s += C[i] * C[i];
  return s;
}
