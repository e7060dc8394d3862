/* Times one LSTM (test-ir/c/lstm.c) gradient against its primal, in the
 * same process: with -DENZYME the gradient is Enzyme's (__enzyme_autodiff,
 * built by the clang-16 plugin, this file appended to lstm.c), otherwise
 * adc's lstm_objective_grad (or, built with
 * -Dlstm_objective_grad=lstm_manual_grad, the hand-written one). Best of R
 * calls each; prints "primal_ms gradient_ms d_extra[b]" (the derivative in
 * the first output weight). Usage: l c b R [peak]: with "peak", one
 * gradient only (for its peak RSS). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void lstm_objective(int l, int c, int b, const double *main_params, const double *extra_params,
                    const double *state0, const double *sequence, double *loss);
#ifdef ENZYME
extern int enzyme_dup, enzyme_const, enzyme_dupnoneed;
void __enzyme_autodiff(void *, ...);
#else
void lstm_objective_grad(int l, int c, int b, const double *main_params, double *d_main,
                         const double *extra, double *d_extra, const double *state0,
                         const double *sequence, double *loss, double *d_loss);
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double uniform(unsigned *s) {
  *s = *s * 1664525u + 1013904223u;
  return (*s >> 8) / 16777216.0 - 0.5;
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  int l = atoi(argv[1]), c = atoi(argv[2]), b = atoi(argv[3]), reps = atoi(argv[4]);
  int peak_only = argc > 5;
  double *mp = malloc(8 * b * l * sizeof *mp), *ep = malloc(3 * b * sizeof *ep);
  double *state = malloc(2 * l * b * sizeof *state), *seq = malloc(c * b * sizeof *seq);
  double *dmp = calloc(8 * b * l, sizeof *dmp), *dep = calloc(3 * b, sizeof *dep);
  unsigned s = 1;
  for (int i = 0; i < 8 * b * l; i++) mp[i] = uniform(&s);
  for (int i = 0; i < 3 * b; i++) ep[i] = uniform(&s);
  for (int i = 0; i < 2 * l * b; i++) state[i] = uniform(&s);
  for (int i = 0; i < c * b; i++) seq[i] = uniform(&s) + 0.5;
  double best_p = 1e30, best_g = 1e30;
  for (int r = 0; r < (peak_only ? 1 : reps); r++) {
    double loss = 0, dloss = 1, t = now();
    if (!peak_only) {
      lstm_objective(l, c, b, mp, ep, state, seq, &loss);
      t = now() - t;
      if (t < best_p) best_p = t;
      t = now();
    }
#ifdef ENZYME
    __enzyme_autodiff((void *)lstm_objective, enzyme_const, l, enzyme_const, c, enzyme_const, b,
                      enzyme_dup, mp, dmp, enzyme_dup, ep, dep, enzyme_const, state,
                      enzyme_const, seq, enzyme_dupnoneed, &loss, &dloss);
#else
    lstm_objective_grad(l, c, b, mp, dmp, ep, dep, state, seq, &loss, &dloss);
#endif
    t = now() - t;
    if (t < best_g) best_g = t;
  }
  printf("%.4f %.4f %.10g\n", peak_only ? 0 : best_p * 1e3, best_g * 1e3,
         dep[b] / (peak_only ? 1 : reps));
  return 0;
}
