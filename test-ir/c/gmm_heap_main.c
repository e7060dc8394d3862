/* gmm_heap.c's gradient (reverse mode, which snapshots the work array xc
 * once per (point, component) instead of taping its reads twice), its
 * forward-mode derivative and (when linked in) its Hessian-vector products
 * (forward over reverse, `adc grad --mode hvp`), against 4th-order central
 * differences of the function and of the gradient, and (when linked in)
 * against the hand-written gradient of benches/kernels/gmm_manual.c, for
 * d = 3 (scalar loops) and d = 10, 17 (vector and remainder loops).
 * Prints "N checks, M failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gmm_heap(int d, int k, int n, const double *alphas, const double *means, const double *icf,
              const double *x, double gamma, int m, double *err);
double gmm_heap_grad(int d, int k, int n, const double *alphas, double *d_alphas,
                     const double *means, double *d_means, const double *icf, double *d_icf,
                     const double *x, double *d_x, double gamma, int m, double *err,
                     double *d_err);
void gmm_heap_fwd(int d, int k, int n, const double *alphas, const double *t_alphas,
                  const double *means, const double *t_means, const double *icf,
                  const double *t_icf, const double *x, const double *t_x, double gamma,
                  double t_gamma, int m, double *err, double *t_err);

/* Each argument of gmm_heap_grad followed by its tangent (the seed d_err is
 * 1, its tangent 0); returns the tangent of d gamma. */
__attribute__((weak)) double gmm_heap_hvp(
    int d, int k, int n, const double *alphas, const double *v_alphas, double *d_alphas,
    double *hv_alphas, const double *means, const double *v_means, double *d_means,
    double *hv_means, const double *icf, const double *v_icf, double *d_icf, double *hv_icf,
    const double *x, const double *v_x, double *d_x, double *hv_x, double gamma, double v_gamma,
    int m, double *err, double *v_err, double *d_err, double *v_d_err);

__attribute__((weak)) void gmm_heap_manual_grad(int d, int k, int n, const double *alphas,
                                                double *d_alphas, const double *means,
                                                double *d_means, const double *icf, double *d_icf,
                                                const double *x, double gamma, int m, double *err,
                                                double *d_err);

static int checks, failures;
static void check(const char *what, int i, double got, double want) {
  checks++;
  if (!(fabs(got - want) <= 1e-6 * fmax(1.0, fabs(want)))) {
    printf("%s [%d]: got %.17g want %.17g\n", what, i, got, want);
    failures++;
  }
}

static unsigned long long state = 0x9E3779B97F4A7C15ULL;
static double rnd(void) {
  state ^= state << 13, state ^= state >> 7, state ^= state << 17;
  return (double)(state >> 11) / 9007199254740992.0 - 0.5;
}

enum { ALPHAS, MEANS, ICF, X, PARTS };

static void run(int d, int k, int n) {
  int icf_sz = d * (d + 1) / 2, m = 2;
  int size[PARTS] = {k, k * d, k * icf_sz, n * d};
  double *p[PARTS], *g[PARTS], *t[PARTS], gamma = 0.8;
  for (int q = 0; q < PARTS; q++) {
    p[q] = malloc(size[q] * sizeof(double));
    g[q] = calloc(size[q], sizeof(double));
    t[q] = malloc(size[q] * sizeof(double));
    for (int i = 0; i < size[q]; i++) p[q][i] = rnd(), t[q][i] = rnd();
  }
  double err = 0, d_err = 1;
  double d_gamma = gmm_heap_grad(d, k, n, p[0], g[0], p[1], g[1], p[2], g[2], p[3], g[3], gamma,
                                 m, &err, &d_err);
  double want;
  gmm_heap(d, k, n, p[0], p[1], p[2], p[3], gamma, m, &want);
  check("value", -1, err, want);
  /* f along the direction t (and gamma + s * 0.3) */
  double dir_fd = 0, dir_rev = d_gamma * 0.3;
  const double off[4] = {-2, -1, 1, 2}, h = 1e-4;
  double f[4];
  for (int s = 0; s < 4; s++) {
    double *q2[PARTS];
    for (int q = 0; q < PARTS; q++) {
      q2[q] = malloc(size[q] * sizeof(double));
      for (int i = 0; i < size[q]; i++) q2[q][i] = p[q][i] + off[s] * h * t[q][i];
    }
    gmm_heap(d, k, n, q2[0], q2[1], q2[2], q2[3], gamma + off[s] * h * 0.3, m, &f[s]);
    for (int q = 0; q < PARTS; q++) free(q2[q]);
  }
  dir_fd = (f[0] / 12 - 2 * f[1] / 3 + 2 * f[2] / 3 - f[3] / 12) / h;
  for (int q = 0; q < PARTS; q++)
    for (int i = 0; i < size[q]; i++) dir_rev += g[q][i] * t[q][i];
  check("reverse, along a direction", d, dir_rev, dir_fd);
  /* each partial derivative in the parameters */
  for (int q = 0; q < ICF + 1; q++)
    for (int i = 0; i < size[q]; i++) {
      double v = p[q][i];
      for (int s = 0; s < 4; s++) {
        p[q][i] = v + off[s] * h;
        gmm_heap(d, k, n, p[0], p[1], p[2], p[3], gamma, m, &f[s]);
      }
      p[q][i] = v;
      check("reverse, one partial", q * 1000 + i, g[q][i],
            (f[0] / 12 - 2 * f[1] / 3 + 2 * f[2] / 3 - f[3] / 12) / h);
    }
  if (gmm_heap_manual_grad) {
    double *h[PARTS], e5, s5 = 1;
    for (int q = 0; q < ICF + 1; q++) h[q] = calloc(size[q], sizeof(double));
    gmm_heap_manual_grad(d, k, n, p[0], h[0], p[1], h[1], p[2], h[2], p[3], gamma, m, &e5, &s5);
    check("hand-written value", d, e5, want);
    for (int q = 0; q < ICF + 1; q++) {
      for (int i = 0; i < size[q]; i++) check("hand-written gradient", q * 1000 + i, g[q][i], h[q][i]);
      free(h[q]);
    }
  }
  double e2 = 0, t_err = 0;
  gmm_heap_fwd(d, k, n, p[0], t[0], p[1], t[1], p[2], t[2], p[3], t[3], gamma, 0.3, m, &e2,
               &t_err);
  check("forward value", d, e2, want);
  check("forward, along a direction", d, t_err, dir_fd);
  if (gmm_heap_hvp) {
    /* H t against the central difference of the gradient along t */
    double *hv[PARTS], *g2[PARTS], *gs[4][PARTS], dgs[4];
    for (int q = 0; q < PARTS; q++) {
      hv[q] = calloc(size[q], sizeof(double));
      g2[q] = calloc(size[q], sizeof(double));
    }
    double e3 = 0, v_e3 = 0, s3 = 1, v_s3 = 0;
    double hv_gamma = gmm_heap_hvp(d, k, n, p[0], t[0], g2[0], hv[0], p[1], t[1], g2[1], hv[1], p[2],
                                   t[2], g2[2], hv[2], p[3], t[3], g2[3], hv[3], gamma, 0.3, m, &e3,
                                   &v_e3, &s3, &v_s3);
    for (int s = 0; s < 4; s++) {
      double *q2[PARTS], e4, de4 = 1;
      for (int q = 0; q < PARTS; q++) {
        q2[q] = malloc(size[q] * sizeof(double));
        gs[s][q] = calloc(size[q], sizeof(double));
        for (int i = 0; i < size[q]; i++) q2[q][i] = p[q][i] + off[s] * h * t[q][i];
      }
      dgs[s] = gmm_heap_grad(d, k, n, q2[0], gs[s][0], q2[1], gs[s][1], q2[2], gs[s][2], q2[3],
                             gs[s][3], gamma + off[s] * h * 0.3, m, &e4, &de4);
      for (int q = 0; q < PARTS; q++) free(q2[q]);
    }
#define FD4(a) ((a[0]) / 12 - 2 * (a[1]) / 3 + 2 * (a[2]) / 3 - (a[3]) / 12) / h
    for (int q = 0; q < PARTS; q++)
      for (int i = 0; i < size[q]; i++) {
        check("hvp, gradient", q * 1000 + i, g2[q][i], g[q][i]);
        double c[4] = {gs[0][q][i], gs[1][q][i], gs[2][q][i], gs[3][q][i]};
        check("hvp", q * 1000 + i, hv[q][i], FD4(c));
      }
    check("hvp, gamma", d, hv_gamma, FD4(dgs));
    for (int q = 0; q < PARTS; q++) {
      free(hv[q]), free(g2[q]);
      for (int s = 0; s < 4; s++) free(gs[s][q]);
    }
  }
  for (int q = 0; q < PARTS; q++) free(p[q]), free(g[q]), free(t[q]);
}

int main(void) {
  run(3, 4, 6);
  run(10, 3, 5);
  run(17, 2, 4);
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
