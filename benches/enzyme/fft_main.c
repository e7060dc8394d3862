/* Times the FFT round trip's gradient (test-ir/c/fft.c, as Enzyme's FFT
 * benchmark: forward transform, inverse, 1/n; the seed all ones) against
 * its primal, in the same process: with -DENZYME the gradient is Enzyme's
 * (__enzyme_autodiff with the data enzyme_dupnoneed, built by the clang-16
 * plugin, this file appended to fft.c), otherwise adc's fft_roundtrip_grad.
 * Best of R calls each; prints "primal_ms gradient_ms d_data[0]" (1: the
 * round trip is the identity). Usage: n R [peak]: with "peak", one
 * gradient only (for its peak RSS). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void fft_roundtrip(double *a, int n);
#ifdef ENZYME
extern int enzyme_dupnoneed;
void __enzyme_autodiff(void *, ...);
#else
void fft_roundtrip_grad(double *a, double *da, int n);
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int n = atoi(argv[1]), reps = atoi(argv[2]), peak_only = argc > 3;
  double *a = malloc(2 * n * sizeof *a), *da = malloc(2 * n * sizeof *da);
  double best_p = 1e30, best_g = 1e30;
  for (int r = 0; r < (peak_only ? 1 : reps); r++) {
    for (int i = 0; i < 2 * n; i++) a[i] = 2.0, da[i] = 1.0;
    double t = now();
    if (!peak_only) {
      fft_roundtrip(a, n);
      t = now() - t;
      if (t < best_p) best_p = t;
      for (int i = 0; i < 2 * n; i++) a[i] = 2.0;
      t = now();
    }
#ifdef ENZYME
    __enzyme_autodiff((void *)fft_roundtrip, enzyme_dupnoneed, a, da, n);
#else
    fft_roundtrip_grad(a, da, n);
#endif
    t = now() - t;
    if (t < best_g) best_g = t;
  }
  printf("%.4f %.4f %.10g\n", best_p * 1e3, best_g * 1e3, da[0]);
  return 0;
}
