/* Memory-heavy kernels: data-dependent control flow, in-place time loops,
 * structs of arrays, globals, struct results. */
#include <math.h>
#include <string.h>
#include <stdlib.h>

/* Insertion sort of a copy, then a weighted sum: the order (and so the
 * derivative's pattern) depends on the data. */
double sorted_weighted(const double *x, int n) {
  double a[16];
  for (int i = 0; i < n; i++) a[i] = x[i];
  for (int i = 1; i < n; i++) {
    double v = a[i];
    int j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += (i + 1) * a[i] * a[i];
  return s;
}

/* A 1D heat stencil over a 4x4 grid stored row-major, updated in place for a
 * few time steps (old values are overwritten while the adjoint needs them). */
double stencil_steps(double *u, int steps) {
  for (int t = 0; t < steps; t++)
    for (int i = 1; i < 3; i++)
      for (int j = 1; j < 3; j++)
        u[i * 4 + j] += 0.1 * (u[(i - 1) * 4 + j] + u[(i + 1) * 4 + j] + u[i * 4 + j - 1] +
                               u[i * 4 + j + 1] - 4 * u[i * 4 + j]);
  double s = 0;
  for (int k = 0; k < 16; k++) s += u[k] * u[k];
  return s;
}

/* Struct of arrays: particles with positions and masses; pair energy. */
struct particles { double x[4]; double m[4]; };
double particle_energy(const double *xm) {
  struct particles p;
  memcpy(&p, xm, sizeof p);
  double e = 0;
  for (int i = 0; i < 4; i++)
    for (int j = i + 1; j < 4; j++) e += p.m[i] * p.m[j] / sqrt(1e-3 + (p.x[i] - p.x[j]) * (p.x[i] - p.x[j]));
  return e;
}

/* A global coefficient table read by the kernel. */
static const double coeff[4] = {0.5, -1.25, 2.0, 0.75};
double global_poly(double x) {
  double s = 0;
  for (int i = 0; i < 4; i++) s = s * x + coeff[i];
  return s * sin(x);
}

/* A struct returned through sret by a helper. */
struct big { double a, b, c, d; };
__attribute__((noinline)) static struct big make_big(double x, double y) {
  struct big r = {x * y, x + y, sin(x) * y, x / (1 + y * y)};
  return r;
}
double sret_user(double x, double y) {
  struct big r = make_big(x, y);
  return r.a * r.b + r.c - r.d;
}

/* Pointer chasing: a linked list whose shadow has the same links. */
struct node { double v; struct node *next; };
double list_sum(const struct node *p) {
  double s = 0;
  while (p) {
    s += p->v * p->v * (1 + s * 0.1);
    p = p->next;
  }
  return s;
}

/* Dense kernels for the benchmarks: a dot product and the squared norm of a
 * matrix-vector product (row-major n x n). */
double dot_product(const double *a, const double *b, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

double matvec_loss(const double *A, const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    double y = 0;
    for (int j = 0; j < n; j++) y += A[i * n + j] * x[j];
    s += y * y;
  }
  return s;
}

/* File-scope scratch memory used by this function only: written with active
 * values, read back, overwritten (shadow globals, cleared on entry). */
static double scratch[8];
static double scratch_acc;
double scratch_global(const double *x, int n) {
  for (int i = 0; i < n; i++) scratch[i] = sin(x[i]) * x[i];
  scratch_acc = 0;
  for (int i = 0; i < n; i++) scratch_acc += scratch[i] * scratch[(i + 1) % n];
  for (int i = 0; i < n; i++) scratch[i] = scratch[i] * scratch_acc;
  double s = 0;
  for (int i = 0; i < n; i++) s += scratch[i];
  return s + scratch_acc * scratch_acc;
}

/* A stack table filled once and then only read: its loads are loaded again
 * by the reverse sweep (no tape); the second table is rewritten after it is
 * read, so its loads must be kept. */
double table_reads(const double *x, int n) {
  double t[8], u[8];
  for (int i = 0; i < n; i++) t[i] = exp(x[i]);
  double s = 0;
  for (int r = 0; r < 3; r++) {
    for (int i = 0; i < n; i++) u[i] = t[i] * x[(i + r) % n];
    for (int i = 0; i < n; i++) s += u[i] * u[(i + 1) % n] * t[i];
  }
  return s;
}

/* A function that only reads its argument, called in split mode, and the
 * caller then overwrites that memory: the callee's reverse sweep must not
 * read the argument again (it changed after the call). */
__attribute__((noinline)) static double sin_weighted(const double *p, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += sin(p[i]) * p[i];
  return s;
}
double read_then_overwrite(double *x, int n) {
  double s = 0;
  for (int r = 0; r < 3; r++) {
    s += sin_weighted(x, n) * (r + 1);
    for (int i = 0; i < n; i++) x[i] = x[i] * x[i] * 0.5 + 0.1;
  }
  return s;
}

/* A buffer grown by realloc (doubling) while it is filled, reduced, then
 * shrunk by realloc and read again: shadows move with the blocks, and the
 * adjoints of the kept prefix flow back to the old blocks. */
double grow_buffer(const double *x, int n) {
  int cap = 1, len = 0;
  double *buf = malloc(cap * sizeof *buf);
  for (int i = 0; i < n; i++) {
    if (len == cap) {
      cap *= 2;
      buf = realloc(buf, cap * sizeof *buf);
    }
    buf[len++] = sin(x[i]) * x[(i + 1) % n];
  }
  double s = 0;
  for (int i = 0; i < len; i++) s += buf[i] * buf[len - 1 - i];
  buf = realloc(buf, 2 * sizeof *buf);
  s += buf[0] * exp(buf[1]);
  free(buf);
  return s;
}

/* A heap buffer whose pointer lives in a struct on the stack, filled and
 * read by a helper that is not inlined: the struct's shadow holds the
 * buffer's shadow pointer. */
struct series {
  double *data;
  int len;
};
__attribute__((noinline)) static void series_fill(struct series *s, const double *x, int n) {
  s->data = malloc(n * sizeof *s->data);
  s->len = n;
  for (int i = 0; i < n; i++) s->data[i] = x[i] * sin(x[(i + 1) % n]);
}
double held_buffer(const double *x, int n) {
  struct series s;
  series_fill(&s, x, n);
  double acc = 0;
  for (int i = 0; i + 1 < s.len; i++) acc += s.data[i] * s.data[i + 1];
  free(s.data);
  return acc;
}

/* A global written with active values and read back by another function
 * of the module (not inlined): one shadow global serves both derivatives. */
double shared_acc[2];
__attribute__((noinline)) double shared_readback(void) {
  return shared_acc[0] * shared_acc[1] + exp(shared_acc[1]);
}
double shared_global(double x, double y) {
  shared_acc[0] = sin(x) * y;
  shared_acc[1] = x * y;
  return shared_readback() + x;
}

/* Struct copies in a function that does nothing else: only the copies'
 * !tbaa.struct (clang's field types) says they move doubles. */
struct pair {
  double a, b;
};
__attribute__((noinline)) static void copy_pairs(struct pair *dst, const struct pair *src, int n) {
  for (int i = 0; i < n; i++) dst[i] = src[i];
}
double pair_copies(const double *x, int n) {
  struct pair p[8], q[8];
  for (int i = 0; i < n; i++) p[i].a = sin(x[i]), p[i].b = x[i] * x[i];
  copy_pairs(q, p, n);
  double s = 0;
  for (int i = 0; i < n; i++) s += q[i].a * q[i].b + q[(i + 1) % n].a;
  return s;
}

/* A work array filled once per step and read by several loops after its
 * last write (reverse mode copies it to the tape once per step and repeats
 * those reads), with an in-place update between reads: the reads before
 * the update saw other values and stay on the tape. The double loop reads
 * the array n times per step. */
double reread_work(const double *x, int n, int steps) {
  double *w = malloc(n * sizeof *w);
  double s = 0.0;
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < n; i++) w[i] = sin(x[i] * (t + 1)) + x[(i + t) % n];
    for (int i = 0; i < n; i++) s += w[i] * x[i];
    for (int i = 0; i < n; i++) w[i] = w[i] * w[i] - x[i];
    for (int i = 0; i < n; i++) s += w[i] * w[(i + 1) % n];
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) s += 0.01 * exp(0.1 * w[i]) * w[j] * x[(i + j) % n];
  }
  free(w);
  return s;
}

/* A coefficient table and the input read through one pointer: optimized
 * code loads `x[i]` or `weights[k]` through a phi or select of the two
 * addresses. The table's part carries no derivative; the input's does. */
static const double weights[6] = {0.3, -0.2, 0.5, 0.9, -0.7, 0.1};
double table_or_input(const double *x, int n) {
  double s = 0.0;
  for (int i = 0; i < 4; i++) {
    double w;
    if ((i + n) % 3 == 0)
      w = x[i];
    else
      w = weights[(i * n + 1) % 6];
    s += w * sin(x[i] + 0.5 * w);
  }
  return s;
}
