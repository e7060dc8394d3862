/* The ADBench LSTM objective, written from its published formula: l
 * layers of b cells, c characters of b bits each (one-hot-like vectors in
 * `sequence`). Per character the input is scaled by the input weights, run
 * through every layer (each updates its hidden and cell state in place),
 * and the last layer's hidden state, scaled and shifted, predicts the next
 * character; the loss is the mean negative log-likelihood. Parameters:
 * main_params[8 b l] (per layer the forget, input, output and change
 * weights, then their biases), extra_params[3 b] (input weights, output
 * weights, output biases), state[2 b l] (per layer hidden, then cell: the
 * initial state, copied). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }

/* One layer on one input; updates hidden and cell in place. */
static void lstm_model(int b, const double *w, const double *bias, double *hidden, double *cell,
                       const double *input) {
  for (int i = 0; i < b; i++) {
    double forget = sigmoid(input[i] * w[i] + bias[i]);
    double ingate = sigmoid(hidden[i] * w[b + i] + bias[b + i]);
    double outgate = sigmoid(input[i] * w[2 * b + i] + bias[2 * b + i]);
    double change = tanh(hidden[i] * w[3 * b + i] + bias[3 * b + i]);
    cell[i] = cell[i] * forget + ingate * change;
    hidden[i] = outgate * tanh(cell[i]);
  }
}

static void lstm_predict(int l, int b, const double *main_params, const double *extra,
                         double *state, const double *input, double *output) {
  for (int i = 0; i < b; i++) output[i] = input[i] * extra[i];
  const double *x = output;
  for (int j = 0; j < l; j++) {
    const double *p = &main_params[8 * b * j];
    double *hidden = &state[2 * b * j];
    lstm_model(b, p, p + 4 * b, hidden, hidden + b, x);
    x = hidden;
  }
  for (int i = 0; i < b; i++) output[i] = x[i] * extra[b + i] + extra[2 * b + i];
}

void lstm_objective(int l, int c, int b, const double *main_params, const double *extra_params,
                    const double *state0, const double *sequence, double *loss) {
  double *state = malloc(sizeof(double) * 2 * l * b);
  memcpy(state, state0, sizeof(double) * 2 * l * b);
  double *ypred = malloc(sizeof(double) * b), *ynorm = malloc(sizeof(double) * b);
  double total = 0;
  int count = 0;
  for (int t = 0; t < c - 1; t++) {
    lstm_predict(l, b, main_params, extra_params, state, &sequence[t * b], ypred);
    double s = 0;
    for (int i = 0; i < b; i++) s += exp(ypred[i]);
    double lse = log(s + 2);
    for (int i = 0; i < b; i++) ynorm[i] = ypred[i] - lse;
    const double *ygold = &sequence[(t + 1) * b];
    for (int i = 0; i < b; i++) total += ygold[i] * ynorm[i];
    count += b;
  }
  *loss = -total / count;
  free(state), free(ypred), free(ynorm);
}
