// C++ with std::vector: elements pushed one at a time (operator new and
// delete behind push_back's reallocation, which may throw: invokes), read
// back, summed. vector_main.c checks adc's derivatives in both modes
// against finite differences.
#include <cmath>
#include <vector>

extern "C" double vec_push_cpp(const double *x, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; i++) v.push_back(std::sin(x[i]) * x[i]);
  double s = 0;
  for (size_t i = 0; i < v.size(); i++) s += v[i] * v[v.size() - 1 - i];
  return s;
}
