/* A callee whose stack buffer is reached through a pointer kept in
 * another stack object (a view struct handed to a helper): in reverse
 * mode the callee runs split, and the buffer's shadow has to outlive the
 * callee's frame, because the reverse reads its address back from the
 * view's shadow. (Before, the reverse wrote into the dead frame: wrong
 * whenever the callee was not inlined.) Driver: stack_view_main.c. */
#include <math.h>

struct view {
  double *p;
  int n;
};

__attribute__((noinline)) static void fill(struct view *v, double x) {
  for (int i = 0; i < v->n; i++) v->p[i] = sin(x * (i + 1));
}

__attribute__((noinline)) double work(double x, int n) {
  double buf[8];
  struct view v = {buf, n};
  fill(&v, x);
  double s = 0;
  for (int i = 0; i < n; i++) s += v.p[i] * v.p[i] * x;
  return s;
}

double outer(double x, int n) {
  double s = 0;
  for (int k = 1; k <= n; k++) s += work(x * k, 8) * s * 0.01 + work(x, 8);
  return s;
}
