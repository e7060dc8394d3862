// Eigen in code written for Enzyme: fixed-size and dynamic-size matrices,
// expression templates, reductions and Eigen's aligned allocator, through
// Enzyme call sites in both modes. Checked against central differences;
// prints "N checks, 0 failed" and exits 0.
#include <Eigen/Dense>
#include <cmath>
#include <cstdio>

extern "C" int enzyme_dup, enzyme_const, enzyme_dupnoneed;
double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);

using Eigen::Matrix3d;
using Eigen::MatrixXd;
using Eigen::Vector3d;
using Eigen::VectorXd;

// Fixed size: ||A x||^2 + tr(A^T A) with A = [p0..p8], x = [p9..p11].
static double fixed_energy(const double *p) {
  Matrix3d A = Eigen::Map<const Matrix3d>(p);
  Vector3d x = Eigen::Map<const Vector3d>(p + 9);
  Vector3d y = A * x + 0.5 * x.cwiseProduct(x);
  return y.squaredNorm() + (A.transpose() * A).trace();
}

// Dynamic size: sums of exp and log (vectorized: Eigen rounds with magic
// constants and builds powers of two from bits) and a norm, on the heap.
static double dynamic_energy(const double *p, int n) {
  MatrixXd M(n, n);
  VectorXd v(n);
  for (int i = 0; i < n; i++) {
    v(i) = p[i];
    for (int j = 0; j < n; j++) M(i, j) = std::sin(p[i] * (j + 1));
  }
  VectorXd w = M * v - v;
  return w.array().exp().sum() + (v.array() * v.array() + 1.0).log().sum() + v.norm();
}

// A dynamic product large enough for Eigen's blocked GEMM (sizes summing
// to 20 or more): its packing buffers are phis of a stack buffer, a heap
// buffer and the caller's blocking buffer (null here), with no shadow.
static double gemm_energy(const double *p, int n) {
  MatrixXd A = Eigen::Map<const MatrixXd>(p, n, n);
  MatrixXd B = A * A.transpose();
  return B.squaredNorm() + B.trace();
}

static int checks, failures;
static void check(const char *what, double got, double want) {
  checks++;
  double err = std::fabs(got - want) / std::fmax(1.0, std::fabs(want));
  if (!(err <= 1e-6)) {
    std::printf("%-30s got %.15g want %.15g WRONG\n", what, got, want);
    failures++;
  }
}

template <typename F> static double central(F f, double *p, int i) {
  double h = 1e-6, x = p[i];
  p[i] = x + h;
  double up = f(p);
  p[i] = x - h;
  double down = f(p);
  p[i] = x;
  return (up - down) / (2 * h);
}

int main() {
  double p[12], dp[12] = {0};
  for (int i = 0; i < 12; i++) p[i] = 0.1 * (i + 1) - 0.4;
  __enzyme_autodiff((void *)fixed_energy, enzyme_dup, p, dp);
  auto fe = [](double *q) { return fixed_energy(q); };
  for (int i = 0; i < 12; i++) check("fixed-size reverse", dp[i], central(fe, p, i));
  for (int i = 0; i < 12; i += 5) {
    double t[12] = {0};
    t[i] = 1;
    check("fixed-size forward", __enzyme_fwddiff((void *)fixed_energy, enzyme_dup, p, t), dp[i]);
  }

  const int n = 5;
  double q[n], dq[n] = {0};
  for (int i = 0; i < n; i++) q[i] = 0.2 * i - 0.3;
  __enzyme_autodiff((void *)dynamic_energy, enzyme_dup, q, dq, enzyme_const, n);
  auto de = [](double *r) { return dynamic_energy(r, n); };
  for (int i = 0; i < n; i++) check("dynamic-size reverse", dq[i], central(de, q, i));
  for (int i = 0; i < n; i += 2) {
    double t[n] = {0};
    t[i] = 1;
    check("dynamic-size forward",
          __enzyme_fwddiff((void *)dynamic_energy, enzyme_dup, q, t, enzyme_const, n), dq[i]);
  }

  const int g = 8;
  double a[g * g], da[g * g] = {0};
  for (int i = 0; i < g * g; i++) a[i] = std::sin(0.7 * i) * 0.5;
  __enzyme_autodiff((void *)gemm_energy, enzyme_dup, a, da, enzyme_const, g);
  auto ge = [](double *r) { return gemm_energy(r, g); };
  for (int i = 0; i < g * g; i++) check("blocked product reverse", da[i], central(ge, a, i));
  for (int i = 0; i < g * g; i += 9) {
    double t[g * g] = {0};
    t[i] = 1;
    check("blocked product forward",
          __enzyme_fwddiff((void *)gemm_energy, enzyme_dup, a, t, enzyme_const, g), da[i]);
  }

  std::printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
