/* Driver for blas_calls.c: adc's gradients and tangents of the CBLAS-calling
 * functions against central finite differences. Exit 1 on a mismatch. */
#include <math.h>
#include <stdio.h>
#include <string.h>

double blas_chain(const double *x, double *y, int n, double a, double b);
float blas_chain_f(const float *x, float *y, int n, float a);
/* reverse: x, dx, y, dy, n, a, b, d_ret -> (da, db) */
typedef struct { double da, db; } ab;
ab blas_chain_grad(const double *x, double *dx, double *y, double *dy, int n, double a, double b,
                   double d_ret);
double blas_chain_fwd(const double *x, const double *tx, double *y, double *ty, int n, double a,
                      double ta, double b, double tb);
float blas_chain_f_grad(const float *x, float *dx, float *y, float *dy, int n, float a, float d_ret);
float blas_chain_f_fwd(const float *x, const float *tx, float *y, float *ty, int n, float a, float ta);

typedef struct { double da, db; } ab2;
double gemv_chain(const double *A, const double *x, double *y, double *z, int m, int n, double a,
                  double b);
ab2 gemv_chain_grad(const double *A, double *dA, const double *x, double *dx, double *y,
                    double *dy, double *z, double *dz, int m, int n, double a, double b,
                    double d_ret);
double gemv_chain_fwd(const double *A, const double *tA, const double *x, const double *tx,
                      double *y, double *ty, double *z, double *tz, int m, int n, double a,
                      double ta, double b, double tb);
float gemv_chain_f(const float *A, const float *x, float *y, int m, int n, float a, float b);
typedef struct { float da, db; } fab;
fab gemv_chain_f_grad(const float *A, float *dA, const float *x, float *dx, float *y, float *dy,
                      int m, int n, float a, float b, float d_ret);
double gemm_chain(const double *A, const double *B, double *C, double *D, int m, int n, int k,
                  double a, double b);
ab2 gemm_chain_grad(const double *A, double *dA, const double *B, double *dB, double *C,
                    double *dC, double *D, double *dD, int m, int n, int k, double a, double b,
                    double d_ret);
double gemm_chain_fwd(const double *A, const double *tA, const double *B, const double *tB,
                      double *C, double *tC, double *D, double *tD, int m, int n, int k, double a,
                      double ta, double b, double tb);
float gemm_chain_f(const float *A, const float *B, float *C, int m, int n, int k, float a, float b);
fab gemm_chain_f_grad(const float *A, float *dA, const float *B, float *dB, float *C, float *dC,
                      int m, int n, int k, float a, float b, float d_ret);
float gemm_chain_f_fwd(const float *A, const float *tA, const float *B, const float *tB, float *C,
                       float *tC, int m, int n, int k, float a, float ta, float b, float tb);
#define N 7
static int bad, checked;
static void check(const char *what, double got, double want, double tol) {
  checked++;
  if (!(fabs(got - want) <= tol * fmax(1, fabs(want)))) {
    printf("%s: got %.15g want %.15g\n", what, got, want);
    bad++;
  }
}
static double f_at(const double *x0, int j, double a, double b, double h) {
  double x[N], y[N];
  memcpy(x, x0, sizeof x);
  if (j < N) x[j] += h;
  if (j == N) a += h;
  if (j == N + 1) b += h;
  return blas_chain(x, y, N, a, b);
}
static float g_at(const float *x0, int j, float a, float h) {
  float x[N], y[N];
  memcpy(x, x0, sizeof x);
  if (j < N) x[j] += h;
  if (j == N) a += h;
  return blas_chain_f(x, y, N, a);
}

int main(void) {
  double x[N], y[N], dx[N] = {0}, dy[N] = {0}, a = 0.7, b = -1.3;
  for (int i = 0; i < N; i++) x[i] = sin(0.9 * i + 0.2);
  ab g = blas_chain_grad(x, dx, y, dy, N, a, b, 1.0);
  double h = 1e-6;
  for (int j = 0; j < N + 2; j++) {
    double fd = (f_at(x, j, a, b, h) - f_at(x, j, a, b, -h)) / (2 * h);
    double rev = j < N ? dx[j] : j == N ? g.da : g.db;
    check("reverse", rev, fd, 1e-7);
    double tx[N] = {0}, ty[N] = {0};
    if (j < N) tx[j] = 1;
    double t = blas_chain_fwd(x, tx, y, ty, N, a, j == N, b, j == N + 1);
    check("forward", t, fd, 1e-7);
  }
  float xf[N], yf[N], dxf[N] = {0}, dyf[N] = {0}, af = 0.6f;
  for (int i = 0; i < N; i++) xf[i] = (float)cos(0.7 * i);
  float gaf = blas_chain_f_grad(xf, dxf, yf, dyf, N, af, 1.0f);
  for (int j = 0; j < N + 1; j++) {
    float hf = 1e-2f;
    double fd = (g_at(xf, j, af, hf) - g_at(xf, j, af, -hf)) / (2 * hf);
    double rev = j < N ? dxf[j] : gaf;
    check("reverse f32", rev, fd, 2e-3);
    float tx[N] = {0}, ty[N] = {0};
    if (j < N) tx[j] = 1;
    check("forward f32", blas_chain_f_fwd(xf, tx, yf, ty, N, af, j == N), fd, 2e-3);
  }
  /* gemv: A 3 x 4; y starts at y0 (beta multiplies it) */
  {
    enum { M = 3, K = 4 };
    double A[M * K], xv[K], y0[M], z[K];
    for (int i = 0; i < M * K; i++) A[i] = sin(0.3 * i + 0.1);
    for (int i = 0; i < K; i++) xv[i] = cos(0.5 * i);
    for (int i = 0; i < M; i++) y0[i] = 0.2 * i - 0.3;
    double ga = 0.8, gb = -0.6;
    double dA[M * K] = {0}, dxv[K] = {0}, y[M], dy[M] = {0}, dz[K] = {0};
    memcpy(y, y0, sizeof y);
    ab2 g2 = gemv_chain_grad(A, dA, xv, dxv, y, dy, z, dz, M, K, ga, gb, 1.0);
    double hh = 1e-6;
    for (int j = 0; j < M * K + K + M + 2; j++) {
      double v[2];
      for (int s = 0; s < 2; s++) {
        double A2[M * K], x2[K], y2[M], a2 = ga, b2 = gb, h2 = s ? -hh : hh;
        memcpy(A2, A, sizeof A2), memcpy(x2, xv, sizeof x2), memcpy(y2, y0, sizeof y2);
        if (j < M * K) A2[j] += h2;
        else if (j < M * K + K) x2[j - M * K] += h2;
        else if (j < M * K + K + M) y2[j - M * K - K] += h2;
        else if (j == M * K + K + M) a2 += h2;
        else b2 += h2;
        v[s] = gemv_chain(A2, x2, y2, z, M, K, a2, b2);
      }
      double fd = (v[0] - v[1]) / (2 * hh);
      double got = j < M * K ? dA[j] : j < M * K + K ? dxv[j - M * K]
                 : j < M * K + K + M ? dy[j - M * K - K] : j == M * K + K + M ? g2.da : g2.db;
      check("gemv reverse", got, fd, 1e-7);
      double tA[M * K] = {0}, tx[K] = {0}, yy[M], ty[M] = {0}, tz[K] = {0};
      if (j < M * K) tA[j] = 1;
      else if (j < M * K + K) tx[j - M * K] = 1;
      else if (j < M * K + K + M) ty[j - M * K - K] = 1;
      memcpy(yy, y0, sizeof yy);
      double t = gemv_chain_fwd(A, tA, xv, tx, yy, ty, z, tz, M, K, ga, j == M * K + K + M, gb,
                                j == M * K + K + M + 1);
      check("gemv forward", t, fd, 1e-7);
    }
    float Af[M * K], xf2[M], yf0[K];
    for (int i = 0; i < M * K; i++) Af[i] = (float)sin(0.3 * i + 0.1);
    for (int i = 0; i < M; i++) xf2[i] = (float)cos(0.5 * i);
    for (int i = 0; i < K; i++) yf0[i] = 0.1f * i;
    float dAf[M * K] = {0}, dxf2[M] = {0}, yf[K], dyf[K] = {0};
    memcpy(yf, yf0, sizeof yf);
    fab gf = gemv_chain_f_grad(Af, dAf, xf2, dxf2, yf, dyf, M, K, 0.8f, -0.6f, 1.0f);
    for (int j = 0; j < 2; j++) {
      float v[2];
      for (int s = 0; s < 2; s++) {
        float y2[K], hf = s ? -1e-2f : 1e-2f;
        memcpy(y2, yf0, sizeof y2);
        v[s] = gemv_chain_f(Af, xf2, y2, M, K, 0.8f + (j == 0 ? hf : 0), -0.6f + (j == 1 ? hf : 0));
      }
      check("sgemv reverse (alpha, beta)", j == 0 ? gf.da : gf.db, (v[0] - v[1]) / 2e-2, 2e-3);
    }
    (void)dxf2, (void)dAf;
  }
  /* gemm: A 2 x 4, B 4 x 3, C 2 x 3 (its old value counts through beta);
   * inputs in order A, B, C, alpha, beta */
  {
    enum { M = 2, NN = 3, K = 4, NA = M * K, NB = K * NN, NC = M * NN, NI = NA + NB + NC + 2 };
    double in0[NI], D[K * NN];
    for (int i = 0; i < NI; i++) in0[i] = sin(0.37 * i + 0.2);
    in0[NI - 2] = 0.9, in0[NI - 1] = -0.4;
    double din[NI] = {0}, dD[K * NN] = {0}, io[NI];
    memcpy(io, in0, sizeof io);
    ab2 g = gemm_chain_grad(io, din, io + NA, din + NA, io + NA + NB, din + NA + NB, D, dD, M, NN,
                            K, in0[NI - 2], in0[NI - 1], 1.0);
    din[NI - 2] = g.da, din[NI - 1] = g.db;
    float inf0[NI], dinf[NI] = {0}, iof[NI];
    for (int i = 0; i < NI; i++) inf0[i] = (float)in0[i];
    memcpy(iof, inf0, sizeof iof);
    fab gf = gemm_chain_f_grad(iof, dinf, iof + NA, dinf + NA, iof + NA + NB, dinf + NA + NB, M,
                               NN, K, inf0[NI - 2], inf0[NI - 1], 1.0f);
    dinf[NI - 2] = gf.da, dinf[NI - 1] = gf.db;
    for (int j = 0; j < NI; j++) {
      double v[2];
      float vf[2];
      for (int s = 0; s < 2; s++) {
        double w[NI], hh = s ? -1e-6 : 1e-6;
        memcpy(w, in0, sizeof w);
        w[j] += hh;
        v[s] = gemm_chain(w, w + NA, w + NA + NB, D, M, NN, K, w[NI - 2], w[NI - 1]);
        float wf[NI], hf = s ? -1e-2f : 1e-2f;
        memcpy(wf, inf0, sizeof wf);
        wf[j] += hf;
        vf[s] = gemm_chain_f(wf, wf + NA, wf + NA + NB, M, NN, K, wf[NI - 2], wf[NI - 1]);
      }
      double fd = (v[0] - v[1]) / 2e-6, fdf = (vf[0] - vf[1]) / 2e-2;
      check("gemm reverse", din[j], fd, 1e-7);
      check("sgemm reverse", dinf[j], fdf, 2e-3);
      double t[NI] = {0}, w[NI], tD[K * NN] = {0};
      t[j] = 1;
      memcpy(w, in0, sizeof w);
      check("gemm forward",
            gemm_chain_fwd(w, t, w + NA, t + NA, w + NA + NB, t + NA + NB, D, tD, M, NN, K,
                           w[NI - 2], t[NI - 2], w[NI - 1], t[NI - 1]),
            fd, 1e-7);
      float tf[NI] = {0}, wf[NI];
      tf[j] = 1;
      memcpy(wf, inf0, sizeof wf);
      check("sgemm forward",
            gemm_chain_f_fwd(wf, tf, wf + NA, tf + NA, wf + NA + NB, tf + NA + NB, M, NN, K,
                             wf[NI - 2], tf[NI - 2], wf[NI - 1], tf[NI - 1]),
            fdf, 2e-3);
    }
  }
  printf("%d derivatives checked, %d wrong\n", checked, bad);
  return bad != 0;
}
