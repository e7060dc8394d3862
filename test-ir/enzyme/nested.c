/* Second derivatives the way Enzyme's users write them: __enzyme_autodiff
 * of a function that calls __enzyme_autodiff (reverse over reverse, its
 * tape growing into heap blocks for long loops), __enzyme_fwddiff of one
 * (forward over reverse), and __enzyme_iter, an iteration count that grows
 * with each derivative so that a truncated series keeps its accuracy.
 * Checked against central differences and closed forms; prints "N checks,
 * 0 failed". Third and fourth derivatives too, reverse to every order
 * (each gradient's tape blocks get shadow blocks of their own) against
 * forward chains over one reverse and central differences. */
#include <math.h>
#include <stdio.h>

double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);
unsigned long long __enzyme_iter(unsigned long long, unsigned long long);

static int checks, failures;
static void check(const char *what, int n, double got, double want, double tol) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= tol)) {
    printf("%s (%d): got %.17g want %.17g (rel err %.1e) WRONG\n", what, n, got, want, err);
    failures++;
  }
}

/* A recurrence whose gradient keeps a tape of n steps. */
double recur(double x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s = sin(x * (i + 1)) * 0.5 * s + x * cos(s);
  return s;
}
double d_recur(double x, int n) { return __enzyme_autodiff((void *)recur, x, n); }
double dd_recur(double x, int n) { return __enzyme_autodiff((void *)d_recur, x, n); }
double dd_recur_fwd(double x, int n) { return __enzyme_fwddiff((void *)d_recur, x, 1.0, n); }
double ddd_recur(double x, int n) { return __enzyme_autodiff((void *)dd_recur, x, n); }
double dddd_recur(double x, int n) { return __enzyme_autodiff((void *)ddd_recur, x, n); }
double ddd_recur_ff(double x, int n) { return __enzyme_fwddiff((void *)dd_recur_fwd, x, 1.0, n); }
double dddd_recur_fff(double x, int n) { return __enzyme_fwddiff((void *)ddd_recur_ff, x, 1.0, n); }
/* Two directions at once (enzyme_width) over the gradient: each lane's
 * shadow tape grows into blocks of its own. */
extern int enzyme_width;
typedef struct { double lane[2]; } two;
two __enzyme_fwddiff_two(void *, ...) __asm__("__enzyme_fwddiff");
two dd_recur_w2(double x, int n) {
  return __enzyme_fwddiff_two((void *)d_recur, enzyme_width, 2, x, 1.0, 2.0, n);
}

/* sin x as its Taylor polynomial: terms up to x^N, N = 12 in the program
 * and one more per derivative taken. */
__attribute__((noinline)) unsigned long long factorial(unsigned long long k) {
  return k == 0 ? 1 : k * factorial(k - 1);
}
static double taylor_sin(double x, unsigned long long n) {
  double r = 0;
  for (unsigned long long i = 1; i <= n; i += 2) r += pow(x, i) / factorial(i) * (i % 4 == 1 ? 1 : -1);
  return r;
}
double my_sin(double x) {
  double r = 0;
  unsigned long long n = __enzyme_iter(12, 1);
  for (unsigned long long i = 1; i <= n; i += 2) r += pow(x, i) / factorial(i) * (i % 4 == 1 ? 1 : -1);
  return r;
}
double d_sin(double x) { return __enzyme_autodiff((void *)my_sin, x); }
double dd_sin(double x) { return __enzyme_autodiff((void *)d_sin, x); }
double dd_sin_fwd(double x) { return __enzyme_fwddiff((void *)d_sin, x, 1.0); }
double ddd_sin(double x) { return __enzyme_autodiff((void *)dd_sin, x); }
double dddd_sin(double x) { return __enzyme_autodiff((void *)ddd_sin, x); }

int main(void) {
  const double h = 1e-5, x = 0.3;
  for (int n = 5; n <= 5000; n *= 10) {
    double fd = (d_recur(x + h, n) - d_recur(x - h, n)) / (2 * h);
    double rr = dd_recur(x, n), fr = dd_recur_fwd(x, n);
    check("reverse over reverse = forward over reverse", n, rr, fr, 1e-12);
    if (n <= 50) check("reverse over reverse vs central difference", n, rr, fd, 1e-6);
    check("again (the cached tape block)", n, dd_recur(x, n), rr, 0);
    two w = dd_recur_w2(x, n);
    check("width 2, lane 0 = width 1", n, w.lane[0], fr, 0);
    check("width 2, lane 1 = 2 x width 1", n, w.lane[1], 2 * fr, 0);
    double rrr = ddd_recur(x, n), rrrr = dddd_recur(x, n);
    check("reverse^3 = forward^2 over reverse", n, rrr, ddd_recur_ff(x, n), 1e-12);
    check("reverse^4 = forward^3 over reverse", n, rrrr, dddd_recur_fff(x, n), 1e-12);
    if (n <= 50) {
      check("reverse^3 vs central difference", n, rrr,
            (dd_recur(x + h, n) - dd_recur(x - h, n)) / (2 * h), 1e-6);
      check("reverse^4 vs central difference", n, rrrr,
            (ddd_recur(x + h, n) - ddd_recur(x - h, n)) / (2 * h), 1e-6);
    }
  }
  for (double z = -1.5; z <= 1.5; z += 0.75) {
    check("__enzyme_iter: the program's count", 0, my_sin(z), taylor_sin(z, 12), 1e-15);
    /* d/dz of 13 terms: cos's polynomial up to z^12 (error below z^14/14!) */
    check("__enzyme_iter: first derivative", 1, d_sin(z), cos(z), 1e-8);
    /* two derivatives of 14 terms: -(the program's 12) exactly */
    check("__enzyme_iter: reverse over reverse", 2, dd_sin(z), -taylor_sin(z, 12), 1e-14);
    check("__enzyme_iter: forward over reverse", 2, dd_sin_fwd(z), -taylor_sin(z, 12), 1e-14);
    /* three and four derivatives of 15 and 16 terms: cos's and sin's
     * polynomials up to z^12 and z^11 */
    check("__enzyme_iter: reverse^3", 3, ddd_sin(z), -cos(z), 1e-8);
    check("__enzyme_iter: reverse^4", 4, dddd_sin(z), sin(z), 1e-7);
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
