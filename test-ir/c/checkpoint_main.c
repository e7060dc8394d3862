/* Checkpointed gradients (--checkpoint, objects built from checkpoint.c
 * with -DSUFFIX=_ck) against the plain gradients of the same code
 * (-DSUFFIX=_plain) and against central differences of the primal. The
 * work runs on a thread that exits, which frees its cached tape (so that
 * memcheck finds nothing left). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { double d0, d1, d2, d3; } G4;
double heat_plain(double *u, double *work, const double *kappa, long n, long steps);
void heat_plain_grad(double *u, double *du, double *w, double *dw, const double *k, double *dk, long n,
                     long steps, double d_ret);
void heat_ck_grad(double *u, double *du, double *w, double *dw, const double *k, double *dk, long n,
                  long steps, double d_ret);
double oscillator_plain(double x0, double v0, double k, double c, int steps);
G4 oscillator_plain_grad(double x0, double v0, double k, double c, int steps, double d_ret);
G4 oscillator_ck_grad(double x0, double v0, double k, double c, int steps, double d_ret);
void two_phase_plain(double *y, const double *a, double *table, int n, int steps);
void two_phase_plain_grad(double *y, double *dy, const double *a, double *da, double *t, double *dt, int n,
                          int steps);
void two_phase_ck_grad(double *y, double *dy, const double *a, double *da, double *t, double *dt, int n,
                       int steps);

static int checks, failed;

static void expect(const char *what, double got, double want, double tol) {
  checks++;
  if (!(fabs(got - want) <= tol * fmax(1.0, fabs(want)))) {
    failed++;
    printf("FAIL %s: %.17g, expected %.17g\n", what, got, want);
  }
}

/* Fourth-order central difference of f along direction e_i, f given as a
 * closure over a perturbation of one input. */
#define CENTRAL(f, h) ((-(f(2 * (h))) + 8 * (f(h)) - 8 * (f(-(h))) + (f(-2 * (h)))) / (12 * (h)))

static long hn, ht, hi;
static double *hu0, *hk;
static double heat_at(double e) {
  double *u = malloc(hn * 8), *w = calloc(hn, 8);
  memcpy(u, hu0, hn * 8);
  u[hi] += e;
  double r = heat_plain(u, w, hk, hn, ht);
  free(u), free(w);
  return r;
}

static void heat_case(long n, long steps) {
  double *u0 = malloc(n * 8), *k = malloc(n * 8);
  for (long i = 0; i < n; i++) {
    u0[i] = sin(0.1 * i) + 0.5;
    k[i] = 0.2 + 0.05 * cos(0.3 * i);
  }
  double *u[2], *w[2], *du[2], *dw[2], *dk[2];
  for (int v = 0; v < 2; v++) {
    u[v] = malloc(n * 8), w[v] = calloc(n, 8), du[v] = calloc(n, 8), dw[v] = calloc(n, 8);
    dk[v] = calloc(n, 8);
    memcpy(u[v], u0, n * 8);
  }
  heat_plain_grad(u[0], du[0], w[0], dw[0], k, dk[0], n, steps, 1.0);
  heat_ck_grad(u[1], du[1], w[1], dw[1], k, dk[1], n, steps, 1.0);
  char what[64];
  for (long i = 0; i < n; i++) {
    snprintf(what, sizeof what, "heat du[%ld]", i);
    expect(what, du[1][i], du[0][i], 1e-12);
    snprintf(what, sizeof what, "heat dkappa[%ld]", i);
    expect(what, dk[1][i], dk[0][i], 1e-12);
    snprintf(what, sizeof what, "heat u after[%ld]", i);
    expect(what, u[1][i], u[0][i], 0);
    snprintf(what, sizeof what, "heat work after[%ld]", i);
    expect(what, w[1][i], w[0][i], 0);
  }
  hn = n, ht = steps, hu0 = u0, hk = k;
  for (hi = 1; hi < n; hi += n / 3) {
    snprintf(what, sizeof what, "heat du[%ld] vs differences", hi);
    expect(what, du[1][hi], CENTRAL(heat_at, 1e-4), 1e-6);
  }
  for (int v = 0; v < 2; v++) free(u[v]), free(w[v]), free(du[v]), free(dw[v]), free(dk[v]);
  free(u0), free(k);
}

static double ox[4];
static int oi, osteps;
static double osc_at(double e) {
  double x[4] = {ox[0], ox[1], ox[2], ox[3]};
  x[oi] += e;
  return oscillator_plain(x[0], x[1], x[2], x[3], osteps);
}

static void oscillator_case(int steps) {
  double x[4] = {0.7, -0.2, 1.3, 0.4};
  G4 p = oscillator_plain_grad(x[0], x[1], x[2], x[3], steps, 1.0);
  G4 c = oscillator_ck_grad(x[0], x[1], x[2], x[3], steps, 1.0);
  double pv[4] = {p.d0, p.d1, p.d2, p.d3}, cv[4] = {c.d0, c.d1, c.d2, c.d3};
  memcpy(ox, x, sizeof x);
  osteps = steps;
  char what[64];
  for (oi = 0; oi < 4; oi++) {
    snprintf(what, sizeof what, "oscillator(%d) d%d", steps, oi);
    expect(what, cv[oi], pv[oi], 1e-12);
    expect(what, cv[oi], CENTRAL(osc_at, 1e-4), 1e-6);
  }
}

static int tn, tsteps, tj;
static double *ty0, *ta;
static double two_phase_at(double e) {
  double *y = malloc(tn * 8), *t = calloc(tn, 8), s = 0;
  memcpy(y, ty0, tn * 8);
  y[tj] += e;
  two_phase_plain(y, ta, t, tn, tsteps);
  for (int i = 0; i < tn; i++) s += (i + 1) * y[i];
  free(y), free(t);
  return s;
}

static void two_phase_case(int n, int steps) {
  double *y0 = malloc(n * 8), *a = malloc(n * 8);
  for (int i = 0; i < n; i++) y0[i] = 0.3 + 0.1 * sin(i), a[i] = 0.5 + 0.2 * cos(2.0 * i);
  double *y[2], *dy[2], *da[2], *t[2], *dt[2];
  for (int v = 0; v < 2; v++) {
    y[v] = malloc(n * 8), dy[v] = malloc(n * 8), da[v] = calloc(n, 8), t[v] = calloc(n, 8);
    dt[v] = calloc(n, 8);
    memcpy(y[v], y0, n * 8);
    for (int i = 0; i < n; i++) dy[v][i] = i + 1; /* the seed: sum (i + 1) y_i */
  }
  two_phase_plain_grad(y[0], dy[0], a, da[0], t[0], dt[0], n, steps);
  two_phase_ck_grad(y[1], dy[1], a, da[1], t[1], dt[1], n, steps);
  char what[64];
  for (int i = 0; i < n; i++) {
    snprintf(what, sizeof what, "two_phase dy[%d]", i);
    expect(what, dy[1][i], dy[0][i], 1e-12);
    snprintf(what, sizeof what, "two_phase da[%d]", i);
    expect(what, da[1][i], da[0][i], 1e-12);
    snprintf(what, sizeof what, "two_phase y after[%d]", i);
    expect(what, y[1][i], y[0][i], 0);
  }
  tn = n, tsteps = steps, ty0 = y0, ta = a;
  for (tj = 0; tj < n; tj += 3) {
    snprintf(what, sizeof what, "two_phase dy[%d] vs differences", tj);
    expect(what, dy[1][tj], CENTRAL(two_phase_at, 1e-4), 1e-6);
  }
  for (int v = 0; v < 2; v++) free(y[v]), free(dy[v]), free(da[v]), free(t[v]), free(dt[v]);
  free(y0), free(a);
}

double relax_plain(double *u, int n, long limit);
void relax_plain_grad(double *u, double *du, int n, long limit, double d_ret);
void relax_ck_grad(double *u, double *du, int n, long limit, double d_ret);
double until_stop_plain(double *u, int n, int steps, int stop);
void until_stop_plain_grad(double *u, double *du, int n, int steps, int stop, double d_ret);
void until_stop_ck_grad(double *u, double *du, int n, int steps, int stop, double d_ret);

/* A loop with a trip count unknown at its entry: `kind` 0 is relax (a
 * while loop), 1 until_stop (a break). */
static int okind, on, oa, ob, oj;
static double *ou0;
static double online_at(double e) {
  double *u = malloc(on * 8), r;
  memcpy(u, ou0, on * 8);
  u[oj] += e;
  r = okind == 0 ? relax_plain(u, on, oa) : until_stop_plain(u, on, oa, ob);
  free(u);
  return r;
}

static void online_case(int kind, int n, int a, int b) {
  double *u0 = malloc(n * 8);
  for (int i = 0; i < n; i++) u0[i] = 0.4 + 0.3 * sin(1.7 * i);
  double *u[2], *du[2];
  for (int v = 0; v < 2; v++) u[v] = malloc(n * 8), du[v] = calloc(n, 8), memcpy(u[v], u0, n * 8);
  if (kind == 0) {
    relax_plain_grad(u[0], du[0], n, a, 1.0);
    relax_ck_grad(u[1], du[1], n, a, 1.0);
  } else {
    until_stop_plain_grad(u[0], du[0], n, a, b, 1.0);
    until_stop_ck_grad(u[1], du[1], n, a, b, 1.0);
  }
  char what[80];
  for (int i = 0; i < n; i++) {
    snprintf(what, sizeof what, "%s(%d, %d) du[%d]", kind ? "until_stop" : "relax", a, b, i);
    expect(what, du[1][i], du[0][i], 1e-12);
    expect(what, u[1][i], u[0][i], 0);
  }
  okind = kind, on = n, oa = a, ob = b, ou0 = u0;
  for (oj = 0; oj < n; oj += 2) {
    snprintf(what, sizeof what, "%s(%d, %d) du[%d] vs differences", kind ? "until_stop" : "relax", a, b, oj);
    expect(what, du[1][oj], CENTRAL(online_at, 1e-4), 1e-6);
  }
  for (int v = 0; v < 2; v++) free(u[v]), free(du[v]);
  free(u0);
}

static void *work(void *arg) {
  long big = *(long *)arg;
  long sizes[][2] = {{3, 1}, {8, 2}, {16, 7}, {32, 100}, {32, big}};
  for (int c = 0; c < 5; c++) heat_case(sizes[c][0], sizes[c][1]);
  int osteps[] = {1, 2, 3, 10, 999, (int)big};
  for (int c = 0; c < 6; c++) oscillator_case(osteps[c]);
  int tsteps[] = {1, 2, 5, 64, 1000};
  for (int c = 0; c < 5; c++) two_phase_case(c == 0 ? 1 : 7, tsteps[c]);
  /* while: t * t < limit, so ceil(sqrt(limit)) iterations */
  long limits[] = {1, 2, 17, 1000, big * big};
  for (int c = 0; c < 5; c++) online_case(0, 9, (int)limits[c], 0);
  int stops[][2] = {{1, 0}, {5, 2}, {5, 9}, {300, 250}, {(int)big, (int)big / 3}};
  for (int c = 0; c < 5; c++) online_case(1, 6, stops[c][0], stops[c][1]);
  return NULL;
}

int main(int argc, char **argv) {
  long big = argc > 1 ? atol(argv[1]) : 10000;
  pthread_t t;
  pthread_create(&t, NULL, work, &big);
  pthread_join(t, NULL);
  printf("%d checks, %d failed\n", checks, failed);
  return failed != 0;
}
