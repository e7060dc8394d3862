/* Driver for fft.c: the round trip's gradient and tangent are the seed
 * itself (its Jacobian is the identity), to 1e-12; the weighted power
 * spectrum's gradient and tangents against the closed form from a direct
 * O(n^2) transform (1e-10) and a central difference (1e-6); n = 1 to 1024.
 * Prints "N checks, M failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fft_roundtrip(double *a, int n);
void fft_roundtrip_grad(double *a, double *da, int n);
void fft_roundtrip_fwd(double *a, double *da, int n);
double fft_power(const double *x, double *work, int n);
void fft_power_grad(const double *x, double *dx, double *work, double *dwork, int n,
                    double d_ret);
double fft_power_fwd(const double *x, const double *dx, double *work, double *dwork, int n);

static int checks, failed;
static void expect(double got, double want, double tol, const char *what, int n, int j) {
  checks++;
  if (!(fabs(got - want) <= tol * (1 + fabs(want)))) {
    failed++;
    if (failed < 20)
      printf("FAIL %s n=%d [%d] = %.17g, want %.17g\n", what, n, j, got, want);
  }
}

int main(void) {
  for (int n = 1; n <= 1024; n *= 2) {
    double *a = malloc(2 * n * sizeof *a), *a0 = malloc(2 * n * sizeof *a0);
    double *da = malloc(2 * n * sizeof *da), *seed = malloc(2 * n * sizeof *seed);
    for (int i = 0; i < 2 * n; i++) {
      a0[i] = sin(0.7 * i + 0.3) + 0.1 * i / n;
      seed[i] = cos(1.3 * i) - 0.2;
    }
    memcpy(a, a0, 2 * n * sizeof *a);
    memcpy(da, seed, 2 * n * sizeof *da);
    fft_roundtrip_grad(a, da, n);
    for (int i = 0; i < 2 * n; i++)
      expect(da[i], seed[i], 1e-12, "round trip gradient", n, i);
    memcpy(a, a0, 2 * n * sizeof *a);
    memcpy(da, seed, 2 * n * sizeof *da);
    fft_roundtrip_fwd(a, da, n);
    for (int i = 0; i < 2 * n; i++) {
      expect(da[i], seed[i], 1e-12, "round trip tangent", n, i);
      expect(a[i], a0[i], 1e-12, "round trip", n, i);
    }
    /* The weighted power spectrum. */
    double *x = malloc(n * sizeof *x), *dx = calloc(n, sizeof *dx), *t = calloc(n, sizeof *t);
    double *work = malloc(2 * n * sizeof *work), *dwork = calloc(2 * n, sizeof *dwork);
    double *Xr = malloc(n * sizeof *Xr), *Xi = malloc(n * sizeof *Xi);
    for (int j = 0; j < n; j++)
      x[j] = sin(1.1 * j + 0.5) * (1 + 0.01 * j);
    for (int k = 0; k < n; k++) {
      Xr[k] = Xi[k] = 0;
      for (int j = 0; j < n; j++) {
        double ang = -2 * M_PI * (double)((long)k * j % n) / n;
        Xr[k] += x[j] * cos(ang), Xi[k] += x[j] * sin(ang);
      }
    }
    fft_power_grad(x, dx, work, dwork, n, 1.0);
    for (int j = 0; j < n; j++) {
      double g = 0;
      for (int k = 0; k < n; k++) {
        double ang = -2 * M_PI * (double)((long)k * j % n) / n;
        /* Re(conj(X_k) e^{i ang}) */
        g += (k + 1) * (Xr[k] * cos(ang) + Xi[k] * sin(ang));
      }
      g *= 2.0 / n;
      expect(dx[j], g, 1e-10, "power gradient", n, j);
      if (j < 8 || j % 97 == 0) {
        t[j] = 1;
        memset(dwork, 0, 2 * n * sizeof *dwork);
        expect(fft_power_fwd(x, t, work, dwork, n), g, 1e-10, "power tangent", n, j);
        t[j] = 0;
        /* (s is quadratic in x: a central difference has no truncation error) */
        double h = 1e-2, xj = x[j];
        x[j] = xj + h;
        double up = fft_power(x, work, n);
        x[j] = xj - h;
        double down = fft_power(x, work, n);
        x[j] = xj;
        expect((up - down) / (2 * h), g, 1e-6, "power difference", n, j);
      }
    }
    free(a), free(a0), free(da), free(seed), free(x), free(dx), free(t), free(work), free(dwork),
        free(Xr), free(Xi);
  }
  printf("%d checks, %d failed\n", checks, failed);
  return failed != 0;
}
