/* Derivative rules of CBLAS level-1 routines, written as user rules are
 * (rules/custom.rs's convention: each pointer followed by its shadow, NULL
 * when it carries no derivative; each integer by itself again; forward
 * rules take each float with its tangent and return {primal, tangent}).
 * Their derivatives are BLAS calls. Compiled to IR by build.rs and linked
 * into modules that call these routines (rules/blas.rs).
 *
 * Reverse rules keep what the reverse pass reads in a tape of their own
 * (a strided vector copied with ?copy), since the caller may overwrite
 * the vectors before the reverse sweep. */
#include <stddef.h>
#include <stdlib.h>

#define RULES(T, P)                                                                             \
  T cblas_##P##dot(int, const T *, int, const T *, int);                                        \
  void cblas_##P##axpy(int, T, const T *, int, T *, int);                                       \
  void cblas_##P##scal(int, T, T *, int);                                                       \
  T cblas_##P##nrm2(int, const T *, int);                                                       \
  void cblas_##P##copy(int, const T *, int, T *, int);                                          \
                                                                                                \
  typedef struct { T primal, tangent; } dual_##P;                                               \
  typedef struct { T *tape; T result; } taped_##P;                                              \
                                                                                                \
  static T *copy_##P(int n, const T *x, int incx, int at, T *buf) {                             \
    if (n > 0) cblas_##P##copy(n, x, incx, buf + at, 1);                                        \
    return buf;                                                                                 \
  }                                                                                             \
                                                                                                \
  /* dot: r = x . y */                                                                          \
  dual_##P adc_rule_##P##dot_fwd(int n, int n_, const T *x, const T *dx, int incx, int incx_,   \
                                 const T *y, const T *dy, int incy, int incy_) {                \
    dual_##P r = {cblas_##P##dot(n, x, incx, y, incy), 0};                                      \
    if (dx) r.tangent += cblas_##P##dot(n, dx, incx, y, incy);                                  \
    if (dy) r.tangent += cblas_##P##dot(n, x, incx, dy, incy);                                  \
    return r;                                                                                   \
  }                                                                                             \
  taped_##P adc_rule_##P##dot_aug(int n, int n_, const T *x, const T *dx, int incx, int incx_,  \
                                  const T *y, const T *dy, int incy, int incy_) {               \
    T *tape = malloc(sizeof(T) * (2 * (size_t)(n > 0 ? n : 0) + 1));                            \
    if (dy) copy_##P(n, x, incx, 0, tape);                                                      \
    if (dx) copy_##P(n, y, incy, n > 0 ? n : 0, tape);                                          \
    taped_##P r = {tape, cblas_##P##dot(n, x, incx, y, incy)};                                  \
    return r;                                                                                   \
  }                                                                                             \
  void adc_rule_##P##dot_rev(int n, int n_, const T *x, T *dx, int incx, int incx_, const T *y, \
                             T *dy, int incy, int incy_, T d_ret, T *tape) {                    \
    if (dx && n > 0) cblas_##P##axpy(n, d_ret, tape + n, 1, dx, incx);                          \
    if (dy && n > 0) cblas_##P##axpy(n, d_ret, tape, 1, dy, incy);                              \
    free(tape);                                                                                 \
  }                                                                                             \
                                                                                                \
  /* axpy: y += a x */                                                                          \
  void adc_rule_##P##axpy_fwd(int n, int n_, T a, T da, const T *x, const T *dx, int incx,      \
                              int incx_, T *y, T *dy, int incy, int incy_) {                    \
    if (dy) {                                                                                   \
      if (dx) cblas_##P##axpy(n, a, dx, incx, dy, incy);                                        \
      cblas_##P##axpy(n, da, x, incx, dy, incy);                                                \
    }                                                                                           \
    cblas_##P##axpy(n, a, x, incx, y, incy);                                                    \
  }                                                                                             \
  T *adc_rule_##P##axpy_aug(int n, int n_, T a, const T *x, const T *dx, int incx, int incx_,   \
                            T *y, T *dy, int incy, int incy_) {                                 \
    T *tape = malloc(sizeof(T) * ((size_t)(n > 0 ? n : 0) + 1));                                \
    if (dy) copy_##P(n, x, incx, 0, tape);                                                      \
    cblas_##P##axpy(n, a, x, incx, y, incy);                                                    \
    return tape;                                                                                \
  }                                                                                             \
  T adc_rule_##P##axpy_rev(int n, int n_, T a, const T *x, T *dx, int incx, int incx_, T *y,    \
                           T *dy, int incy, int incy_, T *tape) {                               \
    T da = 0;                                                                                   \
    if (dy && n > 0) {                                                                          \
      da = cblas_##P##dot(n, tape, 1, dy, incy);                                                \
      if (dx) cblas_##P##axpy(n, a, dy, incy, dx, incx);                                        \
    }                                                                                           \
    free(tape);                                                                                 \
    return da;                                                                                  \
  }                                                                                             \
                                                                                                \
  /* scal: x = a x */                                                                           \
  void adc_rule_##P##scal_fwd(int n, int n_, T a, T da, T *x, T *dx, int incx, int incx_) {     \
    if (dx) {                                                                                   \
      cblas_##P##scal(n, a, dx, incx);                                                          \
      cblas_##P##axpy(n, da, x, incx, dx, incx);                                                \
    }                                                                                           \
    cblas_##P##scal(n, a, x, incx);                                                             \
  }                                                                                             \
  T *adc_rule_##P##scal_aug(int n, int n_, T a, T *x, T *dx, int incx, int incx_) {             \
    T *tape = malloc(sizeof(T) * ((size_t)(n > 0 ? n : 0) + 1));                                \
    if (dx) copy_##P(n, x, incx, 0, tape);                                                      \
    cblas_##P##scal(n, a, x, incx);                                                             \
    return tape;                                                                                \
  }                                                                                             \
  T adc_rule_##P##scal_rev(int n, int n_, T a, T *x, T *dx, int incx, int incx_, T *tape) {     \
    T da = 0;                                                                                   \
    if (dx && n > 0) {                                                                          \
      da = cblas_##P##dot(n, tape, 1, dx, incx);                                                \
      cblas_##P##scal(n, a, dx, incx);                                                          \
    }                                                                                           \
    free(tape);                                                                                 \
    return da;                                                                                  \
  }                                                                                             \
                                                                                                \
  /* copy: y = x (y's old adjoint is dropped: y is overwritten) */                             \
  static void zero_##P(int n, T *y, int incy) {                                                 \
    T *p = incy < 0 ? y - (ptrdiff_t)(n - 1) * incy : y;                                        \
    for (int i = 0; i < n; i++) p[(ptrdiff_t)i * incy] = 0;                                     \
  }                                                                                             \
  void adc_rule_##P##copy_fwd(int n, int n_, const T *x, const T *dx, int incx, int incx_,      \
                              T *y, T *dy, int incy, int incy_) {                               \
    if (dy) {                                                                                   \
      if (dx)                                                                                   \
        cblas_##P##copy(n, dx, incx, dy, incy);                                                 \
      else                                                                                      \
        zero_##P(n, dy, incy);                                                                  \
    }                                                                                           \
    cblas_##P##copy(n, x, incx, y, incy);                                                       \
  }                                                                                             \
  void adc_rule_##P##copy_aug(int n, int n_, const T *x, const T *dx, int incx, int incx_,      \
                              T *y, T *dy, int incy, int incy_) {                               \
    cblas_##P##copy(n, x, incx, y, incy);                                                       \
  }                                                                                             \
  void adc_rule_##P##copy_rev(int n, int n_, const T *x, T *dx, int incx, int incx_, T *y,      \
                              T *dy, int incy, int incy_) {                                     \
    if (dy && n > 0) {                                                                          \
      if (dx) cblas_##P##axpy(n, 1, dy, incy, dx, incx);                                        \
      zero_##P(n, dy, incy);                                                                    \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  /* nrm2: r = |x| (at x = 0 the subgradient 0) */                                             \
  dual_##P adc_rule_##P##nrm2_fwd(int n, int n_, const T *x, const T *dx, int incx, int incx_) { \
    dual_##P r = {cblas_##P##nrm2(n, x, incx), 0};                                              \
    if (dx && r.primal != 0) r.tangent = cblas_##P##dot(n, x, incx, dx, incx) / r.primal;       \
    return r;                                                                                   \
  }                                                                                             \
  taped_##P adc_rule_##P##nrm2_aug(int n, int n_, const T *x, const T *dx, int incx,            \
                                   int incx_) {                                                 \
    T *tape = malloc(sizeof(T) * ((size_t)(n > 0 ? n : 0) + 1));                                \
    taped_##P r = {tape, cblas_##P##nrm2(n, x, incx)};                                          \
    tape[0] = r.result;                                                                         \
    if (dx) copy_##P(n, x, incx, 1, tape);                                                      \
    return r;                                                                                   \
  }                                                                                             \
  void adc_rule_##P##nrm2_rev(int n, int n_, const T *x, T *dx, int incx, int incx_, T d_ret,   \
                              T *tape) {                                                        \
    if (dx && n > 0 && tape[0] != 0) cblas_##P##axpy(n, d_ret / tape[0], tape + 1, 1, dx, incx); \
    free(tape);                                                                                 \
  }

RULES(double, d)
RULES(float, s)
