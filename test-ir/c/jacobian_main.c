// Driver for jacobian.c: model_jac (auto: forward when n <= m, else
// reverse), model_cols_jac (forward only) and model_rows_jac (reverse
// only), each against the closed form and a central difference, for
// shapes on both sides of n = m and not multiples of the chunk (the
// largest has its lanes on the heap, the others on the stack).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void model(const double *x, double *y, int n, int m);
void model_jac(const double *x, double *y, int n, int m, double *jac, long n_in, long n_out);
void model_cols_jac(const double *x, double *y, int n, int m, double *jac, long n_in,
                    long n_out);
void model_rows_jac(const double *x, double *y, int n, int m, double *jac, long n_in,
                    long n_out);

static int checks, failed;

static void expect(double got, double want, double tol, const char *what, int n, int m, int i,
                   int k) {
  checks++;
  if (!(fabs(got - want) <= tol * (1 + fabs(want)))) {
    failed++;
    if (failed < 20)
      printf("FAIL %s n=%d m=%d J[%d][%d] = %.17g, want %.17g\n", what, n, m, i, k, got, want);
  }
}

// d y_i / d x_k = (y0_i + 1) ((i+1) cos((i+1) x_k) x_{(k+i) mod n} + sin((i+1) x_{(k-i) mod n}))
static double closed(const double *x, const double *y0, int n, int i, int k) {
  int j = ((k - i) % n + n) % n;
  return (y0[i] + 1) * ((i + 1) * cos((i + 1) * x[k]) * x[(k + i) % n] + sin((i + 1) * x[j]));
}

typedef void (*jac_fn)(const double *, double *, int, int, double *, long, long);

int main(void) {
  int shapes[][2] = {{1, 1}, {3, 7}, {7, 3}, {4, 4}, {10, 10}, {13, 5}, {5, 13}, {1, 9}, {9, 1}, {33, 17}, {120, 90}};
  jac_fn fns[] = {model_jac, model_cols_jac, model_rows_jac};
  const char *names[] = {"auto", "forward", "reverse"};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    int n = shapes[s][0], m = shapes[s][1];
    double *x = malloc(n * sizeof *x), *y0 = malloc(m * sizeof *y0), *y = malloc(m * sizeof *y);
    double *want = malloc(m * sizeof *want), *jac = malloc((size_t)m * n * sizeof *jac);
    double *yp = malloc(m * sizeof *yp), *ym = malloc(m * sizeof *ym), *xp = malloc(n * sizeof *xp);
    for (int j = 0; j < n; j++)
      x[j] = 0.3 + 0.17 * j - 0.05 * (j % 3);
    for (int i = 0; i < m; i++)
      y0[i] = 0.5 - 0.1 * i;
    memcpy(want, y0, m * sizeof *want);
    model(x, want, n, m);
    for (int v = 0; v < 3; v++) {
      memcpy(y, y0, m * sizeof *y);
      for (int e = 0; e < m * n; e++)
        jac[e] = NAN;
      fns[v](x, y, n, m, jac, n, m);
      // y holds the function's result, bit for bit.
      for (int i = 0; i < m; i++) {
        checks++;
        if (y[i] != want[i]) {
          failed++;
          printf("FAIL %s n=%d m=%d: y[%d] = %.17g, want %.17g\n", names[v], n, m, i, y[i], want[i]);
        }
      }
      for (int k = 0; k < n; k++) {
        // Central difference of column k (fourth order).
        double h = 1e-4, d[4] = {-2 * h, -h, h, 2 * h}, c[4] = {1, -8, 8, -1};
        double *fd = calloc(m, sizeof *fd);
        for (int t = 0; t < 4; t++) {
          memcpy(xp, x, n * sizeof *xp);
          xp[k] += d[t];
          memcpy(yp, y0, m * sizeof *yp);
          model(xp, yp, n, m);
          for (int i = 0; i < m; i++)
            fd[i] += c[t] * yp[i] / (12 * h);
        }
        for (int i = 0; i < m; i++) {
          expect(jac[i * n + k], closed(x, y0, n, i, k), 1e-12, names[v], n, m, i, k);
          expect(jac[i * n + k], fd[i], 1e-6, names[v], n, m, i, k);
        }
        free(fd);
      }
    }
    free(x), free(y0), free(y), free(want), free(jac), free(yp), free(ym), free(xp);
  }
  printf("%d checks, %d failed\n", checks, failed);
  return failed != 0;
}
