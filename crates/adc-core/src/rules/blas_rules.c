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

/* CBLAS's enums (cblas.h): CblasRowMajor, CblasNoTrans, CblasTrans;
 * CblasConjTrans is CblasTrans for real data. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

#define RULES(T, P)                                                                             \
  T cblas_##P##dot(int, const T *, int, const T *, int);                                        \
  void cblas_##P##axpy(int, T, const T *, int, T *, int);                                       \
  void cblas_##P##scal(int, T, T *, int);                                                       \
  T cblas_##P##nrm2(int, const T *, int);                                                       \
  void cblas_##P##copy(int, const T *, int, T *, int);                                          \
  void cblas_##P##gemv(int, int, int, int, T, const T *, int, const T *, int, T, T *, int);      \
  void cblas_##P##ger(int, int, int, T, const T *, int, const T *, int, T *, int);               \
  void cblas_##P##gemm(int, int, int, int, int, int, T, const T *, int, const T *, int, T, T *,   \
                       int);                                                                    \
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
  /* gemv: y = a op(A) x + b y; A is m x n in `order`, op(A) = A or A^T */                    \
  static int gemv_len_x_##P(int trans, int m, int n) { return trans == NO_TRANS ? n : m; }          \
  static int gemv_len_y_##P(int trans, int m, int n) { return trans == NO_TRANS ? m : n; }          \
  /* A compact copy of A (leading dimension: the returned value). */                           \
  static int copy_matrix_##P(int order, int m, int n, const T *a, int lda, T *out) {            \
    int outer = order == ROW_MAJOR ? m : n, inner = order == ROW_MAJOR ? n : m;                 \
    for (int i = 0; i < outer; i++)                                                             \
      if (inner > 0) cblas_##P##copy(inner, a + (ptrdiff_t)i * lda, 1, out + (ptrdiff_t)i * inner, 1); \
    return inner > 0 ? inner : 1;                                                               \
  }                                                                                             \
  void adc_rule_##P##gemv_fwd(int order, int o_, int trans, int t_, int m, int m_, int n, int n_, \
                              T a, T da, const T *A, const T *dA, int lda, int lda_, const T *x, \
                              const T *dx, int incx, int incx_, T b, T db, T *y, T *dy, int incy, \
                              int incy_) {                                                      \
    if (dy) {                                                                                   \
      int ly = gemv_len_y_##P(trans, m, n);                                                         \
      cblas_##P##scal(ly, b, dy, incy);                                                         \
      cblas_##P##axpy(ly, db, y, incy, dy, incy);                                               \
      if (dx) cblas_##P##gemv(order, trans, m, n, a, A, lda, dx, incx, 1, dy, incy);            \
      if (dA) cblas_##P##gemv(order, trans, m, n, a, dA, lda, x, incx, 1, dy, incy);            \
      if (da != 0) cblas_##P##gemv(order, trans, m, n, da, A, lda, x, incx, 1, dy, incy);       \
    }                                                                                           \
    cblas_##P##gemv(order, trans, m, n, a, A, lda, x, incx, b, y, incy);                        \
  }                                                                                             \
  /* tape: [A (compact), x, y before the call] */                                               \
  T *adc_rule_##P##gemv_aug(int order, int o_, int trans, int t_, int m, int m_, int n, int n_,  \
                            T a, const T *A, const T *dA, int lda, int lda_, const T *x,        \
                            const T *dx, int incx, int incx_, T b, T *y, T *dy, int incy,       \
                            int incy_) {                                                        \
    size_t mn = (size_t)(m > 0 ? m : 0) * (size_t)(n > 0 ? n : 0);                              \
    int lx = gemv_len_x_##P(trans, m, n), ly = gemv_len_y_##P(trans, m, n);                             \
    T *tape = malloc(sizeof(T) * (mn + (size_t)(lx > 0 ? lx : 0) + (size_t)(ly > 0 ? ly : 0) + 1)); \
    if (dy) {                                                                                   \
      copy_matrix_##P(order, m, n, A, lda, tape);                                               \
      copy_##P(lx, x, incx, mn, tape);                                                          \
      copy_##P(ly, y, incy, mn + lx, tape);                                                     \
    }                                                                                           \
    cblas_##P##gemv(order, trans, m, n, a, A, lda, x, incx, b, y, incy);                        \
    return tape;                                                                                \
  }                                                                                             \
  typedef struct { T da, db; } gemv_adj_##P;                                                    \
  gemv_adj_##P adc_rule_##P##gemv_rev(int order, int o_, int trans, int t_, int m, int m_, int n, \
                                      int n_, T a, const T *A, T *dA, int lda, int lda_,        \
                                      const T *x, T *dx, int incx, int incx_, T b, T *y, T *dy, \
                                      int incy, int incy_, T *tape) {                           \
    gemv_adj_##P r = {0, 0};                                                                    \
    int lx = gemv_len_x_##P(trans, m, n), ly = gemv_len_y_##P(trans, m, n);                             \
    if (dy && m > 0 && n > 0) {                                                                 \
      size_t mn = (size_t)m * (size_t)n;                                                        \
      int ldc = order == ROW_MAJOR ? n : m;                                                     \
      const T *Ac = tape, *xc = tape + mn, *yc = tape + mn + lx;                                \
      T *t = malloc(sizeof(T) * (size_t)ly);                                                    \
      cblas_##P##gemv(order, trans, m, n, 1, Ac, ldc, xc, 1, 0, t, 1);                          \
      r.da = cblas_##P##dot(ly, t, 1, dy, incy);                                                \
      free(t);                                                                                  \
      r.db = cblas_##P##dot(ly, yc, 1, dy, incy);                                               \
      int flip = trans == NO_TRANS ? TRANS : NO_TRANS;                                          \
      if (dx) cblas_##P##gemv(order, flip, m, n, a, Ac, ldc, dy, incy, 1, dx, incx);            \
      if (dA) {                                                                                 \
        if (trans == NO_TRANS)                                                                  \
          cblas_##P##ger(order, m, n, a, dy, incy, xc, 1, dA, lda);                             \
        else                                                                                    \
          cblas_##P##ger(order, m, n, a, xc, 1, dy, incy, dA, lda);                             \
      }                                                                                         \
      cblas_##P##scal(ly, b, dy, incy);                                                         \
    }                                                                                           \
    free(tape);                                                                                 \
    return r;                                                                                   \
  }                                                                                             \
                                                                                                \
  /* gemm: C = a op(A) op(B) + b C; op(A) is m x k, op(B) k x n, C m x n.   \
   * A matrix is walked by its outer dimension (rows when row-major). */   \
  static int stored_rows_##P(int trans, int r, int c) { return trans == NO_TRANS ? r : c; }     \
  static int stored_cols_##P(int trans, int r, int c) { return trans == NO_TRANS ? c : r; }     \
  static int compact_ld_##P(int order, int rows, int cols) {                                    \
    int ld = order == ROW_MAJOR ? cols : rows;                                                   \
    return ld > 0 ? ld : 1;                                                                      \
  }                                                                                              \
  static void mat_scal_##P(int order, int rows, int cols, T b, T *c, int ldc) {                 \
    int outer = order == ROW_MAJOR ? rows : cols, inner = order == ROW_MAJOR ? cols : rows;      \
    for (int i = 0; i < outer; i++) {                                                            \
      T *col = c + (ptrdiff_t)i * ldc;                                                           \
      if (b == 0)                                                                                \
        for (int j = 0; j < inner; j++) col[j] = 0;                                              \
      else if (inner > 0)                                                                        \
        cblas_##P##scal(inner, b, col, 1);                                                       \
    }                                                                                            \
  }                                                                                              \
  static void mat_axpy_##P(int order, int rows, int cols, T a, const T *x, int ldx, T *y,       \
                           int ldy) {                                                            \
    int outer = order == ROW_MAJOR ? rows : cols, inner = order == ROW_MAJOR ? cols : rows;      \
    for (int i = 0; i < outer; i++)                                                              \
      if (inner > 0) cblas_##P##axpy(inner, a, x + (ptrdiff_t)i * ldx, 1, y + (ptrdiff_t)i * ldy, 1); \
  }                                                                                              \
  static T mat_dot_##P(int order, int rows, int cols, const T *x, int ldx, const T *y, int ldy) { \
    int outer = order == ROW_MAJOR ? rows : cols, inner = order == ROW_MAJOR ? cols : rows;      \
    T s = 0;                                                                                     \
    for (int i = 0; i < outer; i++)                                                              \
      if (inner > 0) s += cblas_##P##dot(inner, x + (ptrdiff_t)i * ldx, 1, y + (ptrdiff_t)i * ldy, 1); \
    return s;                                                                                    \
  }                                                                                              \
  void adc_rule_##P##gemm_fwd(int order, int o_, int ta, int ta_, int tb, int tb_, int m, int m_, \
                              int n, int n_, int k, int k_, T a, T da, const T *A, const T *dA,  \
                              int lda, int lda_, const T *B, const T *dB, int ldb, int ldb_, T b, \
                              T db, T *C, T *dC, int ldc, int ldc_) {                            \
    if (dC) {                                                                                    \
      mat_scal_##P(order, m, n, b, dC, ldc);                                                     \
      if (db != 0) mat_axpy_##P(order, m, n, db, C, ldc, dC, ldc);                               \
      if (dA) cblas_##P##gemm(order, ta, tb, m, n, k, a, dA, lda, B, ldb, 1, dC, ldc);           \
      if (dB) cblas_##P##gemm(order, ta, tb, m, n, k, a, A, lda, dB, ldb, 1, dC, ldc);           \
      if (da != 0) cblas_##P##gemm(order, ta, tb, m, n, k, da, A, lda, B, ldb, 1, dC, ldc);      \
    }                                                                                            \
    cblas_##P##gemm(order, ta, tb, m, n, k, a, A, lda, B, ldb, b, C, ldc);                       \
  }                                                                                              \
  /* tape: [A, B (compact, as stored), C before the call] */                                     \
  T *adc_rule_##P##gemm_aug(int order, int o_, int ta, int ta_, int tb, int tb_, int m, int m_,  \
                            int n, int n_, int k, int k_, T a, const T *A, const T *dA, int lda,  \
                            int lda_, const T *B, const T *dB, int ldb, int ldb_, T b, T *C,      \
                            T *dC, int ldc, int ldc_) {                                          \
    size_t mm = m > 0 ? m : 0, nn = n > 0 ? n : 0, kk = k > 0 ? k : 0;                           \
    T *tape = malloc(sizeof(T) * (mm * kk + kk * nn + mm * nn + 1));                             \
    if (dC) {                                                                                    \
      copy_matrix_##P(order, stored_rows_##P(ta, m, k), stored_cols_##P(ta, m, k), A, lda, tape); \
      copy_matrix_##P(order, stored_rows_##P(tb, k, n), stored_cols_##P(tb, k, n), B, ldb,       \
                      tape + mm * kk);                                                           \
      copy_matrix_##P(order, m, n, C, ldc, tape + mm * kk + kk * nn);                            \
    }                                                                                            \
    cblas_##P##gemm(order, ta, tb, m, n, k, a, A, lda, B, ldb, b, C, ldc);                       \
    return tape;                                                                                 \
  }                                                                                              \
  typedef struct { T da, db; } gemm_adj_##P;                                                     \
  gemm_adj_##P adc_rule_##P##gemm_rev(int order, int o_, int ta, int ta_, int tb, int tb_, int m, \
                                      int m_, int n, int n_, int k, int k_, T a, const T *A,     \
                                      T *dA, int lda, int lda_, const T *B, T *dB, int ldb,      \
                                      int ldb_, T b, T *C, T *dC, int ldc, int ldc_, T *tape) {  \
    gemm_adj_##P r = {0, 0};                                                                     \
    if (dC && m > 0 && n > 0) {                                                                  \
      size_t mm = m, nn = n, kk = k > 0 ? k : 0;                                                 \
      const T *Ac = tape, *Bc = tape + mm * kk, *Cc = tape + mm * kk + kk * nn;                  \
      int la = compact_ld_##P(order, stored_rows_##P(ta, m, k), stored_cols_##P(ta, m, k));      \
      int lb = compact_ld_##P(order, stored_rows_##P(tb, k, n), stored_cols_##P(tb, k, n));      \
      int lc = compact_ld_##P(order, m, n);                                                      \
      if (k > 0) {                                                                               \
        T *t = malloc(sizeof(T) * mm * nn);                                                      \
        cblas_##P##gemm(order, ta, tb, m, n, k, 1, Ac, la, Bc, lb, 0, t, lc);                    \
        r.da = mat_dot_##P(order, m, n, t, lc, dC, ldc);                                         \
        free(t);                                                                                 \
        int fa = ta == NO_TRANS ? TRANS : NO_TRANS, fb = tb == NO_TRANS ? TRANS : NO_TRANS;      \
        if (dA) {                                                                                \
          if (ta == NO_TRANS) /* dA += a dC op(B)^T */                                           \
            cblas_##P##gemm(order, NO_TRANS, fb, m, k, n, a, dC, ldc, Bc, lb, 1, dA, lda);       \
          else /* dA += a op(B) dC^T */                                                          \
            cblas_##P##gemm(order, tb, TRANS, k, m, n, a, Bc, lb, dC, ldc, 1, dA, lda);          \
        }                                                                                        \
        if (dB) {                                                                                \
          if (tb == NO_TRANS) /* dB += a op(A)^T dC */                                           \
            cblas_##P##gemm(order, fa, NO_TRANS, k, n, m, a, Ac, la, dC, ldc, 1, dB, ldb);       \
          else /* dB += a dC^T op(A) */                                                          \
            cblas_##P##gemm(order, TRANS, ta, n, k, m, a, dC, ldc, Ac, la, 1, dB, ldb);          \
        }                                                                                        \
      }                                                                                          \
      r.db = mat_dot_##P(order, m, n, Cc, lc, dC, ldc);                                          \
      mat_scal_##P(order, m, n, b, dC, ldc);                                                     \
    }                                                                                            \
    free(tape);                                                                                  \
    return r;                                                                                    \
  }                                                                                              \
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
