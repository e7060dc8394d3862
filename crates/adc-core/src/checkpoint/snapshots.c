/* Snapshots of a checkpointed loop and the driver that carries out its
 * binomial schedule (revolve.c). Linked into modules as IR (build.rs,
 * checkpoint/mod.rs); the code adc generates calls four functions:
 *
 *   adc_ckpt_begin(steps, snaps, bases, where) -> ctx   at the loop's entry
 *   adc_ckpt_grow(ctx, base, addr, size)                from the probe step
 *   adc_ckpt_forward(ctx, probe, env) -> exit code      forward sweep
 *   adc_ckpt_reverse(ctx, step, grad, env)              reverse sweep
 *
 * The state of the loop is its header's values (kept in a stack object the
 * loop writes like any other memory) and the memory its body writes. Which
 * bytes those are is learnt while the loop runs for the first time, by the
 * probe: a copy of one iteration that, before each store, makes sure the
 * store's bytes lie in the hull [lo, hi) of what the loop wrote through the
 * same base pointer, and otherwise calls adc_ckpt_grow. Bytes join the
 * hull before anything in the loop has written them, so their contents at
 * that moment are their contents at the loop's entry: they are copied to
 * the base's `pristine` buffer. A snapshot copies the hull as it is when
 * taken; restoring it also restores, from the pristine copy, what the hull
 * gained since. The entry state's snapshot is therefore empty, and the
 * schedule's s snapshots, the state before the last step and the state at
 * the reverse sweep's start (restored at its end, so the program sees the
 * memory the forward sweep left) hold at most s + 2 states.
 *
 * Iterations are the schedule's steps 1..T: step k takes state k - 1 to
 * state k. A step function returns 0 when the loop goes on and the number
 * of the exit it took otherwise; the trip count T computed at the entry is
 * checked against that as the forward sweep runs.
 *
 * A loop whose trip count is not known at its entry (`steps` < 0: a while
 * loop, a break) is checkpointed online, by doubling: the forward sweep
 * keeps a snapshot every k-th state, k = 1 at first; when all s slots are
 * taken, every other snapshot is dropped and k doubles. When the loop
 * ends after T iterations, between s/2 and s snapshots k <= 2T/s apart
 * remain. The reverse sweep reverses the last interval first with the
 * binomial schedule and every free slot, frees its snapshot, and so on
 * back to the entry. Memory: the same s + 2 states as offline. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revolve.c"

typedef int32_t (*adc_step_fn)(void *env);
typedef void (*adc_grad_fn)(void *env);

/* What the loop wrote through one base pointer, and that memory's
 * contents at the loop's entry. `buf` covers [blo, bhi) ⊇ [lo, hi). */
struct adc_ckpt_base {
  uintptr_t blo, bhi;
  char *buf;
};

/* One snapshot: each base's hull when it was taken, and its bytes. */
struct adc_ckpt_snap {
  uintptr_t *lo, *hi;
  char *data;
  uint64_t cap;
};

struct adc_ckpt {
  /* lo, hi of each base, read by the probe before every store (first:
   * the probe loads it from the context's address). */
  uintptr_t *bounds;
  struct adc_revolve rv;
  int64_t steps, snaps, nbases;
  const char *where;
  struct adc_ckpt_base *bases;
  /* The schedule's snapshots, then the state before step T, then the
   * state at the start of the reverse sweep. */
  struct adc_ckpt_snap *snap;
  /* For ADC_CHECKPOINT_STATS: iterations run forward, peak bytes held. */
  int64_t advanced, peak;
  /* Online: the states kept (ascending) and their slots, the spacing. */
  int64_t online, kept, spacing;
  int64_t *kept_state, *kept_slot;
  /* --tape-limit: bytes for the snapshots (0: none given). */
  int64_t budget;
};

static void *must(void *p) {
  if (!p) {
    fputs("adc: out of memory for the snapshots of a checkpointed loop\n", stderr);
    abort();
  }
  return p;
}

static void copy_pristine(struct adc_ckpt_base *b, uintptr_t lo, uintptr_t hi);

/* The snapshot slots and the schedule, once the number of snapshots is
 * known. */
static void setup(struct adc_ckpt *c, int64_t snaps) {
  if (c->online) {
    if (snaps < 1) snaps = 16;
  } else if (snaps < 1) {
    /* Not given: the fewest with which no step runs forward more than
     * three times. */
    snaps = 1;
    while (snaps < ADC_REVOLVE_DEPTH && eta((uint64_t)snaps, 3) < (uint64_t)c->steps) snaps++;
  }
  if (snaps > ADC_REVOLVE_DEPTH) snaps = ADC_REVOLVE_DEPTH;
  if (!c->online && snaps > c->steps) snaps = c->steps;
  c->snaps = snaps;
  c->snap = must(calloc((size_t)snaps + 2, sizeof *c->snap));
  for (int64_t k = 0; k < snaps + 2; k++) {
    c->snap[k].lo = must(calloc((size_t)c->nbases + 1, sizeof(uintptr_t)));
    c->snap[k].hi = must(calloc((size_t)c->nbases + 1, sizeof(uintptr_t)));
  }
  if (c->online) {
    c->kept_state = must(calloc((size_t)snaps, sizeof(int64_t)));
    c->kept_slot = must(calloc((size_t)snaps, sizeof(int64_t)));
  } else {
    adc_revolve_init(&c->rv, c->steps, snaps);
  }
}

/* `steps` < 0: not known (online). `budget` > 0 (--tape-limit): as many
 * snapshots as fit in that many bytes, chosen after the first iteration
 * (adc_ckpt_forward). */
void *adc_ckpt_begin(int64_t steps, int64_t snaps, int64_t nbases, const char *where, int64_t budget) {
  struct adc_ckpt *c = must(calloc(1, sizeof *c));
  if (steps >= 0 && steps < 1) {
    fprintf(stderr,
            "adc: the checkpointed loop at %s runs %lld iterations by the count "
            "computed at its entry; adc expected at least one\n",
            where, (long long)steps);
    abort();
  }
  c->online = steps < 0, c->spacing = 1;
  c->steps = steps, c->nbases = nbases, c->where = where, c->budget = budget;
  c->bounds = must(calloc(2 * (size_t)nbases + 1, sizeof(uintptr_t)));
  c->bases = must(calloc((size_t)nbases + 1, sizeof *c->bases));
  if (budget <= 0) setup(c, snaps);
  return c;
}

/* --tape-limit: run the first iteration to learn the bytes an iteration
 * writes, put them back, and take as many snapshots as fit in the budget
 * (s + 2 states). */
static void calibrate(struct adc_ckpt *c, adc_step_fn probe, void *env) {
  probe(env);
  c->advanced++;
  int64_t state = 0;
  for (int64_t k = 0; k < c->nbases; k++) {
    uintptr_t lo = c->bounds[2 * k], hi = c->bounds[2 * k + 1];
    copy_pristine(&c->bases[k], lo, hi);
    state += (int64_t)(hi - lo);
  }
  int64_t s = c->budget / (state > 0 ? state : 1) - 2;
  if (s < 1) {
    fprintf(stderr,
            "adc: the %lld bytes of --tape-limit for the checkpointed loop at %s (the limit "
            "is shared among the loops adc checkpoints) cannot hold its snapshots: an "
            "iteration writes %lld bytes, and checkpointing keeps at least 3 such states; "
            "give the loop %lld bytes or more\n",
            (long long)c->budget, c->where, (long long)state, (long long)(3 * state));
    abort();
  }
  setup(c, s);
}

/* The probe found a store of [addr, addr + size) outside base k's hull. */
void adc_ckpt_grow(void *ctx, int64_t k, char *addr, int64_t size) {
  struct adc_ckpt *c = ctx;
  struct adc_ckpt_base *b = &c->bases[k];
  uintptr_t *lo = &c->bounds[2 * k], *hi = &c->bounds[2 * k + 1];
  uintptr_t a = (uintptr_t)addr, e = a + (uintptr_t)size;
  int empty = *lo == *hi;
  uintptr_t nlo = empty || a < *lo ? a : *lo, nhi = empty || e > *hi ? e : *hi;
  if (!b->buf || nlo < b->blo || nhi > b->bhi) {
    /* Room for the hull to double on the side it grows on. */
    uintptr_t len = nhi - nlo, blo = nlo, bhi = nhi;
    if (b->buf && nlo < *lo) blo = nlo > len ? nlo - len : 0;
    if (!b->buf || nhi > *hi) bhi = nhi + len;
    char *buf = must(malloc(bhi - blo));
    if (b->buf) {
      if (!empty) memcpy(buf + (*lo - blo), b->buf + (*lo - b->blo), *hi - *lo);
      free(b->buf);
    }
    b->buf = buf, b->blo = blo, b->bhi = bhi;
  }
  /* The new bytes: nothing in the loop has written them yet. */
  if (empty) {
    memcpy(b->buf + (nlo - b->blo), (char *)nlo, nhi - nlo);
  } else {
    if (nlo < *lo) memcpy(b->buf + (nlo - b->blo), (char *)nlo, *lo - nlo);
    if (nhi > *hi) memcpy(b->buf + (*hi - b->blo), (char *)*hi, nhi - *hi);
  }
  *lo = nlo, *hi = nhi;
}

/* Bytes of snapshots and pristine copies held now. */
static int64_t held(struct adc_ckpt *c) {
  int64_t total = 0;
  for (int64_t k = 0; k < c->snaps + 2; k++) total += (int64_t)c->snap[k].cap;
  for (int64_t k = 0; k < c->nbases; k++) {
    uintptr_t lo = c->bounds[2 * k], hi = c->bounds[2 * k + 1];
    total += (int64_t)(hi - lo);
  }
  return total;
}

static void snap_store(struct adc_ckpt *c, struct adc_ckpt_snap *s) {
  uint64_t total = 0;
  for (int64_t k = 0; k < c->nbases; k++) total += c->bounds[2 * k + 1] - c->bounds[2 * k];
  if (total > s->cap) {
    free(s->data);
    s->data = must(malloc(total));
    s->cap = total;
    int64_t h = held(c);
    if (h > c->peak) c->peak = h;
  }
  char *p = s->data;
  for (int64_t k = 0; k < c->nbases; k++) {
    uintptr_t lo = c->bounds[2 * k], hi = c->bounds[2 * k + 1];
    s->lo[k] = lo, s->hi[k] = hi;
    memcpy(p, (char *)lo, hi - lo);
    p += hi - lo;
  }
}

/* The entry state's snapshot: nothing to copy, restoring it restores the
 * pristine bytes (the first iteration of --tape-limit's calibration may
 * have grown the hulls already). */
static void snap_store_entry(struct adc_ckpt *c, struct adc_ckpt_snap *s) {
  for (int64_t k = 0; k < c->nbases; k++) s->lo[k] = s->hi[k] = 0;
}

static void copy_pristine(struct adc_ckpt_base *b, uintptr_t lo, uintptr_t hi) {
  if (lo < hi) memcpy((char *)lo, b->buf + (lo - b->blo), hi - lo);
}

static void snap_restore(struct adc_ckpt *c, struct adc_ckpt_snap *s) {
  char *p = s->data;
  for (int64_t k = 0; k < c->nbases; k++) {
    uintptr_t lo = c->bounds[2 * k], hi = c->bounds[2 * k + 1];
    uintptr_t slo = s->lo[k], shi = s->hi[k];
    if (slo == shi) {
      copy_pristine(&c->bases[k], lo, hi);
      continue;
    }
    /* The hull only grows: [slo, shi) lies inside [lo, hi). */
    copy_pristine(&c->bases[k], lo, slo);
    copy_pristine(&c->bases[k], shi, hi);
    memcpy((char *)slo, p, shi - slo);
    p += shi - slo;
  }
}

static void wrong_count(struct adc_ckpt *c, int64_t ran, int left) {
  fprintf(stderr,
          "adc: the checkpointed loop at %s %s after %lld iterations, but the "
          "trip count computed at its entry is %lld; checkpoint a loop whose "
          "count is known when it starts, or leave this one out of --checkpoint\n",
          c->where, left ? "left" : "went on", (long long)ran, (long long)c->steps);
  abort();
}

/* The online forward sweep: run to the loop's exit, keeping every
 * `spacing`-th state, thinning by half when the slots are full. */
static int32_t forward_online(struct adc_ckpt *c, adc_step_fn probe, void *env) {
  c->kept = 1, c->kept_state[0] = 0, c->kept_slot[0] = 0;
  snap_store_entry(c, &c->snap[0]);
  for (int64_t i = 1;; i++) {
    int32_t code = probe(env);
    if (code != 0) {
      /* As offline: the first sweep's advances, then the last step. */
      c->steps = i, c->advanced += i - 1;
      return code;
    }
    if (i % c->spacing != 0) continue;
    if (c->kept == c->snaps) {
      int64_t k = 0;
      for (int64_t j = 0; j < c->kept; j++)
        if (c->kept_state[j] % (2 * c->spacing) == 0) {
          c->kept_state[k] = c->kept_state[j], c->kept_slot[k] = c->kept_slot[j];
          k++;
        }
      /* The dropped states' slots are free again: the first unused ones
       * are found by search below. */
      c->kept = k;
      c->spacing *= 2;
      if (i % c->spacing != 0) continue;
    }
    if (c->kept < c->snaps) {
      int64_t slot = 0;
      for (;; slot++) {
        int used = 0;
        for (int64_t j = 0; j < c->kept; j++) used |= c->kept_slot[j] == slot;
        if (!used) break;
      }
      c->kept_state[c->kept] = i, c->kept_slot[c->kept] = slot;
      c->kept++;
      snap_store(c, &c->snap[slot]);
    }
  }
}

int32_t adc_ckpt_forward(void *ctx, adc_step_fn probe, void *env) {
  struct adc_ckpt *c = ctx;
  if (c->budget > 0) calibrate(c, probe, env);
  if (c->online) return forward_online(c, probe, env);
  for (;;) {
    int32_t act = adc_revolve_next(&c->rv);
    if (act == ADC_ADVANCE) {
      for (int64_t k = c->rv.a; k < c->rv.b; k++)
        if (probe(env) != 0) wrong_count(c, k + 1, 1);
      c->advanced += c->rv.b - c->rv.a;
    } else if (act == ADC_STORE && c->rv.b == 0) {
      snap_store_entry(c, &c->snap[c->rv.slot]);
    } else if (act == ADC_STORE) {
      snap_store(c, &c->snap[c->rv.slot]);
    } else if (act == ADC_TURN) {
      /* Step T: keep state T - 1 for the reverse sweep, then run it. */
      snap_store(c, &c->snap[c->snaps]);
      int32_t code = probe(env);
      if (code == 0) wrong_count(c, c->steps, 0);
      return code;
    } else {
      fputs("adc: internal error: checkpoint schedule out of order\n", stderr);
      abort();
    }
  }
}

/* The online reverse sweep: each interval between kept states, last
 * first, by the binomial schedule with its start's slot and the free ones. */
static void reverse_online(struct adc_ckpt *c, adc_step_fn step, adc_grad_fn grad, void *env) {
  int64_t *map = must(calloc((size_t)c->snaps, sizeof(int64_t)));
  for (int64_t j = c->kept - 1; j >= 0; j--) {
    int64_t a = c->kept_state[j], b = j + 1 < c->kept ? c->kept_state[j + 1] : c->steps;
    /* Slots: 0 is the interval's start; then those no kept state uses. */
    int64_t n = 1;
    map[0] = c->kept_slot[j];
    for (int64_t slot = 0; slot < c->snaps; slot++) {
      int used = 0;
      for (int64_t q = 0; q <= j; q++) used |= c->kept_slot[q] == slot;
      if (!used) map[n++] = slot;
    }
    snap_restore(c, &c->snap[map[0]]);
    struct adc_revolve rv;
    adc_revolve_init(&rv, b - a, n);
    int first = 1;
    for (;;) {
      int32_t act = adc_revolve_next(&rv);
      if (act == ADC_ADVANCE) {
        for (int64_t k = rv.a; k < rv.b; k++) step(env);
        c->advanced += rv.b - rv.a;
      } else if (act == ADC_STORE) {
        /* (the first: the interval's start, which its slot holds) */
        if (!first) snap_store(c, &c->snap[map[rv.slot]]);
      } else if (act == ADC_RESTORE) {
        snap_restore(c, &c->snap[map[rv.slot]]);
      } else if (act == ADC_TURN) {
        grad(env);
      } else if (act == ADC_DONE) {
        break;
      }
      first = 0;
    }
  }
  free(map);
}

void adc_ckpt_reverse(void *ctx, adc_step_fn step, adc_grad_fn grad, void *env) {
  struct adc_ckpt *c = ctx;
  struct adc_ckpt_snap *end = &c->snap[c->snaps + 1];
  snap_store(c, end);
  if (c->online) {
    reverse_online(c, step, grad, env);
    goto done;
  }
  snap_restore(c, &c->snap[c->snaps]);
  grad(env);
  for (;;) {
    int32_t act = adc_revolve_next(&c->rv);
    if (act == ADC_ADVANCE) {
      for (int64_t k = c->rv.a; k < c->rv.b; k++) step(env);
      c->advanced += c->rv.b - c->rv.a;
    } else if (act == ADC_STORE) {
      snap_store(c, &c->snap[c->rv.slot]);
    } else if (act == ADC_RESTORE) {
      snap_restore(c, &c->snap[c->rv.slot]);
    } else if (act == ADC_TURN) {
      grad(env);
    } else if (act == ADC_DONE) {
      break;
    }
  }
done:
  snap_restore(c, end);
  if (getenv("ADC_CHECKPOINT_STATS")) {
    int64_t state = 0;
    for (int64_t k = 0; k < c->nbases; k++) state += (int64_t)(c->bounds[2 * k + 1] - c->bounds[2 * k]);
    fprintf(stderr,
            "adc: checkpointed loop at %s: %lld iterations, %lld snapshots%s, state %lld bytes; "
            "snapshots held at most %lld bytes (%.2f states); %lld iterations advanced "
            "(%.3f per iteration; the schedule's forward steps), 1 more to leave the loop\n",
            c->where, (long long)c->steps, (long long)c->snaps, c->online ? " (online)" : "",
            (long long)state, (long long)c->peak,
            state ? (double)c->peak / (double)state : 0.0, (long long)c->advanced,
            (double)c->advanced / (double)c->steps);
  }
  for (int64_t k = 0; k < c->snaps + 2; k++) {
    free(c->snap[k].lo), free(c->snap[k].hi), free(c->snap[k].data);
  }
  for (int64_t k = 0; k < c->nbases; k++) free(c->bases[k].buf);
  free(c->kept_state), free(c->kept_slot);
  free(c->snap), free(c->bases), free(c->bounds), free(c);
}
