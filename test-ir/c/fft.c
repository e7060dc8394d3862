/* A radix-2 FFT in place (n complex values, interleaved re, im; n a power
 * of two): bit-reversal permutation, then butterflies of growing length
 * whose twiddle factors advance by a rotation. fft_roundtrip transforms
 * forward and back and divides by n, the identity map, so its gradient
 * (the Jacobian's transpose times the seed) is the seed itself: Enzyme's
 * FFT benchmark computes the same round trip. */
#include <math.h>

static void bit_reverse(double *a, int n) {
  for (int i = 1, j = 0; i < n; i++) {
    int bit = n >> 1;
    for (; j & bit; bit >>= 1)
      j ^= bit;
    j ^= bit;
    if (i < j) {
      double re = a[2 * i], im = a[2 * i + 1];
      a[2 * i] = a[2 * j], a[2 * i + 1] = a[2 * j + 1];
      a[2 * j] = re, a[2 * j + 1] = im;
    }
  }
}

/* sign -1: the forward transform; +1: the inverse without its 1/n. */
static void transform(double *a, int n, int sign) {
  bit_reverse(a, n);
  for (int len = 2; len <= n; len <<= 1) {
    double angle = sign * 2 * M_PI / len;
    double step_re = cos(angle), step_im = sin(angle);
    for (int i = 0; i < n; i += len) {
      double w_re = 1, w_im = 0;
      for (int k = 0; k < len / 2; k++) {
        double *u = &a[2 * (i + k)], *v = &a[2 * (i + k + len / 2)];
        double t_re = v[0] * w_re - v[1] * w_im, t_im = v[0] * w_im + v[1] * w_re;
        v[0] = u[0] - t_re, v[1] = u[1] - t_im;
        u[0] += t_re, u[1] += t_im;
        double next = w_re * step_re - w_im * step_im;
        w_im = w_re * step_im + w_im * step_re;
        w_re = next;
      }
    }
  }
}

void fft_roundtrip(double *a, int n) {
  transform(a, n, -1);
  transform(a, n, 1);
  for (int i = 0; i < 2 * n; i++)
    a[i] /= n;
}

/* A function with a derivative that is not the identity, through the same
 * transform: the weighted power spectrum s = sum_k (k + 1) |X_k|^2 / n of
 * real input x (n values; work holds 2 n), X = F x. Its gradient is
 * ds/dx_j = (2 / n) Re sum_k (k + 1) conj(X_k) exp(-2 pi i k j / n). */
double fft_power(const double *x, double *work, int n) {
  for (int i = 0; i < n; i++)
    work[2 * i] = x[i], work[2 * i + 1] = 0;
  transform(work, n, -1);
  double s = 0;
  for (int k = 0; k < n; k++)
    s += (k + 1) * (work[2 * k] * work[2 * k] + work[2 * k + 1] * work[2 * k + 1]);
  return s / n;
}
