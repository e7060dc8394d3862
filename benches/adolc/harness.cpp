// ADOL-C on the same kernels as adc's benchmarks, timed in one run with
// their primal: taped reverse gradients (re-taped per point for the Bessel
// series, whose control flow depends on z; taped once and reused for the
// loop kernel, whose control flow does not) and tapeless forward mode.
// Prints one line per measurement: kernel, variant, ns per call, primal ns.
#include <adolc/adolc.h>
#include <adolc/adtl.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

template <class T> T besselj(int nu, T z) {
  double f = 1.0;
  for (int i = 2; i <= nu; i++) f *= i;
  int k = 0;
  T s = pow(z / 2.0, double(nu)) / f;
  T out = s;
  while (fabs(s) > 2.220446049250313e-16) {
    k += 1;
    s *= (-1.0) / k / (k + nu) * ((z / 2.0) * (z / 2.0));
    out += s;
  }
  return out;
}

template <class T> T sin_dot(const T *x, int n) {
  T s = 0.0;
  for (int i = 0; i + 1 < n; i++) s += sin(x[i]) * x[i + 1];
  return s;
}

static volatile double sink;

template <class F> double ns_per_call(F f, double min_seconds = 0.5) {
  long reps = 1;
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    for (long r = 0; r < reps; r++) f();
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt >= min_seconds) return dt * 1e9 / reps;
    reps *= 2;
  }
}

int main() {
  // poor_besselj(2, 0.5)
  double z = 0.5;
  double primal = ns_per_call([&] { sink = besselj<double>(2, z); });
  double taped = ns_per_call([&] {
    trace_on(1);
    adouble az;
    az <<= z;
    adouble y = besselj<adouble>(2, az);
    double yv;
    y >>= yv;
    trace_off();
    double g;
    gradient(1, 1, &z, &g);
    sink = g;
  });
  adtl::setNumDir(1);
  double tapeless = ns_per_call([&] {
    adtl::adouble az = z;
    az.setADValue(0, 1.0);
    adtl::adouble y = besselj<adtl::adouble>(2, az);
    sink = y.getADValue(0);
  });
  printf("poor_besselj reverse-taped-per-point %.1f %.1f\n", taped, primal);
  printf("poor_besselj forward-tapeless %.1f %.1f\n", tapeless, primal);

  for (int n : {1000, 10000, 1000000}) {
    std::vector<double> x(n), g(n);
    for (int i = 0; i < n; i++) x[i] = std::sin(i * 0.37);
    double p = ns_per_call([&] { sink = sin_dot<double>(x.data(), n); });
    // Tape once; reuse it for every gradient.
    trace_on(2);
    std::vector<adouble> ax(n);
    for (int i = 0; i < n; i++) ax[i] <<= x[i];
    adouble y = sin_dot<adouble>(ax.data(), n);
    double yv;
    y >>= yv;
    trace_off();
    double reused = ns_per_call([&] {
      gradient(2, n, x.data(), g.data());
      sink = g[0];
    });
    printf("sin_dot_%d reverse-tape-reused %.1f %.1f\n", n, reused, p);
  }
  return 0;
}
