// C++ std::complex<double> (libc++: operator* and operator/ with Annex
// G's checks written inline, exp, log, sqrt, abs and arg through real
// functions), each part checked (re + 3 im). Compiled as C++ by the C
// kernels' clang (a .cpp file).
#include <complex>

using cd = std::complex<double>;
static double parts(cd w) { return w.real() + 3.0 * w.imag(); }

extern "C" double std_complex_ops(double x, double y) {
  cd z(x, y), v(0.5 * y - 1.0, x + 0.3);
  cd w = z * v + z / v;
  return parts(w) + parts(std::exp(0.5 * z)) + parts(std::log(v)) + parts(std::sqrt(z)) +
         std::abs(w) + std::arg(v);
}
