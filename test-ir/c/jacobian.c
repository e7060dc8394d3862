// Dense Jacobians (`adc grad --mode jacobian`): y = model(x), n inputs and
// m outputs, y[i] = (y_in[i] + 1) * s_i with
// s_i = sum_j sin((i + 1) x_j) x_{(j + i) mod n}, so the Jacobian depends
// on y's contents at entry too. Three entry points with the same body, so
// that one program can link a Jacobian of each strategy.
#include <math.h>

static inline void body(const double *x, double *y, int n, int m) {
  for (int i = 0; i < m; i++) {
    double s = 0;
    for (int j = 0; j < n; j++)
      s += sin((i + 1) * x[j]) * x[(j + i) % n];
    y[i] = (y[i] + 1) * s;
  }
}

void model(const double *x, double *y, int n, int m) { body(x, y, n, m); }
void model_cols(const double *x, double *y, int n, int m) { body(x, y, n, m); }
void model_rows(const double *x, double *y, int n, int m) { body(x, y, n, m); }

// Two written arrays: which one is the output is the user's to say.
void two_outputs(const double *x, double *y, double *z, int n) {
  for (int i = 0; i < n; i++) {
    y[i] = x[i] * x[i];
    z[i] = sin(x[i]);
  }
}
