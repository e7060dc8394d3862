// Enzyme call sites as C++ code for Enzyme writes them: declarations
// without extern "C" (so their names are mangled), a variadic template
// with one instantiation per call, lambdas, std::vector, std::map and
// iostream in the differentiated code. Checked against finite differences
// and analytic values; prints "N checks, 0 failed" and exits 0.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <vector>

extern "C" int enzyme_dup, enzyme_const, enzyme_out, enzyme_dupnoneed;

// Mangled: _Z17__enzyme_autodiffPvd and friends.
double __enzyme_autodiff(void *, double);
double __enzyme_autodiff(void *, double *, double *, int);
// A variadic template: one mangled instantiation per argument list.
template <typename Ret, typename... T> Ret __enzyme_fwddiff(void *, T...);
template <typename... T> void __enzyme_autodiff(void *, T...);

static int checks, failures;
static void check(const char *what, double got, double want, double tol) {
  checks++;
  double err = std::fabs(got - want) / std::fmax(1.0, std::fabs(want));
  if (!(err <= tol)) {
    std::printf("%-36s got %.17g want %.17g WRONG\n", what, got, want);
    failures++;
  }
}

static double cube(double x) { return x * x * x; }

// iostream output is inactive.
static double logged(double x) {
  std::cout << "logged(" << x << ")\n";
  return std::exp(x) * x;
}

static double vec_norm2(double *x, int n) {
  std::vector<double> v(x, x + n); // a memcpy from the caller's array
  v.push_back(1.0);                // and another into the grown buffer
  double s = 0;
  for (double e : v) s += e * e;
  return s;
}

// A map from names to weights read by the differentiated code.
static double weighted(double *x, int n) {
  std::map<int, double> w;
  for (int i = 0; i < n; i++) w[i] = 1.0 + i;
  double s = 0;
  for (int i = 0; i < n; i++) s += w[i] * std::sin(x[i]);
  return s;
}

// An accessor returning a reference, not inlined: the derivative needs the
// shadow of the pointer it returns (reads and writes through it).
struct Grid {
  double *cells;
  int n;
  __attribute__((noinline)) double &at(int i) { return cells[i % n]; }
};
static double relax(double *cells, int n) {
  Grid g{cells, n};
  for (int i = 1; i < n; i++) g.at(i) = 0.5 * (g.at(i) + g.at(i - 1) * g.at(i - 1));
  return g.at(n - 1);
}

struct Spring {
  double k;
  double energy(double x) const { return 0.5 * k * x * x; }
};
static double spring(double k, double x) { return Spring{k}.energy(x); }

// Virtual calls: the derivative resolves them from the object's vtable.
// The shadow object's vtable slot is what __enzyme_virtualreverse gives.
template <typename T> T __enzyme_virtualreverse(T);
struct Law;
double __enzyme_autodiff(void *, int, Law *, Law *, double);
struct Law {
  double c;
  virtual double rate(double x) const = 0;
  virtual ~Law() = default;
};
struct Power : Law {
  double rate(double x) const override { return c * x * x * x; }
};
struct Wave : Law {
  double rate(double x) const override { return std::sin(c * x); }
};
__attribute__((noinline)) static double integrate(const Law &law, double x, int steps) {
  double s = 0, h = x / steps;
  for (int i = 1; i <= steps; i++) s += h * law.rate(i * h);
  return s;
}
static double total(const Law *law, double x) { return integrate(*law, x, 8) * law->c; }

int main() {
  {
    // total = c * sum_i h rate(i h), h = x / 8: d/dx and d/dc by finite differences.
    const double x = 0.9, e = 1e-6;
    Power p1, p2, dp;
    Wave w1, w2, dw;
    p1.c = w1.c = 1.3;
    Law *laws[2] = {&p1, &w1}, *twins[2] = {&p2, &w2}, *shadows[2] = {&dp, &dw};
    for (int k = 0; k < 2; k++) {
      *(void **)shadows[k] = __enzyme_virtualreverse(*(void **)shadows[k]);
      shadows[k]->c = 0;
      twins[k]->c = 1.3 + e;
      double fd_c = (total(twins[k], x) - (twins[k]->c = 1.3 - e, total(twins[k], x))) / (2 * e);
      double fd_x = (total(laws[k], x + e) - total(laws[k], x - e)) / (2 * e);
      double dx = __enzyme_autodiff((void *)total, enzyme_dup, laws[k], shadows[k], x);
      check(k ? "virtual Wave: d/dx" : "virtual Power: d/dx", dx, fd_x, 1e-7);
      check(k ? "virtual Wave: d/dc" : "virtual Power: d/dc", shadows[k]->c, fd_c, 1e-7);
      double tx = __enzyme_fwddiff<double>((void *)total, enzyme_const, laws[k], x, 1.0);
      check(k ? "virtual Wave: forward" : "virtual Power: forward", tx, fd_x, 1e-7);
    }
  }
  check("mangled autodiff", __enzyme_autodiff((void *)cube, 2.0), 12.0, 1e-12);
  check("iostream inactive", __enzyme_autodiff((void *)logged, 0.5), std::exp(0.5) * 1.5, 1e-12);

  // A captureless lambda as the function.
  auto lam = [](double x) { return std::sin(x) * x; };
  double (*lp)(double) = lam;
  check("lambda", __enzyme_autodiff((void *)lp, 1.0), std::cos(1.0) + std::sin(1.0), 1e-12);

  double x[3] = {1, 2, 3}, dx[3] = {0, 0, 0};
  double d = __enzyme_autodiff((void *)vec_norm2, x, dx, 3);
  check("std::vector: no adjoint gives 0", d, 0.0, 0);
  check("std::vector dx[2]", dx[2], 6.0, 1e-12);

  double y[3] = {0.1, 0.2, 0.3}, dy[3] = {0, 0, 0};
  __enzyme_autodiff<int, double *, double *, int, int>((void *)weighted, enzyme_dup, y, dy,
                                                       enzyme_const, 3);
  check("std::map dy[1]", dy[1], 2.0 * std::cos(0.2), 1e-12);

  // relax: c1' = 0.5 (c1 + c0^2), c2' = 0.5 (c2 + c1'^2); returns c2'.
  double c[3] = {0.5, 1.0, 2.0}, dc[3] = {0, 0, 0}, tc[3] = {1, 0, 0};
  __enzyme_autodiff<double *, double *, int>((void *)relax, c, dc, 3);
  c[0] = 0.5, c[1] = 1.0, c[2] = 2.0;
  double c1 = 0.5 * (1.0 + 0.25);
  check("reference accessor, reverse", dc[0], c1 * 0.5, 1e-12); // d c2'/d c0 = c1' * c0
  check("reference accessor, forward", __enzyme_fwddiff<double>((void *)relax, c, tc, 3), c1 * 0.5, 1e-12);

  // Forward mode through the template: an unmarked double is duplicated.
  check("template fwddiff", __enzyme_fwddiff<double>((void *)cube, 2.0, 1.0), 12.0, 1e-12);
  check("template fwddiff const/dup",
        __enzyme_fwddiff<double>((void *)spring, enzyme_const, 3.0, enzyme_dup, 2.0, 1.0), 6.0, 1e-12);
  check("template fwddiff dk", __enzyme_fwddiff<double>((void *)spring, 3.0, 1.0, enzyme_const, 2.0),
        2.0, 1e-12);

  std::printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
