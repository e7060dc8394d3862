/* Calls through function pointers, as numeric C makes them: an ODE
 * right-hand side passed to an integrator, a table of operations chosen at
 * run time, an allocator reached through a global. Enzyme-style call sites
 * in both modes, each checked against a central finite difference and the
 * analytic value. Prints "N checks, 0 failed".
 *
 * With the argument `outside`, the integrator is given a right-hand side
 * that is not in the module (defined in outside.c, compiled natively); the
 * derivative must stop with a message, not return a derivative without it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int enzyme_dup, enzyme_const, enzyme_out;
double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);

static int checks, failures;
static void check(const char *what, double got, double want, double tol) {
  checks++;
  double err = fabs(got - want) / fmax(1.0, fabs(want));
  if (!(err <= tol)) {
    printf("%-40s got %.17g want %.17g (rel err %.2e) WRONG\n", what, got, want, err);
    failures++;
  }
}

/* ---- an integrator that calls its system through a pointer ---- */
typedef void (*rhs_fn)(const double *x, double *dx, double k);
void decay(const double *x, double *dx, double k) { dx[0] = -k * x[0]; }
void oscillate(const double *x, double *dx, double k) {
  dx[0] = x[1];
  dx[1] = -k * x[0];
}
__attribute__((noinline)) void euler(rhs_fn f, double *x, int dim, double k, double t, int steps) {
  double dx[2];
  double h = t / steps;
  for (int s = 0; s < steps; s++) {
    f(x, dx, k);
    for (int i = 0; i < dim; i++) x[i] += h * dx[i];
  }
}
/* x(t) of x' = -k x, x(0) = 1, by 100 Euler steps: (1 - k t / 100)^100. */
double decay_at(double k, double t) {
  double x[1] = {1.0};
  euler(decay, x, 1, k, t, 100);
  return x[0];
}
/* Which system: chosen at run time, so the call stays indirect. */
rhs_fn chosen = decay;
double system_at(double k, double t) {
  double x[2] = {1.0, 0.5};
  euler(chosen, x, chosen == decay ? 1 : 2, k, t, 50);
  return x[0] + x[1];
}

/* ---- a table of operations indexed at run time ---- */
static double op_sin(double x) { return sin(x); }
static double op_cube(double x) { return x * x * x; }
static double op_exp2(double x) { return exp(2 * x); }
double (*ops[3])(double) = {op_sin, op_cube, op_exp2};
double apply_op(int which, double x) { return ops[which](x) * x; }

/* ---- an allocator through a global function pointer ---- */
struct allocator {
  int count;
  void *(*alloc)(size_t);
} heap = {0, malloc};
__attribute__((noinline)) void *obtain(size_t n) { return heap.alloc(n); }
double via_allocator(double x) {
  double *m = obtain(2 * sizeof(double));
  m[0] = x;
  m[1] = sin(x);
  double r = m[0] * m[1];
  free(m);
  return r;
}

/* ---- outside the module ---- */
void outside_rhs(const double *x, double *dx, double k);
double outside_at(double k) {
  double x[1] = {1.0};
  euler(outside_rhs, x, 1, k, 1.0, 10);
  return x[0];
}

#define H 1e-5
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "outside") == 0) {
    printf("%g\n", __enzyme_autodiff((void *)outside_at, 0.5));
    return 0;
  }
  double k = 0.7, t = 1.3;
  {
    double want = -t * pow(1 - k * t / 100, 99);
    double fd = (decay_at(k + H, t) - decay_at(k - H, t)) / (2 * H);
    double r = __enzyme_autodiff((void *)decay_at, k, enzyme_const, t);
    double f = __enzyme_fwddiff((void *)decay_at, k, 1.0, enzyme_const, t);
    check("callback: reverse d/dk", r, want, 1e-9);
    check("callback: forward d/dk", f, want, 1e-9);
    check("callback: finite difference", fd, want, 1e-6);
  }
  for (int which = 0; which < 2; which++) {
    chosen = which ? oscillate : decay;
    double fd = (system_at(k + H, t) - system_at(k - H, t)) / (2 * H);
    double r = __enzyme_autodiff((void *)system_at, k, enzyme_const, t);
    double f = __enzyme_fwddiff((void *)system_at, k, 1.0, enzyme_const, t);
    check(which ? "chosen oscillate: reverse" : "chosen decay: reverse", r, fd, 1e-6);
    check(which ? "chosen oscillate: forward" : "chosen decay: forward", f, fd, 1e-6);
  }
  {
    double x = 0.8;
    double want[3] = {cos(x) * x + sin(x), 4 * x * x * x, exp(2 * x) * (2 * x + 1)};
    for (int w = 0; w < 3; w++) {
      double fd = (apply_op(w, x + H) - apply_op(w, x - H)) / (2 * H);
      double r = __enzyme_autodiff((void *)apply_op, enzyme_const, w, x);
      double f = __enzyme_fwddiff((void *)apply_op, enzyme_const, w, x, 1.0);
      check("table: reverse", r, want[w], 1e-12);
      check("table: forward", f, want[w], 1e-12);
      check("table: finite difference", fd, want[w], 1e-6);
    }
  }
  {
    double x = 1.1, want = sin(x) + x * cos(x);
    double fd = (via_allocator(x + H) - via_allocator(x - H)) / (2 * H);
    check("allocator: reverse", __enzyme_autodiff((void *)via_allocator, x), want, 1e-12);
    check("allocator: forward", __enzyme_fwddiff((void *)via_allocator, x, 1.0), want, 1e-12);
    check("allocator: finite difference", fd, want, 1e-6);
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
