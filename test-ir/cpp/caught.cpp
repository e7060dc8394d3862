// An exception thrown by a callee and caught inside the function, which
// then goes on: refused in both modes (the derivative, built for the path
// on which nothing throws, stopped the program through std::terminate on
// this one). A handler that rethrows is fine: `rethrown`.
#include <stdexcept>
#include <cmath>
__attribute__((noinline)) double checked(double x) {
  if (x > 2.0) throw std::runtime_error("too big");
  return std::sin(x) * x;
}
extern "C" double caught(double x) {
  double r;
  try {
    r = checked(x);
  } catch (const std::exception &) {
    r = x * x;
  }
  return r * 3.0;
}

extern "C" double rethrown(double x) {
  try {
    return checked(x) * 2.0;
  } catch (...) {
    throw;
  }
}
