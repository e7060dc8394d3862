/* Reverse vector mode (adc grad --width 4): four seeds per call.
 * softmax_grad4 seeds the output shadows with four unit vectors and gets
 * four rows of the Jacobian, against the closed form y_i (delta_ij - y_j);
 * series_grad4 takes four seeds of its result and returns the four
 * adjoints of z through d_out; with_callee_grad4 runs a callee in split
 * mode (its batched augmented primal and reverse). Every lane bit for bit the scalar gradient
 * with that lane's seed, which does the same operations, for sizes whose
 * tapes stay on the stack and grow onto the heap. Prints "N checks, M
 * failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void softmax(const double *x, double *y, int n);
void softmax_grad(const double *x, double *dx, double *y, double *dy, int n);
void softmax_grad4(const double *x, double *dx0, double *dx1, double *dx2, double *dx3,
                   double *y, double *dy0, double *dy1, double *dy2, double *dy3, int n);
double series(double z, const double *c, int n);
double series_grad(double z, const double *c, double *dc, int n, double d_ret);
void with_callee_grad(const double *x, double *dx, int n, double d_ret);
void with_callee_grad4(const double *x, double *dx0, double *dx1, double *dx2, double *dx3, int n,
                       double s0, double s1, double s2, double s3);
void series_grad4(double z, const double *c, double *dc0, double *dc1, double *dc2, double *dc3,
                  int n, double s0, double s1, double s2, double s3, double *d_out);

static int checks, failures;
static void check(const char *what, int i, int j, double got, double want, double tol) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= tol)) {
    printf("%s[%d][%d]: got %.17g want %.17g (rel err %.1e)\n", what, i, j, got, want, err);
    failures++;
  }
}

int main(void) {
  int sizes[] = {1, 3, 4, 9, 200};
  for (int s = 0; s < 5; s++) {
    int n = sizes[s];
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *y1 = malloc(n * sizeof *y1);
    double *dx[4], *dy[4], *dx1 = malloc(n * sizeof *dx1), *dy1 = malloc(n * sizeof *dy1);
    for (int k = 0; k < 4; k++) dx[k] = malloc(n * sizeof *dx[k]), dy[k] = malloc(n * sizeof *dy[k]);
    for (int i = 0; i < n; i++) x[i] = sin(1.3 * i + s);
    softmax(x, y, n);
    for (int i0 = 0; i0 < n; i0 += 4) {
      for (int k = 0; k < 4; k++) {
        memset(dx[k], 0, n * sizeof *dx[k]), memset(dy[k], 0, n * sizeof *dy[k]);
        if (i0 + k < n) dy[k][i0 + k] = 1;
      }
      softmax_grad4(x, dx[0], dx[1], dx[2], dx[3], y1, dy[0], dy[1], dy[2], dy[3], n);
      for (int k = 0; k < 4 && i0 + k < n; k++) {
        int i = i0 + k;
        memset(dx1, 0, n * sizeof *dx1), memset(dy1, 0, n * sizeof *dy1);
        dy1[i] = 1;
        softmax_grad(x, dx1, y1, dy1, n);
        for (int j = 0; j < n; j++) {
          check("softmax Jacobian row", i, j, dx[k][j], y[i] * ((i == j) - y[j]), 1e-13);
          check("softmax lane = scalar", i, j, dx[k][j], dx1[j], 0);
        }
      }
    }
    /* series: four seeds of the result, the adjoints of c in the shadows. */
    double seeds[4] = {1.0, -2.5, 0.0, 0.125}, out[4], z = 0.7 + 0.1 * s;
    for (int i = 0; i < n; i++) x[i] = cos(0.4 * i);
    for (int k = 0; k < 4; k++) memset(dx[k], 0, n * sizeof *dx[k]);
    series_grad4(z, x, dx[0], dx[1], dx[2], dx[3], n, seeds[0], seeds[1], seeds[2], seeds[3], out);
    for (int k = 0; k < 4; k++) {
      memset(dx1, 0, n * sizeof *dx1);
      double dz = series_grad(z, x, dx1, n, seeds[k]);
      check("series dz lane = scalar", k, 0, out[k], dz, 0);
      for (int j = 0; j < n; j++) check("series dc lane = scalar", k, j, dx[k][j], dx1[j], 0);
    }
    for (int k = 0; k < 4; k++) memset(dx[k], 0, n * sizeof *dx[k]);
    with_callee_grad4(x, dx[0], dx[1], dx[2], dx[3], n, seeds[0], seeds[1], seeds[2], seeds[3]);
    for (int k = 0; k < 4; k++) {
      memset(dx1, 0, n * sizeof *dx1);
      with_callee_grad(x, dx1, n, seeds[k]);
      for (int j = 0; j < n; j++) check("with_callee lane = scalar", k, j, dx[k][j], dx1[j], 0);
    }
    double h = 1e-5, fd = (series(z + h, x, n) - series(z - h, x, n)) / (2 * h);
    check("series dz vs central difference", n, 0, out[0], fd, 1e-7);
    free(x), free(y), free(y1), free(dx1), free(dy1);
    for (int k = 0; k < 4; k++) free(dx[k]), free(dy[k]);
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
