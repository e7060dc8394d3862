/* adc.h: Enzyme-compatible call sites for C and C++.
 *
 * Code written for Enzyme compiles unchanged against this header; `adc grad`
 * or `adc lower` replaces the calls with calls of generated derivatives:
 *
 *   double dsq = __enzyme_autodiff((void *)square, x);          // reverse, seeded with 1
 *   double tan = __enzyme_fwddiff((void *)square, enzyme_dup, x, 1.0);  // forward
 *   __enzyme_autodiff((void *)dot, enzyme_dup, a, da, enzyme_const, b, enzyme_const, n);
 *
 * Markers before an argument set the activity of the next parameter:
 * enzyme_dup (followed by the shadow: the derivative memory of a pointer, or
 * in forward mode the tangent of a float), enzyme_dupnoneed, enzyme_const,
 * enzyme_out (an active float whose adjoint is returned). Without a marker,
 * adc reads arguments as Enzyme does: in reverse mode floats are active and
 * pointers duplicated; in forward mode floats and pointers are duplicated
 * (the next argument is the tangent or shadow); integers are constant. Any
 * function whose name contains __enzyme_autodiff or __enzyme_fwddiff is a
 * call site (C++ mangled names and templates too), and the result fits the
 * type declared: double, float, void, or a struct of the adjoints, e.g.
 *
 *   typedef struct { double dx, dy; } grad2;
 *   grad2 __enzyme_autodiff_2(void *, ...);
 *
 * Split mode: void *tape = __enzyme_augmentfwd((void *)f, args...) runs the
 * forward sweep; __enzyme_reverse((void *)f, args..., seed, tape) runs the
 * reverse sweep and frees the tape (or pass enzyme_allocated, SIZE,
 * enzyme_tape, buffer to both, SIZE >= 40). enzyme_const_return,
 * enzyme_primal_return, enzyme_noret and enzyme_not_overwritten are read
 * too; markers and entry points adc does not implement are errors.
 *
 * Rust: declare the same symbols in an `extern "C"` block
 * (`fn __enzyme_autodiff(f: *const c_void, ...) -> f64;` and
 * `static enzyme_dup: i32;`) and pass the function as a pointer.
 */
#ifndef ADC_H
#define ADC_H

#include <stdint.h>
#include "adc_rules.h"
#ifdef __cplusplus
#include <complex>
typedef std::complex<double> adc_c64;
#else
typedef double _Complex adc_c64;
#endif

#ifdef __cplusplus
extern "C" {
#endif

extern int enzyme_dup;
extern int enzyme_dupnoneed;
extern int enzyme_const;
extern int enzyme_out;
extern int enzyme_const_return;
extern int enzyme_primal_return;
extern int enzyme_noret;
extern int enzyme_not_overwritten;
extern int enzyme_allocated;
extern int enzyme_tape;

double __enzyme_autodiff(void *, ...);
double __enzyme_fwddiff(void *, ...);
void *__enzyme_augmentfwd(void *, ...);
double __enzyme_reverse(void *, ...);

/* ---- adc-runtime: linear algebra with derivative rules ------------------
 *
 * Link with the static library built next to the adc binary; `adc
 * link-flags` prints what to add to the link line. When adc differentiates a
 * function that calls one of these routines, it does not differentiate into
 * the routine: the derivative calls the routine's jvp (forward mode) or its
 * aug + vjp pair (reverse mode), whose rules are derived in the reference
 * notes. They can also be called directly.
 *
 * Layout: row-major, element (i, j) of a matrix at p[i * ld + j], ld >= its
 * column count; dimensions are int64_t. Types: f64 = double, c64 = double
 * _Complex (interleaved re, im). Outputs must not alias inputs.
 *
 * Complex convention: the adjoint (shadow) of a complex value z for a real
 * loss L is dL/dRe(z) + i dL/dIm(z), the gradient (the conjugate of the
 * Wirtinger derivative dL/dz; TensorFlow's and Zygote's convention). In that
 * convention, for C = A B: A_bar = C_bar B^H.
 *
 * Each routine X_T has four forms:
 *   X_T(args)            the primal;
 *   X_T_jvp(args')       primal plus tangents: args' has every pointer
 *                        followed by its tangent (input tangents are read,
 *                        output tangents written; NULL = zero / not wanted);
 *   void *X_T_aug(args)  the primal, returning a tape for the vjp;
 *   X_T_vjp(args', tape) reads the output adjoints from the output shadows
 *                        and zeroes them, ADDS the input adjoints to the input
 *                        shadows (NULL shadows are skipped), frees the tape.
 * If a decomposition does not converge its outputs are NaN and the tape is
 * NULL (the vjp then does nothing).
 *
 * Degenerate spectra: eigh and svd use F_ij = 1/(x_j - x_i) (x = eigenvalues,
 * or squared singular values), set to 0 where x_i and x_j are equal to
 * rounding (exact for losses that do not depend on the basis chosen inside a
 * degenerate subspace). eps > 0 selects Lorentzian broadening, F_ij = d /
 * (d^2 + eps) with d = x_j - x_i: finite everywhere, biased by O(eps / d^2).
 * Rank-deficient SVD: 1/s is replaced by 0 for s <= max(m,n) * 2^-52 * s_max;
 * derivatives of S alone stay exact, terms that need 1/s of a zero singular
 * value are dropped.
 */

/* C (m x n) = op(A) op(B); op(A) is m x k; ta / tb non-zero: transposed
 * (not conjugated) operand. */
void adc_matmul_f64(int ta, int tb, int64_t m, int64_t n, int64_t k, const double *A, int64_t lda,
                    const double *B, int64_t ldb, double *C, int64_t ldc);
void adc_matmul_f64_jvp(int ta, int tb, int64_t m, int64_t n, int64_t k, const double *A, const double *dA,
                        int64_t lda, const double *B, const double *dB, int64_t ldb, double *C, double *dC,
                        int64_t ldc);
void *adc_matmul_f64_aug(int ta, int tb, int64_t m, int64_t n, int64_t k, const double *A, int64_t lda,
                         const double *B, int64_t ldb, double *C, int64_t ldc);
void adc_matmul_f64_vjp(int ta, int tb, int64_t m, int64_t n, int64_t k, const double *A, double *dA,
                        int64_t lda, const double *B, double *dB, int64_t ldb, double *C, double *dC,
                        int64_t ldc, void *tape);
void adc_matmul_c64(int ta, int tb, int64_t m, int64_t n, int64_t k, const adc_c64 *A, int64_t lda,
                    const adc_c64 *B, int64_t ldb, adc_c64 *C, int64_t ldc);
void adc_matmul_c64_jvp(int ta, int tb, int64_t m, int64_t n, int64_t k, const adc_c64 *A,
                        const adc_c64 *dA, int64_t lda, const adc_c64 *B, const adc_c64 *dB, int64_t ldb,
                        adc_c64 *C, adc_c64 *dC, int64_t ldc);
void *adc_matmul_c64_aug(int ta, int tb, int64_t m, int64_t n, int64_t k, const adc_c64 *A, int64_t lda,
                         const adc_c64 *B, int64_t ldb, adc_c64 *C, int64_t ldc);
void adc_matmul_c64_vjp(int ta, int tb, int64_t m, int64_t n, int64_t k, const adc_c64 *A, adc_c64 *dA,
                        int64_t lda, const adc_c64 *B, adc_c64 *dB, int64_t ldb, adc_c64 *C, adc_c64 *dC,
                        int64_t ldc, void *tape);

/* Eigendecomposition of the Hermitian part (A + A^H)/2 = U diag(E) U^H of
 * n x n A: E ascending (real), U's columns the eigenvectors. eps: above. */
void adc_eigh_f64(int64_t n, const double *A, int64_t lda, double *E, double *U, int64_t ldu, double eps);
void adc_eigh_f64_jvp(int64_t n, const double *A, const double *dA, int64_t lda, double *E, double *dE,
                      double *U, double *dU, int64_t ldu, double eps);
void *adc_eigh_f64_aug(int64_t n, const double *A, int64_t lda, double *E, double *U, int64_t ldu, double eps);
void adc_eigh_f64_vjp(int64_t n, const double *A, double *dA, int64_t lda, double *E, double *dE, double *U,
                      double *dU, int64_t ldu, double eps, void *tape);
void adc_eigh_c64(int64_t n, const adc_c64 *A, int64_t lda, double *E, adc_c64 *U, int64_t ldu, double eps);
void adc_eigh_c64_jvp(int64_t n, const adc_c64 *A, const adc_c64 *dA, int64_t lda, double *E, double *dE,
                      adc_c64 *U, adc_c64 *dU, int64_t ldu, double eps);
void *adc_eigh_c64_aug(int64_t n, const adc_c64 *A, int64_t lda, double *E, adc_c64 *U, int64_t ldu,
                       double eps);
void adc_eigh_c64_vjp(int64_t n, const adc_c64 *A, adc_c64 *dA, int64_t lda, double *E, double *dE,
                      adc_c64 *U, adc_c64 *dU, int64_t ldu, double eps, void *tape);

/* Thin SVD A = U diag(S) V^H of m x n A, k = min(m, n): U m x k, S k
 * (descending, real), V n x k (V, not V^H). */
void adc_svd_f64(int64_t m, int64_t n, const double *A, int64_t lda, double *U, int64_t ldu, double *S,
                 double *V, int64_t ldv, double eps);
void adc_svd_f64_jvp(int64_t m, int64_t n, const double *A, const double *dA, int64_t lda, double *U,
                     double *dU, int64_t ldu, double *S, double *dS, double *V, double *dV, int64_t ldv,
                     double eps);
void *adc_svd_f64_aug(int64_t m, int64_t n, const double *A, int64_t lda, double *U, int64_t ldu, double *S,
                      double *V, int64_t ldv, double eps);
void adc_svd_f64_vjp(int64_t m, int64_t n, const double *A, double *dA, int64_t lda, double *U, double *dU,
                     int64_t ldu, double *S, double *dS, double *V, double *dV, int64_t ldv, double eps,
                     void *tape);
void adc_svd_c64(int64_t m, int64_t n, const adc_c64 *A, int64_t lda, adc_c64 *U, int64_t ldu, double *S,
                 adc_c64 *V, int64_t ldv, double eps);
void adc_svd_c64_jvp(int64_t m, int64_t n, const adc_c64 *A, const adc_c64 *dA, int64_t lda, adc_c64 *U,
                     adc_c64 *dU, int64_t ldu, double *S, double *dS, adc_c64 *V, adc_c64 *dV, int64_t ldv,
                     double eps);
void *adc_svd_c64_aug(int64_t m, int64_t n, const adc_c64 *A, int64_t lda, adc_c64 *U, int64_t ldu,
                      double *S, adc_c64 *V, int64_t ldv, double eps);
void adc_svd_c64_vjp(int64_t m, int64_t n, const adc_c64 *A, adc_c64 *dA, int64_t lda, adc_c64 *U,
                     adc_c64 *dU, int64_t ldu, double *S, double *dS, adc_c64 *V, adc_c64 *dV, int64_t ldv,
                     double eps, void *tape);

/* Reduced QR A = Q R of m x n A, k = min(m, n): Q m x k, R k x n upper
 * triangular with a real non-negative diagonal (unique for full rank). */
void adc_qr_f64(int64_t m, int64_t n, const double *A, int64_t lda, double *Q, int64_t ldq, double *R,
                int64_t ldr);
void adc_qr_f64_jvp(int64_t m, int64_t n, const double *A, const double *dA, int64_t lda, double *Q,
                    double *dQ, int64_t ldq, double *R, double *dR, int64_t ldr);
void *adc_qr_f64_aug(int64_t m, int64_t n, const double *A, int64_t lda, double *Q, int64_t ldq, double *R,
                     int64_t ldr);
void adc_qr_f64_vjp(int64_t m, int64_t n, const double *A, double *dA, int64_t lda, double *Q, double *dQ,
                    int64_t ldq, double *R, double *dR, int64_t ldr, void *tape);
void adc_qr_c64(int64_t m, int64_t n, const adc_c64 *A, int64_t lda, adc_c64 *Q, int64_t ldq, adc_c64 *R,
                int64_t ldr);
void adc_qr_c64_jvp(int64_t m, int64_t n, const adc_c64 *A, const adc_c64 *dA, int64_t lda, adc_c64 *Q,
                    adc_c64 *dQ, int64_t ldq, adc_c64 *R, adc_c64 *dR, int64_t ldr);
void *adc_qr_c64_aug(int64_t m, int64_t n, const adc_c64 *A, int64_t lda, adc_c64 *Q, int64_t ldq,
                     adc_c64 *R, int64_t ldr);
void adc_qr_c64_vjp(int64_t m, int64_t n, const adc_c64 *A, adc_c64 *dA, int64_t lda, adc_c64 *Q,
                    adc_c64 *dQ, int64_t ldq, adc_c64 *R, adc_c64 *dR, int64_t ldr, void *tape);

/* X (n x nrhs) = A^-1 B, LU with partial pivoting. */
void adc_solve_f64(int64_t n, int64_t nrhs, const double *A, int64_t lda, const double *B, int64_t ldb,
                   double *X, int64_t ldx);
void adc_solve_f64_jvp(int64_t n, int64_t nrhs, const double *A, const double *dA, int64_t lda,
                       const double *B, const double *dB, int64_t ldb, double *X, double *dX, int64_t ldx);
void *adc_solve_f64_aug(int64_t n, int64_t nrhs, const double *A, int64_t lda, const double *B, int64_t ldb,
                        double *X, int64_t ldx);
void adc_solve_f64_vjp(int64_t n, int64_t nrhs, const double *A, double *dA, int64_t lda, const double *B,
                       double *dB, int64_t ldb, double *X, double *dX, int64_t ldx, void *tape);
void adc_solve_c64(int64_t n, int64_t nrhs, const adc_c64 *A, int64_t lda, const adc_c64 *B, int64_t ldb,
                   adc_c64 *X, int64_t ldx);
void adc_solve_c64_jvp(int64_t n, int64_t nrhs, const adc_c64 *A, const adc_c64 *dA, int64_t lda,
                       const adc_c64 *B, const adc_c64 *dB, int64_t ldb, adc_c64 *X, adc_c64 *dX, int64_t ldx);
void *adc_solve_c64_aug(int64_t n, int64_t nrhs, const adc_c64 *A, int64_t lda, const adc_c64 *B,
                        int64_t ldb, adc_c64 *X, int64_t ldx);
void adc_solve_c64_vjp(int64_t n, int64_t nrhs, const adc_c64 *A, adc_c64 *dA, int64_t lda, const adc_c64 *B,
                       adc_c64 *dB, int64_t ldb, adc_c64 *X, adc_c64 *dX, int64_t ldx, void *tape);

/* *out = log |det A| (real for both types; -inf for singular A). */
void adc_logdet_f64(int64_t n, const double *A, int64_t lda, double *out);
void adc_logdet_f64_jvp(int64_t n, const double *A, const double *dA, int64_t lda, double *out, double *dout);
void *adc_logdet_f64_aug(int64_t n, const double *A, int64_t lda, double *out);
void adc_logdet_f64_vjp(int64_t n, const double *A, double *dA, int64_t lda, double *out, double *dout,
                        void *tape);
void adc_logdet_c64(int64_t n, const adc_c64 *A, int64_t lda, double *out);
void adc_logdet_c64_jvp(int64_t n, const adc_c64 *A, const adc_c64 *dA, int64_t lda, double *out,
                        double *dout);
void *adc_logdet_c64_aug(int64_t n, const adc_c64 *A, int64_t lda, double *out);
void adc_logdet_c64_vjp(int64_t n, const adc_c64 *A, adc_c64 *dA, int64_t lda, double *out, double *dout,
                        void *tape);


/* out = einsum(spec, A[, B[, C]]): spec like "ij,jk->ik", "bij,bjk->bik",
 * "ii->", "ij,jk,kl->il" (1 to 3 operands, letters; a label repeated in an
 * operand takes its diagonal; labels not in the output are summed; without
 * "->" the output is the labels occurring once, alphabetically). sX holds
 * the dimensions of operand X (one per label); unused operands and their
 * shapes are NULL. Tensors are dense row-major; out has the output's shape.
 * Contractions run pairwise through matrix products, cheapest pair first. In
 * the derived forms the shadows of spec and of the shape arrays are ignored
 * (pass NULL). A bad spec prints a message to stderr and writes nothing. */
void adc_einsum_f64(const char *spec, const double *A, const int64_t *sa, const double *B, const int64_t *sb,
                    const double *C, const int64_t *sc, double *out);
void adc_einsum_f64_jvp(const char *spec, const char *dspec, const double *A, const double *dA, const int64_t *sa,
                        const int64_t *dsa, const double *B, const double *dB, const int64_t *sb,
                        const int64_t *dsb, const double *C, const double *dC, const int64_t *sc,
                        const int64_t *dsc, double *out, double *dout);
void *adc_einsum_f64_aug(const char *spec, const double *A, const int64_t *sa, const double *B, const int64_t *sb,
                         const double *C, const int64_t *sc, double *out);
void adc_einsum_f64_vjp(const char *spec, const char *dspec, const double *A, double *dA, const int64_t *sa,
                        const int64_t *dsa, const double *B, double *dB, const int64_t *sb, const int64_t *dsb,
                        const double *C, double *dC, const int64_t *sc, const int64_t *dsc, double *out,
                        double *dout, void *tape);
void adc_einsum_c64(const char *spec, const adc_c64 *A, const int64_t *sa, const adc_c64 *B, const int64_t *sb,
                    const adc_c64 *C, const int64_t *sc, adc_c64 *out);
void adc_einsum_c64_jvp(const char *spec, const char *dspec, const adc_c64 *A, const adc_c64 *dA,
                        const int64_t *sa, const int64_t *dsa, const adc_c64 *B, const adc_c64 *dB,
                        const int64_t *sb, const int64_t *dsb, const adc_c64 *C, const adc_c64 *dC,
                        const int64_t *sc, const int64_t *dsc, adc_c64 *out, adc_c64 *dout);
void *adc_einsum_c64_aug(const char *spec, const adc_c64 *A, const int64_t *sa, const adc_c64 *B,
                         const int64_t *sb, const adc_c64 *C, const int64_t *sc, adc_c64 *out);
void adc_einsum_c64_vjp(const char *spec, const char *dspec, const adc_c64 *A, adc_c64 *dA, const int64_t *sa,
                        const int64_t *dsa, const adc_c64 *B, adc_c64 *dB, const int64_t *sb,
                        const int64_t *dsb, const adc_c64 *C, adc_c64 *dC, const int64_t *sc,
                        const int64_t *dsc, adc_c64 *out, adc_c64 *dout, void *tape);

#ifdef __cplusplus
}
#endif

#endif
