/* A buffer pointer held by a struct that has no shadow: null unless the
 * caller supplies scratch memory, as Eigen's GEMM blocking does. With null,
 * the function works in a stack or heap buffer of its own and both modes
 * are exact (checked against central differences); given `scratch`, the
 * program passes a buffer, and the derivative stops the program with a
 * message instead of returning a derivative it cannot know. Prints "N
 * checks, 0 failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);
extern int enzyme_dup, enzyme_const;

typedef struct {
  double *scratch; /* optional: null, or room for n doubles */
  long calls;
} workspace;

__attribute__((noinline)) double sum_sin_sq(const double *x, int n, workspace *w) {
  double local[16];
  double *buf = w->scratch ? w->scratch : n <= 16 ? local : malloc(n * sizeof(double));
  for (int i = 0; i < n; i++) buf[i] = x[i] * x[i];
  double s = 0;
  for (int i = 0; i < n; i++) s += sin(buf[i]) * x[(i + 1) % n];
  if (buf != local && buf != w->scratch) free(buf);
  w->calls++;
  return s;
}

double energy(const double *x, int n, workspace *w) { return sum_sin_sq(x, n, w); }

static int checks, failures;
static void check(const char *what, double got, double want) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= 1e-8)) {
    printf("%-30s got %.15g want %.15g WRONG\n", what, got, want);
    failures++;
  }
}

int main(int argc, char **argv) {
  double scratch[64];
  workspace w = {argc > 1 && !strcmp(argv[1], "scratch") ? scratch : NULL, 0};
  for (int n = 8; n <= 40; n += 32) { /* a stack buffer, then a heap one */
    double x[40], dx[40] = {0};
    for (int i = 0; i < n; i++) x[i] = 0.3 * sin(i + 1.0);
    __enzyme_autodiff((void *)energy, enzyme_dup, x, dx, enzyme_const, n, enzyme_const, &w);
    for (int i = 0; i < n; i++) {
      double h = 1e-6, xi = x[i];
      x[i] = xi + h;
      double up = energy(x, n, &w);
      x[i] = xi - h;
      double down = energy(x, n, &w);
      x[i] = xi;
      check("reverse", dx[i], (up - down) / (2 * h));
      if (i % 5 == 0) {
        double t[40] = {0};
        t[i] = 1;
        check("forward", __enzyme_fwddiff((void *)energy, enzyme_dup, x, t, enzyme_const, n, enzyme_const, &w), dx[i]);
      }
    }
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
