/* Memory whose type only other functions reveal (#22): a struct keeps a
 * buffer as `void *`; the function that fills it copies bytes (memcpy,
 * no float access, no TBAA for the data); the one that reads it reads
 * doubles through the struct. adc types the copy from its caller's view
 * of the struct field (what the other callee reads there). */
#include <stdlib.h>
#include <string.h>

struct holder {
  void *buf;
  int n;
};

static __attribute__((noinline)) void holder_init(struct holder *h, const void *src, int n) {
  h->buf = malloc(sizeof(double) * n);
  memcpy(h->buf, src, sizeof(double) * n);
  h->n = n;
}

static __attribute__((noinline)) double holder_energy(const struct holder *h) {
  const double *b = h->buf;
  double s = 0;
  for (int i = 0; i < h->n; i++) s += b[i] * b[i] * (i + 1);
  return s;
}

double held_copy(const double *x) {
  struct holder h;
  holder_init(&h, x, 4);
  double s = holder_energy(&h);
  free(h.buf);
  return s;
}
