// OpenMP in C++ for adc's tests: a std::vector filled by one parallel loop
// and reduced by another, and a class whose method runs a parallel stencil.
#include <cmath>
#include <vector>

struct Chain {
  std::vector<double> k;
  explicit Chain(int n) : k(n, 1.0) {
    for (int i = 0; i < n; i++) k[i] = 1.0 + 0.01 * i;
  }
  // The energy of springs between neighbours: sum k_i (x_{i+1} - x_i)^2.
  double energy(const double *x, int n) const {
    double e = 0;
#pragma omp parallel for reduction(+ : e)
    for (int i = 0; i < n - 1; i++) {
      double d = x[i + 1] - x[i];
      e += k[i] * d * d;
    }
    return e;
  }
};

extern "C" double omp_energy(const double *x, int n) {
  std::vector<double> y(n);
#pragma omp parallel for
  for (int i = 0; i < n; i++) y[i] = std::tanh(x[i]) + 0.1 * x[i];
  Chain c(n);
  return c.energy(y.data(), n);
}
