/* Functions that end by storing their result through a pointer (and by
 * freeing their work arrays): the reverse sweep repeats their input loads
 * instead of taping them, so it must see the inputs as they were before
 * that store, even when the output pointer points into an input
 * (final_store_main.c calls them that way). */
#include <math.h>
#include <stdlib.h>

void sum_sq_into(const double *x, int n, double *out) {
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * x[i] * sin(x[i]);
  *out = s;
}

/* A work array filled from the input, read in a second loop, freed last;
 * two outputs are stored last. */
void smooth_into(const double *x, int n, double *out) {
  double *w = malloc(n * sizeof *w);
  for (int i = 0; i < n; i++) w[i] = exp(0.3 * x[i]);
  double s = 0;
  for (int i = 0; i + 1 < n; i++) s += w[i] * x[i + 1];
  double t = s * x[0];
  out[0] = s;
  out[1] = t;
  free(w);
}
