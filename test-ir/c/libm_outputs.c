/* libm calls with two results: modf (fraction and integer part, the
 * latter through a pointer) and sincos (both through pointers), double and
 * float. clang emits modf as llvm.modf; libm_outputs_call.c compiles the
 * same code with modf left a libm call, as older compilers emit it. */
#include <math.h>

void sincos(double, double *, double *);
void sincosf(float, float *, float *);

#ifndef MODF_SINCOS
#define MODF_SINCOS modf_sincos
#define MODFF_SINCOSF modff_sincosf
#endif

double MODF_SINCOS(double x) {
  double ip, s, c;
  double fr = modf(3.0 * x, &ip);
  sincos(x, &s, &c);
  return fr * s + ip * c + fr * fr;
}

float MODFF_SINCOSF(float x) {
  float ip, s, c;
  float fr = modff(3.0f * x, &ip);
  sincosf(x, &s, &c);
  return fr * s + ip * c + fr * fr;
}
