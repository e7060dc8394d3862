/* final_store.c's gradients against central differences, with the output
 * apart from the input and pointing into it. Prints "N checks, M failed". */
#include <math.h>
#include <stdio.h>
#include <string.h>

void sum_sq_into(const double *x, int n, double *out);
void sum_sq_into_grad(const double *x, double *dx, int n, double *out, double *dout);
void smooth_into(const double *x, int n, double *out);
void smooth_into_grad(const double *x, double *dx, int n, double *out, double *dout);

static int checks, failures;
static void check(const char *what, int i, double got, double want) {
  checks++;
  if (!(fabs(got - want) <= 1e-7 * fmax(1.0, fabs(want)))) {
    printf("%s [%d]: got %.17g want %.17g\n", what, i, got, want);
    failures++;
  }
}

enum { N = 40 };

/* d out[k] / d x[i] by central differences, out at x + o (o < 0: apart). */
static double fd(void (*f)(const double *, int, double *), const double *x0, int i, int o, int k) {
  double h = 1e-6, r[2];
  for (int s = 0; s < 2; s++) {
    double x[N + 2], sep[2];
    memcpy(x, x0, sizeof x);
    x[i] += s ? -h : h;
    double *out = o < 0 ? sep : x + o;
    f(x, N, out);
    r[s] = out[k];
  }
  return (r[0] - r[1]) / (2 * h);
}

static void run(const char *name, void (*f)(const double *, int, double *),
                void (*g)(const double *, double *, int, double *, double *), int outs) {
  double x0[N + 2];
  for (int i = 0; i < N + 2; i++) x0[i] = 0.4 + 0.3 * sin(1.7 * i);
  for (int o = -1; o < N; o += 7) { /* apart, then into the input */
    for (int k = 0; k < outs; k++) {
      double x[N + 2], dx[N + 2] = {0}, sep[2] = {0}, dsep[2] = {0};
      memcpy(x, x0, sizeof x);
      double *out = o < 0 ? sep : x + o, *dout = o < 0 ? dsep : dx + o;
      dout[k] = 1.0;
      g(x, dx, N, out, dout);
      double want_out[2];
      double xc[N + 2];
      memcpy(xc, x0, sizeof xc);
      f(xc, N, o < 0 ? want_out : xc + o);
      check(name, -1, out[k], o < 0 ? want_out[k] : xc[o + k]);
      /* (With the output inside the input, the seed sits in dx[o + k]; the
       * reverse of the store takes it, and the derivative with respect to
       * the input that was there arrives after.) */
      for (int i = 0; i < N; i++) check(name, i, dx[i], fd(f, x0, i, o, k));
    }
  }
}

int main(void) {
  run("sum_sq_into", sum_sq_into, sum_sq_into_grad, 1);
  run("smooth_into", smooth_into, smooth_into_grad, 2);
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
