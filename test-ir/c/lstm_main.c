/* lstm.c's gradient (reverse mode) in the main and extra parameters and
 * its forward-mode derivative, against 4th-order central differences, and
 * (when linked in) the hand-written gradient of
 * benches/kernels/lstm_manual.c, for small sizes and the benchmark's
 * b = 14 (vector loops and remainders). Prints "N checks, M failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void lstm_objective(int l, int c, int b, const double *main_params, const double *extra_params,
                    const double *state0, const double *sequence, double *loss);
void lstm_objective_grad(int l, int c, int b, const double *main_params, double *d_main,
                         const double *extra, double *d_extra, const double *state0,
                         const double *sequence, double *loss, double *d_loss);
void lstm_objective_fwd(int l, int c, int b, const double *main_params, const double *t_main,
                        const double *extra, const double *t_extra, const double *state0,
                        const double *sequence, double *loss, double *t_loss);
__attribute__((weak)) void lstm_manual_grad(int l, int c, int b, const double *main_params,
                                            double *d_main, const double *extra, double *d_extra,
                                            const double *state0, const double *sequence,
                                            double *loss, double *d_loss);

static int checks, failures;
static void check(const char *what, int i, double got, double want) {
  checks++;
  if (!(fabs(got - want) <= 1e-6 * fmax(1.0, fabs(want)))) {
    printf("%s [%d]: got %.17g want %.17g\n", what, i, got, want);
    failures++;
  }
}

static unsigned long long rng = 0x2545F4914F6CDD1DULL;
static double rnd(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0 - 0.5;
}

static void run(int l, int c, int b) {
  int sz[2] = {8 * b * l, 3 * b};
  double *p[2], *g[2], *t[2], *state = malloc(sizeof(double) * 2 * l * b);
  double *seq = malloc(sizeof(double) * c * b);
  for (int q = 0; q < 2; q++) {
    p[q] = malloc(sizeof(double) * sz[q]), g[q] = calloc(sz[q], sizeof(double));
    t[q] = malloc(sizeof(double) * sz[q]);
    for (int i = 0; i < sz[q]; i++) p[q][i] = rnd(), t[q][i] = rnd();
  }
  for (int i = 0; i < 2 * l * b; i++) state[i] = rnd();
  for (int i = 0; i < c * b; i++) seq[i] = rnd() + 0.5;
  double loss, seed = 1, want;
  lstm_objective_grad(l, c, b, p[0], g[0], p[1], g[1], state, seq, &loss, &seed);
  lstm_objective(l, c, b, p[0], p[1], state, seq, &want);
  check("value", -1, loss, want);
  const double off[4] = {-2, -1, 1, 2}, h = 1e-4;
  double f[4];
#define FD4(a) (((a)[0]) / 12 - 2 * ((a)[1]) / 3 + 2 * ((a)[2]) / 3 - ((a)[3]) / 12) / h
  for (int q = 0; q < 2; q++)
    for (int i = 0; i < sz[q]; i++) {
      double v = p[q][i];
      for (int s = 0; s < 4; s++) {
        p[q][i] = v + off[s] * h;
        lstm_objective(l, c, b, p[0], p[1], state, seq, &f[s]);
      }
      p[q][i] = v;
      check("reverse, one partial", q * 1000 + i, g[q][i], FD4(f));
    }
  for (int s = 0; s < 4; s++) {
    double *q2[2];
    for (int q = 0; q < 2; q++) {
      q2[q] = malloc(sizeof(double) * sz[q]);
      for (int i = 0; i < sz[q]; i++) q2[q][i] = p[q][i] + off[s] * h * t[q][i];
    }
    lstm_objective(l, c, b, q2[0], q2[1], state, seq, &f[s]);
    free(q2[0]), free(q2[1]);
  }
  double l2 = 0, t_loss = 0;
  lstm_objective_fwd(l, c, b, p[0], t[0], p[1], t[1], state, seq, &l2, &t_loss);
  check("forward value", -1, l2, want);
  check("forward, along a direction", l, t_loss, FD4(f));
  if (lstm_manual_grad) {
    double *m[2] = {calloc(sz[0], sizeof(double)), calloc(sz[1], sizeof(double))}, l3, s3 = 1;
    lstm_manual_grad(l, c, b, p[0], m[0], p[1], m[1], state, seq, &l3, &s3);
    check("hand-written value", -1, l3, want);
    for (int q = 0; q < 2; q++)
      for (int i = 0; i < sz[q]; i++) check("hand-written gradient", q * 1000 + i, g[q][i], m[q][i]);
    free(m[0]), free(m[1]);
  }
  for (int q = 0; q < 2; q++) free(p[q]), free(g[q]), free(t[q]);
  free(state), free(seq);
}

int main(void) {
  run(1, 4, 3);
  run(2, 5, 3);
  run(2, 6, 14);
  printf("%d checks, %d failed\n", checks, failures);
  return failures != 0;
}
