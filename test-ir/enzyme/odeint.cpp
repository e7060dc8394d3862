// Generic C++ whose memory moves say nothing of their types (issue 22):
// Boost.Odeint's steppers (the adaptive dopri5 and Cash-Karp, rk4, euler)
// calling the system through a pointer and copying state objects, and a
// std::vector of structs mixing ints, pointers and doubles that grows by
// reallocation (one memcpy of raw bytes: its layout comes from clang's TBAA,
// which -O0 does not emit, so -DNO_TBAA leaves it out and the test checks
// that it is refused there). No type hint. Both modes, each
// against a central finite difference of the same discrete function and,
// for the ODE, the exact derivative. Prints "N checks, 0 failed".
#define BOOST_MATH_NO_LONG_DOUBLE_MATH_FUNCTIONS
#include <boost/array.hpp>
#include <boost/numeric/odeint.hpp>
#include <cmath>
#include <cstdio>
#include <vector>

using namespace boost::numeric::odeint;
typedef boost::array<double, 1> state;

extern "C" int enzyme_const, enzyme_dup;
double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);

static int checks, failures;
static void check(const char *what, double got, double want, double tol) {
  checks++;
  double err = std::fabs(got - want) / std::fmax(1.0, std::fabs(want));
  if (!(err <= tol)) {
    std::printf("%-34s got %.17g want %.17g (rel err %.2e) WRONG\n", what, got, want, err);
    failures++;
  }
}

// x' = -a x, x(0) = 1: x(t) = exp(-a t), dx/da = -t exp(-a t).
static double rate;
static void decay(const state &x, state &dxdt, double) { dxdt[0] = -rate * x[0]; }

static double by_dopri5(double a, double t) {
  rate = a;
  state x = {1.0};
  typedef controlled_runge_kutta<runge_kutta_dopri5<state, double, state, double>> stepper;
  integrate_const(stepper(), decay, x, 0.0, t, 0.1);
  return x[0];
}
static double by_cash_karp(double a, double t) {
  rate = a;
  state x = {1.0};
  typedef controlled_runge_kutta<runge_kutta_cash_karp54<state>> stepper;
  integrate_adaptive(stepper(), decay, x, 0.0, t, 0.01);
  return x[0];
}
static double by_rk4(double a, double t) {
  rate = a;
  state x = {1.0};
  integrate_const(runge_kutta4<state>(), decay, x, 0.0, t, 0.01);
  return x[0];
}
static double by_euler(double a, double t) {
  rate = a;
  state x = {1.0};
  integrate_const(euler<state>(), decay, x, 0.0, t, 0.001);
  return x[0];
}

// Elements mixing an int, a pointer, doubles and a long, pushed without
// reserve: each reallocation moves them with one memcpy of raw bytes.
struct Particle {
  int id;
  const double *ref;
  double m, v;
  long tag;
};
static double energy(const double *w, int n) {
  std::vector<Particle> ps;
  for (int i = 0; i < n; i++) ps.push_back(Particle{i, &w[(i + 1) % n], w[i], 0.5 * w[i] * w[i], 3L * i});
  double e = 0;
  for (const Particle &p : ps) e += p.m * p.v * p.v + *p.ref * (p.id + 1) + 0.01 * p.tag * p.m;
  return e;
}

// One function per call site: Enzyme differentiates the function it is
// given at compile time.
#define ODE_CHECKS(fn, exact_tol)                                                 \
  {                                                                              \
    double fd = (fn(a + h, t) - fn(a - h, t)) / (2 * h);                         \
    double r = __enzyme_autodiff((void *)fn, a, enzyme_const, t);                \
    double f = __enzyme_fwddiff((void *)fn, a, 1.0, enzyme_const, t);            \
    check(#fn " reverse", r, fd, 1e-6);                                          \
    check(#fn " reverse, exact", r, -t * std::exp(-a * t), exact_tol);           \
    check(#fn " forward", f, fd, 1e-6);                                          \
    check(#fn " forward = reverse", f, r, 1e-12);                                \
  }

int main() {
  const double a = 1.2, t = 0.5, h = 1e-6;
  ODE_CHECKS(by_dopri5, 1e-6)
  ODE_CHECKS(by_cash_karp, 1e-5)
  ODE_CHECKS(by_rk4, 1e-7)
  ODE_CHECKS(by_euler, 1e-3)
#ifndef NO_TBAA
  double w[7] = {0.3, 0.7, 1.1, -0.4, 0.9, 1.3, -0.8}, dw[7] = {0};
  __enzyme_autodiff((void *)energy, enzyme_dup, w, dw, enzyme_const, 7);
  for (int k = 0; k < 7; k++) {
    double s = w[k];
    w[k] = s + h;
    double hi = energy(w, 7);
    w[k] = s - h;
    double lo = energy(w, 7);
    w[k] = s;
    double dir[7] = {0};
    dir[k] = 1;
    double f = __enzyme_fwddiff((void *)energy, enzyme_dup, w, dir, enzyme_const, 7);
    check("vector<Particle> growth, reverse", dw[k], (hi - lo) / (2 * h), 1e-7);
    check("vector<Particle> growth, forward", f, dw[k], 1e-12);
  }
#endif
  std::printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
