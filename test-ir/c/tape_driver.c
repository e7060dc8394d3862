/* Exercises the reverse-mode tape (stack chunk, malloc on overflow, realloc
 * growth, the per-thread cache of a heap tape, free) for memcheck: long
 * Bessel series, long loops, split-mode recursive calls sharing the caller's
 * tape, and several threads at once. Every gradient runs on a thread that
 * exits, so a thread's cached tape must be freed with it: memcheck then
 * finds nothing left on the heap. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

double poor_besselj_grad(int nu, double z, double d_ret);
void sin_dot_grad(const double *x, double *dx, int n, double d_ret);
double recursive_grad(int n, double x, double d_ret);
void heap_scratch_grad(const double *x, double *dx, int n, double d_ret);
void grow_buffer_grad(const double *x, double *dx, int n, double d_ret);

enum { N = 5000, THREADS = 6 };
static double x[N];

/* Growing then shrinking tapes: each call may start on the cached block. */
static void *sin_dot_sizes(void *out) {
  double *dx = calloc(N, sizeof *dx);
  for (int n = 100; n <= N; n *= 3) sin_dot_grad(x, dx, n, 1.0);
  for (int rep = 0; rep < 3; rep++) sin_dot_grad(x, dx, N, 1.0);
  sin_dot_grad(x, dx, 200, 1.0);
  *(double *)out = dx[0] + dx[N - 1];
  free(dx);
  return NULL;
}

static void *serial_work(void *out) {
  double acc = 0.0;
  for (int i = 0; i <= 300; i++) acc += poor_besselj_grad(2, i * 0.1, 1.0);
  double s;
  sin_dot_sizes(&s);
  acc += s;
  /* Split-mode calls: recursion pushes and pops the caller's tape. */
  acc += recursive_grad(14, 0.4, 1.0);
  /* Heap shadows: allocated zeroed with the primal, freed by the reverse sweep. */
  double *dx = calloc(N, sizeof *dx);
  for (int rep = 0; rep < 3; rep++) heap_scratch_grad(x, dx, 1000, 1.0);
  /* realloc: shadows move with the blocks, adjoints flow back to old ones. */
  grow_buffer_grad(x, dx, 1000, 1.0);
  free(dx);
  *(double *)out = acc;
  return NULL;
}

int main(void) {
  for (int i = 0; i < N; i++) x[i] = 0.001 * i;
  pthread_t t[THREADS];
  double acc, alone, each[THREADS];
  pthread_create(&t[0], NULL, serial_work, &acc);
  pthread_join(t[0], NULL);
  pthread_create(&t[0], NULL, sin_dot_sizes, &alone);
  pthread_join(t[0], NULL);
  for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, sin_dot_sizes, &each[i]);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < THREADS; i++)
    if (each[i] != alone) {
      printf("thread %d: %.17g, alone %.17g\n", i, each[i], alone);
      return 1;
    }
  printf("%.17g\n", acc);
  return 0;
}
