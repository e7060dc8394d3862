/* Enzyme call sites adc must refuse with a reason (never a wrong result,
 * a crash or an unresolved symbol): one case per CASE value. */
#include <math.h>
#include <string.h>

extern int enzyme_dup, enzyme_out, enzyme_const, enzyme_width;
double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);
double __enzyme_batch(void *, ...);

double mul2(double x, double y) { return x * y; }
double sq(double x) { return x * x; }

/* A double changed as a uint64_t: its derivative would be lost. */
__attribute__((noinline)) double from_bits(unsigned long long u) {
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}
double punned(double x) {
  unsigned long long u;
  memcpy(&u, &x, sizeof u);
  return from_bits(u ^ 1) * x;
}

/* A gradient that keeps a tape (a loop with a run-time count). */
int N = 5;
double looped(double x) {
  double s = 0;
  for (int i = 1; i <= N; i++) s += sin(x * i) * s * 0.1 + sin(x * i);
  return s;
}
double d_looped(double x) { return __enzyme_autodiff((void *)looped, x); }

#if CASE == 1
/* Two adjoints into one double. */
double two_into_one(double x, double y) { return __enzyme_autodiff((void *)mul2, x, y); }
#elif CASE == 2
/* Reverse vector mode gives the adjoints only. */
extern int enzyme_primal_return;
double width(double x) {
  return __enzyme_autodiff((void *)sq, enzyme_width, 2, enzyme_primal_return, x);
}
#elif CASE == 3
double batch(double x) { return __enzyme_batch((void *)sq, x); }
#elif CASE == 4
/* A reverse rule needs three functions: f, its augmented forward pass and
 * its reverse pass. */
double gradient_sq(double x, double d) { return 2 * x * d; }
void *__enzyme_register_gradient_sq[] = {(void *)sq, (void *)gradient_sq};
double registered(double x) { return __enzyme_autodiff((void *)sq, x); }
#elif CASE == 5
double pun_rev(double x) { return __enzyme_autodiff((void *)punned, x); }
#elif CASE == 6
double pun_fwd(double x) { return __enzyme_fwddiff((void *)punned, x, 1.0); }
#elif CASE == 7
double too_few(double x) { return __enzyme_autodiff((void *)mul2, x); }
#elif CASE == 8
double out_forward(double x) { return __enzyme_fwddiff((void *)sq, enzyme_out, x); }
#elif CASE == 10
/* A forward rule must return {primal, tangent} and take each float with
 * its tangent. */
double bad_fwd_sq(double x) { return 2 * x; }
void *__enzyme_register_derivative_sq[] = {(void *)sq, (void *)bad_fwd_sq};
double misfit(double x) { return __enzyme_fwddiff((void *)sq, x, 1.0); }
#elif CASE == 11
/* A rule for a function clang inlined (no noinline at -O2): refused. */
double aug_sq(double x) { return sq(x); }
double rev_sq(double x, double d) { return 2 * x * d; }
void *__enzyme_register_gradient_sq[] = {(void *)sq, (void *)aug_sq, (void *)rev_sq};
double inlined(double x) { return sq(x) + 1; }
double d_inlined(double x) { return __enzyme_autodiff((void *)inlined, x); }
#elif CASE == 12
/* A stop-gradient that returns its argument: clang -O2 replaces the
 * call's result with the argument, and the annotation is lost. */
__attribute__((noinline)) double stop(double x) { return x; }
void *__enzyme_inactivefn_stop = (void *)stop;
double stopped(double x) { return x * stop(x); }
double d_stopped(double x) { return __enzyme_autodiff((void *)stopped, x); }
#endif
