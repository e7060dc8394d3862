/* Kernels compiled with -fno-math-errno -ffp-contract=on, so that clang emits
 * LLVM intrinsics (llvm.sqrt, llvm.pow, llvm.fmuladd, ...) instead of libm calls. */
#include <math.h>

double intrin_exp_log(double x) {
  return sqrt(x) + sin(x) * cos(x) + exp(x) + exp2(x) + log(x) + log2(x) + log10(x);
}

double intrin_pow(double x, double y) {
  return pow(x, y) + fabs(x - 2.0 * y) + fma(x, y, x) + (x * y + y) + fmin(x, y) * fmax(x, y) +
         copysign(x, -y) + __builtin_powi(x, 3);
}

double intrin_round(double x) {
  return floor(x) * x + ceil(x) * sin(x) + trunc(x) * x + round(x) + nearbyint(x) * x;
}

float intrin_float(float x) { return sqrtf(x) * sinf(x) + expf(x) * logf(x) + powf(x, 1.5f) + fabsf(x); }
