/* The binomial checkpointing schedule at run time (checkpoint/schedule.rs
 * is its specification and builds the same schedule ahead of time): the
 * code adc generates for a checkpointed loop learns the trip count at the
 * loop's entry, then asks adc_revolve_next for one action after another
 * and carries each out. Linked into modules as IR (build.rs).
 *
 * Actions, with their operands in the state's `a`, `b`, `slot` fields:
 * ADVANCE (run steps a+1 ..= b without a tape), STORE (copy the current
 * state, state b, into snapshot slot), RESTORE (make snapshot slot, state
 * a, current), FREE (snapshot slot unused), TURN (step b forward with its
 * tape, then its reverse), DONE. Snapshot 0 holds the entry state. */
#include <stdint.h>

enum { ADC_ADVANCE = 1, ADC_STORE, ADC_RESTORE, ADC_FREE, ADC_TURN, ADC_DONE };

/* C(s + t, s), saturating. */
static uint64_t eta(uint64_t s, uint64_t t) {
  uint64_t small = s < t ? s : t, large = s < t ? t : s, r = 1;
  for (uint64_t i = 1; i <= small; i++) {
    unsigned __int128 x = (unsigned __int128)r * (large + i);
    if (x / i > UINT64_MAX) return UINT64_MAX;
    r = (uint64_t)(x / i);
  }
  return r;
}

static uint64_t repetitions(uint64_t steps, uint64_t snaps) {
  uint64_t t = 0;
  while (eta(snaps, t) < steps) t++;
  return t;
}

/* One level of the schedule's recursion: reverse steps a+1 ..= b from
 * state a, held in snapshot `held`. */
struct adc_revolve_frame {
  int64_t a, b, held, slot, j;
  int32_t stage;
};

#define ADC_REVOLVE_DEPTH 128

struct adc_revolve {
  /* The action's operands. */
  int64_t a, b, slot;
  /* Free snapshot slots (a stack), and the levels of the recursion. */
  int64_t nfree, top, started;
  int64_t steps, snaps;
  int64_t free_slots[ADC_REVOLVE_DEPTH];
  struct adc_revolve_frame frames[ADC_REVOLVE_DEPTH + 2];
};

/* Start a schedule for `steps` steps with `snaps` >= 1 snapshots (at most
 * ADC_REVOLVE_DEPTH; more are not used). */
void adc_revolve_init(struct adc_revolve *r, int64_t steps, int64_t snaps) {
  if (snaps < 1) snaps = 1;
  if (snaps > ADC_REVOLVE_DEPTH) snaps = ADC_REVOLVE_DEPTH;
  r->steps = steps, r->snaps = snaps, r->started = 0, r->top = 0;
  r->nfree = 0;
  for (int64_t k = snaps - 1; k >= 1; k--) r->free_slots[r->nfree++] = k;
}

static void push_frame(struct adc_revolve *r, int64_t a, int64_t b, int64_t held) {
  struct adc_revolve_frame *f = &r->frames[r->top++];
  f->a = a, f->b = b, f->held = held, f->stage = 0, f->slot = -1, f->j = b;
}

int32_t adc_revolve_next(struct adc_revolve *r) {
  if (!r->started) {
    r->started = 1;
    if (r->steps > 0) push_frame(r, 0, r->steps, 0);
    r->slot = 0, r->b = 0;
    return ADC_STORE;
  }
  while (r->top > 0) {
    struct adc_revolve_frame *f = &r->frames[r->top - 1];
    int64_t l = f->b - f->a;
    if (l == 1) {
      /* (stage 0: the turn; then the level is done) */
      if (f->stage == 0) {
        f->stage = 9;
        r->b = f->b;
        return ADC_TURN;
      }
      r->top--;
      continue;
    }
    if (f->stage == 0 && r->nfree == 0) f->stage = 10; /* one snapshot: repeat from a */
    switch (f->stage) {
    case 10: /* for j = b down to a + 1: restore (but first), advance, turn */
      if (f->j <= f->a) {
        r->top--;
        continue;
      }
      f->stage = 11;
      if (f->j < f->b) {
        r->slot = f->held, r->a = f->a;
        return ADC_RESTORE;
      }
      /* fallthrough */
    case 11:
      f->stage = 12;
      if (f->j - 1 > f->a) {
        r->a = f->a, r->b = f->j - 1;
        return ADC_ADVANCE;
      }
      /* fallthrough */
    case 12:
      f->stage = 10;
      r->b = f->j;
      f->j--;
      return ADC_TURN;
    case 0: {
      /* Split at m = a + l1 (schedule.rs, Build::reverse). */
      uint64_t s = (uint64_t)r->nfree + 1, t = repetitions((uint64_t)l, s);
      uint64_t tail = eta(s - 1, t), by_tail = (uint64_t)l > tail ? (uint64_t)l - tail : 0;
      uint64_t by_head = t >= 2 ? eta(s, t - 2) : 0;
      uint64_t l1 = by_tail > by_head ? by_tail : by_head;
      if (l1 < 1) l1 = 1;
      if (l1 > (uint64_t)l - 1) l1 = (uint64_t)l - 1;
      f->j = f->a + (int64_t)l1; /* m */
      f->stage = 1;
      r->a = f->a, r->b = f->j;
      return ADC_ADVANCE;
    }
    case 1:
      f->slot = r->free_slots[--r->nfree];
      f->stage = 2;
      r->slot = f->slot, r->b = f->j;
      return ADC_STORE;
    case 2:
      f->stage = 3;
      push_frame(r, f->j, f->b, f->slot);
      continue;
    case 3:
      r->free_slots[r->nfree++] = f->slot;
      f->stage = 4;
      r->slot = f->slot;
      return ADC_FREE;
    case 4:
      f->stage = 5;
      r->slot = f->held, r->a = f->a;
      return ADC_RESTORE;
    case 5: {
      /* The head: this level becomes reverse(a, m, held). */
      int64_t a = f->a, m = f->j, held = f->held;
      r->top--;
      push_frame(r, a, m, held);
      continue;
    }
    default:
      r->top--;
      continue;
    }
  }
  if (r->started == 1) {
    r->started = 2;
    r->slot = 0;
    return ADC_FREE;
  }
  return ADC_DONE;
}
