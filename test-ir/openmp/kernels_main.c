/* Checks the derivatives of kernels.c in both modes against central
 * differences of fourth order: J = sum_i w_i y_i for the array kernels, the
 * result for the scalar ones. Prints every derivative it checks (the test
 * compares them across thread counts); exits 1 on a mismatch. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void omp_map(const double *x, double *y, int n);
double omp_sum(const double *x, int n);
void omp_stencil(const double *x, double *y, int n);
void omp_heat(double *u, double *tmp, int n, int steps);
double omp_private(const double *x, int n, int k);
void omp_dynamic(const double *x, double *y, int n);
void omp_callee(const double *x, double *y, int n);

void omp_map_grad(const double *x, double *dx, double *y, double *dy, int n);
double omp_sum_grad(const double *x, double *dx, int n, double d);
void omp_stencil_grad(const double *x, double *dx, double *y, double *dy, int n);
void omp_heat_grad(double *u, double *du, double *tmp, double *dtmp, int n, int steps);
void omp_private_grad(const double *x, double *dx, int n, int k, double d);
void omp_dynamic_grad(const double *x, double *dx, double *y, double *dy, int n);
void omp_callee_grad(const double *x, double *dx, double *y, double *dy, int n);

void omp_map_fwd(const double *x, const double *dx, double *y, double *dy, int n);
double omp_sum_fwd(const double *x, const double *dx, int n);
void omp_stencil_fwd(const double *x, const double *dx, double *y, double *dy, int n);
void omp_heat_fwd(double *u, double *du, double *tmp, double *dtmp, int n, int steps);
double omp_private_fwd(const double *x, const double *dx, int n, int k);
void omp_dynamic_fwd(const double *x, const double *dx, double *y, double *dy, int n);
void omp_callee_fwd(const double *x, const double *dx, double *y, double *dy, int n);

/* clang 19 and later end a dynamic loop with this call, which the libomp
 * of the tests (LLVM 16's, scripts/setup) does not have yet; it only frees
 * the loop's bookkeeping. */
__attribute__((weak)) void __kmpc_dispatch_deinit(void *loc, int gtid) {
  (void)loc;
  (void)gtid;
}

#define N 1001
#define STEPS 5
static double w[N];

static double weighted(const double *y) {
  double s = 0;
  for (int i = 0; i < N; i++) s += w[i] * y[i];
  return s;
}

typedef void (*map_fn)(const double *, double *, int);
typedef void (*map_grad_fn)(const double *, double *, double *, double *, int);
typedef void (*map_fwd_fn)(const double *, const double *, double *, double *, int);

/* J(x) of kernel k. */
static double J(int k, const double *x) {
  double y[N], tmp[N];
  memset(y, 0, sizeof y);
  memset(tmp, 0, sizeof tmp);
  switch (k) {
  case 0: omp_map(x, y, N); return weighted(y);
  case 1: return omp_sum(x, N);
  case 2: omp_stencil(x, y, N); return weighted(y);
  case 3: memcpy(y, x, sizeof y); omp_heat(y, tmp, N, STEPS); return weighted(y);
  case 4: return omp_private(x, N, 3);
  case 5: omp_dynamic(x, y, N); return weighted(y);
  default: omp_callee(x, y, N); return weighted(y);
  }
}

/* The gradient of J by reverse mode. */
static void gradient(int k, const double *x, double *g) {
  double y[N], dy[N], tmp[N], dtmp[N];
  memset(g, 0, N * sizeof *g);
  memset(y, 0, sizeof y);
  memset(tmp, 0, sizeof tmp);
  memset(dtmp, 0, sizeof dtmp);
  memcpy(dy, w, sizeof dy);
  switch (k) {
  case 0: omp_map_grad(x, g, y, dy, N); break;
  case 1: omp_sum_grad(x, g, N, 1.0); break;
  case 2: omp_stencil_grad(x, g, y, dy, N); break;
  case 3: memcpy(y, x, sizeof y); memcpy(g, w, sizeof dy); omp_heat_grad(y, g, tmp, dtmp, N, STEPS); break;
  case 4: omp_private_grad(x, g, N, 3, 1.0); break;
  case 5: omp_dynamic_grad(x, g, y, dy, N); break;
  default: omp_callee_grad(x, g, y, dy, N); break;
  }
}

/* dJ/dx_j by forward mode. */
static double tangent(int k, const double *x, int j) {
  double y[N], dy[N], tmp[N], dtmp[N], e[N];
  memset(e, 0, sizeof e);
  memset(y, 0, sizeof y);
  memset(dy, 0, sizeof dy);
  memset(tmp, 0, sizeof tmp);
  memset(dtmp, 0, sizeof dtmp);
  e[j] = 1;
  switch (k) {
  case 0: omp_map_fwd(x, e, y, dy, N); return weighted(dy);
  case 1: return omp_sum_fwd(x, e, N);
  case 2: omp_stencil_fwd(x, e, y, dy, N); return weighted(dy);
  case 3: memcpy(y, x, sizeof y); omp_heat_fwd(y, e, tmp, dtmp, N, STEPS); return weighted(e);
  case 4: return omp_private_fwd(x, e, N, 3);
  case 5: omp_dynamic_fwd(x, e, y, dy, N); return weighted(dy);
  default: omp_callee_fwd(x, e, y, dy, N); return weighted(dy);
  }
}

int main(void) {
  static const char *names[] = {"map", "sum", "stencil", "heat", "private", "dynamic", "callee"};
  double x[N], g[N];
  int bad = 0, checked = 0;
  srand(11);
  for (int i = 0; i < N; i++) {
    x[i] = 2.0 * rand() / RAND_MAX - 1;
    w[i] = (double)rand() / RAND_MAX;
  }
  for (int k = 0; k < 7; k++) {
    gradient(k, x, g);
    for (int j = 0; j < N; j += 37) {
      double xs[N], f[4], h = 1e-3;
      const int o[4] = {-2, -1, 1, 2};
      for (int s = 0; s < 4; s++) {
        memcpy(xs, x, sizeof xs);
        xs[j] += o[s] * h;
        f[s] = J(k, xs);
      }
      double fd = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
      double t = tangent(k, x, j);
      double scale = fmax(1, fabs(fd));
      checked += 2;
      if (fabs(g[j] - fd) > 1e-7 * scale || fabs(t - fd) > 1e-7 * scale) {
        printf("MISMATCH %s x[%d]: reverse %.17g forward %.17g differences %.17g\n", names[k], j, g[j], t, fd);
        bad = 1;
      }
      printf("%s %d %.17g %.17g\n", names[k], j, g[j], t);
    }
  }
  fprintf(stderr, "%d threads: %d derivatives checked\n", omp_get_max_threads(), checked);
  return bad;
}
