/* Enzyme's vector forward mode, written as code for Enzyme is written:
 * `__enzyme_fwddiff(f, enzyme_width, N, ...)` with N tangents after each
 * duplicated argument, the N tangents of the result returned as a struct
 * (in registers for two doubles, through a hidden pointer for four), with
 * and without the primal result, duplicated pointers with N shadows, and a
 * function whose tangents live in a global's shadow, and enzyme_dupv (one
 * shadow pointer per argument, lane k at a byte offset of k times the one
 * given: the lanes of a [N][n] array). Each lane is checked
 * against a central difference along its direction. Reverse vector mode:
 * `__enzyme_autodiff(f, enzyme_width, N, ...)` with N shadows per
 * duplicated pointer, the adjoints of each active scalar returned lane by
 * lane, against N scalar calls (bit for bit). And `__enzyme_batch`:
 * the function itself on N sets of arguments, vector and scalar
 * parameters, against N separate calls (bit for bit). */
#include <math.h>
#include <stdio.h>
#include <string.h>

extern int enzyme_width, enzyme_dup, enzyme_dupv, enzyme_const, enzyme_primal_return;
extern int enzyme_vector, enzyme_scalar;

typedef struct { double d0, d1; } two;
typedef struct { double d0, d1, d2, d3; } four;
typedef struct { double primal, d0, d1; } primal_two;
two __enzyme_fwddiff_two(void *, ...);
four __enzyme_fwddiff_four(void *, ...);
primal_two __enzyme_fwddiff_primal(void *, ...);
void __enzyme_fwddiff_void(void *, ...);
double __enzyme_autodiff(void *, ...);
two __enzyme_autodiff_two(void *, ...);
four __enzyme_autodiff_four(void *, ...);
four __enzyme_batch_four(void *, ...);
void __enzyme_batch_void(void *, ...);

static int checks, failures;
static void same(const char *what, int lane, double got, double want) {
  checks++;
  if (got != want) {
    failures++;
    printf("%s lane %d: %.17g, want %.17g (bit for bit)\n", what, lane, got, want);
  }
}

static void check(const char *what, int lane, double got, double want) {
  checks++;
  if (!(fabs(got - want) <= 1e-6 * fmax(1.0, fabs(want)))) {
    failures++;
    printf("%s lane %d: %.17g, want %.17g\n", what, lane, got, want);
  }
}

double fun(double x, double y) { return x * y + 1.0 / x + sin(x * y); }

double sumsq(const double *v, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += v[i] * v[i] * cos(v[i]);
  return s;
}

void scale(const double *v, double *out, double a, int n) {
  for (int i = 0; i < n; i++) out[i] = a * exp(v[i]);
}

static double acc;
__attribute__((noinline)) static void add(double x) { acc = acc * 0.5 + x * x; }
double through_global(double x) {
  acc = 0.0;
  for (int i = 0; i < 3; i++) add(sin(x + i));
  return acc;
}

/* An active scalar and an array, for reverse vector mode. */
double weighted(double a, const double *v, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += sin(a * v[i]) * v[i];
  return s * a;
}

double horner(double x, const double *c, int n) {
  double s = 0.0;
  for (int i = n - 1; i >= 0; i--) s = s * x + c[i];
  return s;
}

void normalize(double *v, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += v[i] * v[i];
  s = sqrt(s);
  for (int i = 0; i < n; i++) v[i] /= s;
}

int main(void) {
  const double h = 1e-6;
  for (int t = 0; t < 5; t++) {
    double x = 0.4 + 0.3 * t, y = 1.1 - 0.2 * t;
    two g = __enzyme_fwddiff_two((void *)fun, enzyme_width, 2, x, 1.0, 0.0, y, 0.0, 1.0);
    check("fun dx", 0, g.d0, (fun(x + h, y) - fun(x - h, y)) / (2 * h));
    check("fun dy", 1, g.d1, (fun(x, y + h) - fun(x, y - h)) / (2 * h));
    primal_two p = __enzyme_fwddiff_primal((void *)fun, enzyme_width, 2, enzyme_primal_return,
                                           x, 1.0, 0.5, y, 0.0, 1.0);
    check("fun primal", 0, p.primal, fun(x, y));
    check("fun dx", 0, p.d0, (fun(x + h, y) - fun(x - h, y)) / (2 * h));
    check("fun d(0.5,1)", 1, p.d1, (fun(x + 0.5 * h, y + h) - fun(x - 0.5 * h, y - h)) / (2 * h));

    double v[5], dv[4][5];
    for (int i = 0; i < 5; i++) {
      v[i] = 0.3 * i - 0.5 + 0.1 * t;
      for (int k = 0; k < 4; k++) dv[k][i] = (i == k) + 0.25 * (i == 4);
    }
    four s = __enzyme_fwddiff_four((void *)sumsq, enzyme_width, 4, enzyme_dup, v, dv[0], dv[1],
                                   dv[2], dv[3], enzyme_const, 5);
    double lanes[4] = {s.d0, s.d1, s.d2, s.d3};
    for (int k = 0; k < 4; k++) {
      double vp[5], vm[5];
      for (int i = 0; i < 5; i++) vp[i] = v[i] + h * dv[k][i], vm[i] = v[i] - h * dv[k][i];
      check("sumsq", k, lanes[k], (sumsq(vp, 5) - sumsq(vm, 5)) / (2 * h));
    }

    double out[5], dout[2][5];
    __enzyme_fwddiff_void((void *)scale, enzyme_width, 2, enzyme_dup, v, dv[0], dv[1], enzyme_dup,
                          out, dout[0], dout[1], 2.0, 0.0, 1.0, enzyme_const, 5);
    for (int k = 0; k < 2; k++)
      for (int i = 0; i < 5; i++)
        check("scale", k, dout[k][i], 2.0 * exp(v[i]) * dv[k][i] + k * exp(v[i]));

    /* enzyme_dupv: the same as scale's call above, with the lanes of dv
     * and of a second output array found by their byte offset. */
    double dout2[2][5];
    __enzyme_fwddiff_void((void *)scale, enzyme_width, 2, enzyme_dupv, sizeof dv[0], v, dv,
                          enzyme_dupv, sizeof dout2[0], out, dout2, 2.0, 0.0, 1.0, enzyme_const, 5);
    for (int k = 0; k < 2; k++)
      for (int i = 0; i < 5; i++) same("scale, enzyme_dupv", k, dout2[k][i], dout[k][i]);

    two gl = __enzyme_fwddiff_two((void *)through_global, enzyme_width, 2, x, 1.0, -2.0);
    double d = (through_global(x + h) - through_global(x - h)) / (2 * h);
    check("through_global", 0, gl.d0, d);
    check("through_global", 1, gl.d1, -2.0 * d);
  }
  {
    double v[5], dvs[2][5], dv1[5];
    for (int i = 0; i < 5; i++) v[i] = 0.2 * i - 0.3;
    memset(dvs, 0, sizeof dvs);
    two da = __enzyme_autodiff_two((void *)weighted, enzyme_width, 2, 0.7, enzyme_dup, v, dvs[0],
                                   dvs[1], enzyme_const, 5);
    memset(dv1, 0, sizeof dv1);
    double d1 = __enzyme_autodiff((void *)weighted, 0.7, enzyme_dup, v, dv1, enzyme_const, 5);
    same("reverse width 2, da", 0, da.d0, d1);
    same("reverse width 2, da", 1, da.d1, d1);
    for (int i = 0; i < 5; i++) {
      same("reverse width 2, dv", 0, dvs[0][i], dv1[i]);
      same("reverse width 2, dv", 1, dvs[1][i], dv1[i]);
    }
    /* Four lanes of a function of two scalars: x's four adjoints, then
     * y's (the first two only fit the result). */
    four dxy = __enzyme_autodiff_four((void *)fun, enzyme_width, 2, 0.4, 1.1);
    double h = 1e-6;
    for (int k = 0; k < 2; k++) {
      check("reverse width 2, fun dx", k, k == 0 ? dxy.d0 : dxy.d1,
            (fun(0.4 + h, 1.1) - fun(0.4 - h, 1.1)) / (2 * h));
      check("reverse width 2, fun dy", k, k == 0 ? dxy.d2 : dxy.d3,
            (fun(0.4, 1.1 + h) - fun(0.4, 1.1 - h)) / (2 * h));
    }
  }
  double c[6] = {0.5, -1.0, 0.25, 2.0, -0.75, 0.1};
  four hb = __enzyme_batch_four((void *)horner, enzyme_width, 4, 0.1, 0.7, -1.3, 2.2,
                                enzyme_scalar, c, enzyme_scalar, 6);
  double xs[4] = {0.1, 0.7, -1.3, 2.2}, hs[4] = {hb.d0, hb.d1, hb.d2, hb.d3};
  /* (Called through a volatile pointer: clang would fold the calls at
   * compile time, fusing the multiply-adds that run time does not.) */
  double (*volatile hp)(double, const double *, int) = horner;
  for (int k = 0; k < 4; k++) {
    same("horner", k, hs[k], hp(xs[k], c, 6));
  }
  double a[5], b2[5], ra[5], rb[5];
  for (int i = 0; i < 5; i++) a[i] = ra[i] = 0.3 * i + 0.2, b2[i] = rb[i] = cos(i);
  __enzyme_batch_void((void *)normalize, enzyme_width, 2, a, b2, enzyme_scalar, 5);
  void (*volatile np)(double *, int) = normalize;
  np(ra, 5);
  np(rb, 5);
  for (int i = 0; i < 5; i++) {
    same("normalize", 0, a[i], ra[i]);
    same("normalize", 1, b2[i], rb[i]);
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
