/* Driver for ba.c: one observation's 2 x 15 Jacobian of the reprojection
 * error from ba_reproj_jac (the automatic choice: reverse rows, since 15
 * inputs > 2 outputs) and ba_reproj_rows_jac's forward columns, against
 * fourth-order central differences (1e-7) and each other (1e-12), at
 * rotations of several sizes, including none at all (the other branch of
 * Rodrigues' formula). Prints "N checks, M failed". */
#include <math.h>
#include <stdio.h>
#include <string.h>

void ba_reproj(const double *p, const double *feat, double *err);
void ba_reproj_jac(const double *p, const double *feat, double *err, double *jac, long n_in,
                   long n_out);
void ba_reproj_rows_jac(const double *p, const double *feat, double *err, double *jac,
                        long n_in, long n_out);

static int checks, failed;
static void expect(double got, double want, double tol, const char *what, int c, int r, int k) {
  checks++;
  if (!(fabs(got - want) <= tol * (1 + fabs(want)))) {
    failed++;
    if (failed < 20)
      printf("FAIL %s case %d J[%d][%d] = %.17g, want %.17g\n", what, c, r, k, got, want);
  }
}

int main(void) {
  for (int c = 0; c < 12; c++) {
    double p[15], feat[2] = {0.3 - 0.05 * c, -0.2 + 0.03 * c}, err[2], want[2];
    double scale = c == 0 ? 0.0 : 0.1 * c;
    double base[15] = {0.3, -0.2, 0.25, 0.1, 0.2, -0.3, 1.2, 0.05, -0.04, 0.01, -0.002,
                       0.4, -0.5, 3.0, 0.9};
    memcpy(p, base, sizeof p);
    for (int i = 0; i < 3; i++)
      p[i] *= scale;
    p[11] += 0.07 * c;
    ba_reproj(p, feat, want);
    double fwd[30], rev[30];
    ba_reproj_jac(p, feat, err, rev, 15, 2);
    for (int i = 0; i < 2; i++)
      expect(err[i], want[i], 0, "error", c, i, 0);
    ba_reproj_rows_jac(p, feat, err, fwd, 15, 2);
    for (int k = 0; k < 15; k++) {
      double h = 1e-4, d[4] = {-2 * h, -h, h, 2 * h}, w[4] = {1, -8, 8, -1}, fd[2] = {0, 0};
      if (c == 0 && k < 3)
        continue; /* (no rotation: a branch on the rotation's size) */
      for (int t = 0; t < 4; t++) {
        double q[15], e[2];
        memcpy(q, p, sizeof q);
        q[k] += d[t];
        ba_reproj(q, feat, e);
        for (int r = 0; r < 2; r++)
          fd[r] += w[t] * e[r] / (12 * h);
      }
      for (int r = 0; r < 2; r++) {
        expect(rev[r * 15 + k], fd[r], 1e-7, "reverse vs difference", c, r, k);
        expect(fwd[r * 15 + k], rev[r * 15 + k], 1e-12, "forward vs reverse", c, r, k);
      }
    }
  }
  printf("%d checks, %d failed\n", checks, failed);
  return failed != 0;
}
