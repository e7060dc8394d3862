/* Times the bundle adjustment Jacobian (test-ir/c/ba.c) against the
 * objective, in the same process, as ADBench computes it: per observation,
 * the 2 x 15 block of the reprojection error in its camera, point and
 * weight, and the weight error's derivative -2 w. With -DENZYME each block
 * is two reverse calls of Enzyme (__enzyme_autodiff, one per row; built by
 * the clang-16 plugin, this file appended to ba.c), otherwise adc's
 * ba_reproj_jac (`adc grad --mode jacobian`). Best of R calls each; prints
 * "primal_ms jacobian_ms J[0][3]". Usage: cams points observations R
 * [peak]: with "peak", one Jacobian only (for its peak RSS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ba_objective(int n_obs, const double *cams, const double *X, const double *w, const int *obs,
                  const double *feats, double *reproj_err, double *w_err);
void ba_reproj(const double *p, const double *feat, double *err);
#ifdef ENZYME
extern int enzyme_dup, enzyme_const, enzyme_dupnoneed;
void __enzyme_autodiff(void *, ...);
#else
void ba_reproj_jac(const double *p, const double *feat, double *err, double *jac, long n_in,
                   long n_out);
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double uniform(unsigned *s) {
  *s = *s * 1664525u + 1013904223u;
  return (*s >> 8) / 16777216.0 - 0.5;
}

/* Observation i's blocks: jac[30 i ..] (row-major 2 x 15), wjac[i]. */
static void jacobian(int p, const double *cams, const double *X, const double *w, const int *obs,
                     const double *feats, double *err, double *jac, double *wjac) {
  for (int i = 0; i < p; i++) {
    double q[15], *J = &jac[30 * i];
    memcpy(q, &cams[11 * obs[2 * i]], 11 * sizeof *q);
    memcpy(q + 11, &X[3 * obs[2 * i + 1]], 3 * sizeof *q);
    q[14] = w[i];
#ifdef ENZYME
    for (int r = 0; r < 2; r++) {
      double dq[15] = {0}, e[2], de[2] = {r == 0, r == 1};
      __enzyme_autodiff((void *)ba_reproj, enzyme_dup, q, dq, enzyme_const, &feats[2 * i],
                        enzyme_dupnoneed, e, de);
      memcpy(&J[15 * r], dq, sizeof dq);
    }
    (void)err;
#else
    ba_reproj_jac(q, &feats[2 * i], &err[2 * i], J, 15, 2);
#endif
    wjac[i] = -2 * w[i];
  }
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  int n = atoi(argv[1]), m = atoi(argv[2]), p = atoi(argv[3]), reps = atoi(argv[4]);
  int peak_only = argc > 5;
  double *cams = malloc(11 * n * sizeof *cams), *X = malloc(3 * m * sizeof *X);
  double *w = malloc(p * sizeof *w), *feats = malloc(2 * p * sizeof *feats);
  double *err = malloc(2 * p * sizeof *err), *werr = malloc(p * sizeof *werr);
  double *jac = malloc(30 * (size_t)p * sizeof *jac), *wjac = malloc(p * sizeof *wjac);
  int *obs = malloc(2 * p * sizeof *obs);
  unsigned s = 1;
  for (int i = 0; i < n; i++) {
    double *c = &cams[11 * i];
    for (int j = 0; j < 3; j++) c[j] = 0.3 * uniform(&s);
    for (int j = 3; j < 6; j++) c[j] = uniform(&s);
    c[6] = 1 + 0.1 * uniform(&s);
    c[7] = 0.01 * uniform(&s), c[8] = 0.01 * uniform(&s);
    c[9] = 0.01 * uniform(&s), c[10] = 0.001 * uniform(&s);
  }
  for (int i = 0; i < m; i++) {
    X[3 * i] = uniform(&s), X[3 * i + 1] = uniform(&s), X[3 * i + 2] = 4 + uniform(&s);
  }
  for (int i = 0; i < p; i++) {
    obs[2 * i] = i % n, obs[2 * i + 1] = (i * 7) % m;
    w[i] = 1 + 0.1 * uniform(&s);
    feats[2 * i] = 0.1 * uniform(&s), feats[2 * i + 1] = 0.1 * uniform(&s);
  }
  double best_p = 1e30, best_j = 1e30;
  for (int r = 0; r < (peak_only ? 1 : reps); r++) {
    double t = now();
    if (!peak_only) {
      ba_objective(p, cams, X, w, obs, feats, err, werr);
      t = now() - t;
      if (t < best_p) best_p = t;
      t = now();
    }
    jacobian(p, cams, X, w, obs, feats, err, jac, wjac);
    t = now() - t;
    if (t < best_j) best_j = t;
  }
  printf("%.4f %.4f %.10g\n", best_p * 1e3, best_j * 1e3, jac[3]);
  return 0;
}
