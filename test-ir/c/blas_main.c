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
  printf("%d derivatives checked, %d wrong\n", checked, bad);
  return bad != 0;
}
