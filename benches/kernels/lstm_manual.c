/* Hand-written LSTM gradient (backpropagation through time), the baseline
 * of the lstm benchmark (benches/kernels.toml) and an analytic check of
 * adc's gradient (test-ir/c/lstm_main.c). It has adc's lstm_objective_grad
 * signature with the state and the sequence constant. Per character and
 * layer the forward pass keeps the layer's input, the previous hidden and
 * cell states, the four gates and tanh of the new cell; the backward pass
 * runs the characters and layers in reverse:
 *   dog = dh tc,  dc += dh og (1 - tc^2),  dcprev = dc f,
 *   da_f = dc cprev f(1-f),  da_i = dc ch ig(1-ig),  da_o = dog og(1-og),
 *   da_c = dc ig (1-ch^2),
 *   dw_{f,o} += da_{f,o} in,  dw_{i,c} += da_{i,c} hprev,  db += da,
 *   din = da_f w_f + da_o w_o,  dhprev = da_i w_i + da_c w_c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { IN, HPREV, CPREV, F, IG, OG, CH, TC, KEPT };

void lstm_manual_grad(int l, int c, int b, const double *main_params, double *d_main,
                      const double *extra, double *d_extra, const double *state0,
                      const double *sequence, double *loss, double *d_loss) {
  const int steps = c - 1;
  double *kept = malloc(sizeof(double) * (size_t)steps * l * KEPT * b);
  double *ys = malloc(sizeof(double) * (size_t)steps * b);
  double *state = malloc(sizeof(double) * 2 * l * b);
  double *x = malloc(sizeof(double) * b);
  memcpy(state, state0, sizeof(double) * 2 * l * b);
  double total = 0;
  for (int t = 0; t < steps; t++) {
    const double *seq = &sequence[t * b];
    for (int i = 0; i < b; i++) x[i] = seq[i] * extra[i];
    const double *in = x;
    for (int j = 0; j < l; j++) {
      const double *w = &main_params[8 * b * j], *bias = w + 4 * b;
      double *h = &state[2 * b * j], *cell = h + b;
      double *k = &kept[((size_t)t * l + j) * KEPT * b];
      for (int i = 0; i < b; i++) {
        double f = 1 / (1 + exp(-(in[i] * w[i] + bias[i])));
        double ig = 1 / (1 + exp(-(h[i] * w[b + i] + bias[b + i])));
        double og = 1 / (1 + exp(-(in[i] * w[2 * b + i] + bias[2 * b + i])));
        double ch = tanh(h[i] * w[3 * b + i] + bias[3 * b + i]);
        k[IN * b + i] = in[i], k[HPREV * b + i] = h[i], k[CPREV * b + i] = cell[i];
        k[F * b + i] = f, k[IG * b + i] = ig, k[OG * b + i] = og, k[CH * b + i] = ch;
        cell[i] = cell[i] * f + ig * ch;
        double tc = tanh(cell[i]);
        k[TC * b + i] = tc;
        h[i] = og * tc;
      }
      in = h;
    }
    double *y = &ys[t * b], s = 0;
    for (int i = 0; i < b; i++) y[i] = in[i] * extra[b + i] + extra[2 * b + i];
    for (int i = 0; i < b; i++) s += exp(y[i]);
    double lse = log(s + 2);
    const double *gold = &sequence[(t + 1) * b];
    for (int i = 0; i < b; i++) total += gold[i] * (y[i] - lse);
  }
  const int count = steps * b;
  *loss = -total / count;

  const double dtotal = -*d_loss / count;
  double *dh_carry = calloc(l * b, sizeof(double)), *dc_carry = calloc(l * b, sizeof(double));
  double *dh = malloc(sizeof(double) * b), *din = malloc(sizeof(double) * b);
  for (int t = steps - 1; t >= 0; t--) {
    const double *y = &ys[t * b], *gold = &sequence[(t + 1) * b];
    double s = 0, sg = 0;
    for (int i = 0; i < b; i++) s += exp(y[i]), sg += gold[i];
    s += 2;
    /* d ynorm_i = dtotal gold_i; d lse = -sum of them; d y_i = d ynorm_i + d lse exp(y_i) / s */
    const double *top = &kept[((size_t)t * l + l - 1) * KEPT * b];
    for (int i = 0; i < b; i++) {
      double dy = dtotal * gold[i] - dtotal * sg * exp(y[i]) / s;
      double h = top[OG * b + i] * top[TC * b + i];
      d_extra[b + i] += dy * h;
      d_extra[2 * b + i] += dy;
      dh[i] = dy * extra[b + i];
    }
    for (int j = l - 1; j >= 0; j--) {
      const double *w = &main_params[8 * b * j];
      double *dw = &d_main[8 * b * j], *db = dw + 4 * b;
      const double *k = &kept[((size_t)t * l + j) * KEPT * b];
      for (int i = 0; i < b; i++) {
        double f = k[F * b + i], ig = k[IG * b + i], og = k[OG * b + i], ch = k[CH * b + i];
        double tc = k[TC * b + i], in = k[IN * b + i], hp = k[HPREV * b + i];
        double dhi = dh[i] + dh_carry[j * b + i];
        double dog = dhi * tc;
        double dc = dhi * og * (1 - tc * tc) + dc_carry[j * b + i];
        double daf = dc * k[CPREV * b + i] * f * (1 - f);
        double dai = dc * ch * ig * (1 - ig);
        double dao = dog * og * (1 - og);
        double dac = dc * ig * (1 - ch * ch);
        dw[i] += daf * in, db[i] += daf;
        dw[b + i] += dai * hp, db[b + i] += dai;
        dw[2 * b + i] += dao * in, db[2 * b + i] += dao;
        dw[3 * b + i] += dac * hp, db[3 * b + i] += dac;
        din[i] = daf * w[i] + dao * w[2 * b + i];
        dh_carry[j * b + i] = dai * w[b + i] + dac * w[3 * b + i];
        dc_carry[j * b + i] = dc * f;
      }
      for (int i = 0; i < b; i++) dh[i] = din[i];
    }
    const double *seq = &sequence[t * b];
    for (int i = 0; i < b; i++) d_extra[i] += dh[i] * seq[i];
  }
  free(kept), free(ys), free(state), free(x), free(dh_carry), free(dc_carry), free(dh), free(din);
}
