/* The tapes of one OpenMP parallel region's forward sweep, one per thread
 * of its team, kept for the region's reverse sweep (reverse/parallel.rs).
 *
 * The forward sweep's team allocates the tapes when its first thread
 * arrives (its size is the team's, known only inside the region); every
 * thread then records on the tape of its thread number. The reverse sweep
 * runs a team of the same size, in which thread k pops tape k: what thread
 * k did forward, whatever the schedule gave it. A team of another size
 * cannot replay the tapes, so it stops the program instead.
 *
 * A tape starts empty, { NULL, 0, 0, NULL } (reverse/tape.ll's layout),
 * or on a block a finished reverse sweep left in the pool below. A gradient
 * that forks many regions (one per time step) holds one tape per thread
 * per region until its reverse sweep: without the pool each of those
 * blocks would come fresh from mmap on every gradient, and the kernel's
 * page faults and zeroing cost more than the derivative. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct adc_tape {
  void *base;
  long len, cap;
  void *first;
};

struct adc_tapes {
  int threads;
  struct adc_tape tape[];
};

struct adc_team {
  struct adc_tapes *tapes;
};

/* Tape blocks kept between regions (at most POOL of them). */
#define POOL 256
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  void *base;
  long cap;
} pool[POOL];
static int pooled;

static void start_on_pooled_block(struct adc_tape *t) {
  pthread_mutex_lock(&pool_lock);
  if (pooled > 0) {
    pooled--;
    t->base = pool[pooled].base;
    t->cap = pool[pooled].cap;
  }
  pthread_mutex_unlock(&pool_lock);
}

/* The end of a thread's reverse sweep: its tape's block goes to the pool. */
void adc_omp_tape_done(struct adc_tape *t) {
  if (!t->base)
    return;
  pthread_mutex_lock(&pool_lock);
  if (pooled < POOL) {
    pool[pooled].base = t->base;
    pool[pooled].cap = t->cap;
    pooled++;
    t->base = NULL;
  }
  pthread_mutex_unlock(&pool_lock);
  free(t->base);
  t->base = NULL;
}

extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);

struct adc_team *adc_omp_team_new(void) {
  struct adc_team *t = calloc(1, sizeof *t);
  if (!t) {
    fputs("adc: out of memory for a parallel region's tapes\n", stderr);
    abort();
  }
  return t;
}

/* This thread's tape in the forward sweep. */
struct adc_tape *adc_omp_tape_forward(struct adc_team *team) {
  struct adc_tapes *ts = __atomic_load_n(&team->tapes, __ATOMIC_ACQUIRE);
  if (!ts) {
    int n = omp_get_num_threads();
    struct adc_tapes *mine = calloc(1, sizeof *mine + (size_t)n * sizeof(struct adc_tape));
    if (!mine) {
      fputs("adc: out of memory for a parallel region's tapes\n", stderr);
      abort();
    }
    mine->threads = n;
    struct adc_tapes *none = NULL;
    if (__atomic_compare_exchange_n(&team->tapes, &none, mine, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      ts = mine;
    } else {
      free(mine);
      ts = none;
    }
  }
  struct adc_tape *t = &ts->tape[omp_get_thread_num()];
  if (!t->base)
    start_on_pooled_block(t);
  return t;
}

/* The number of threads the reverse sweep's team must have. */
int adc_omp_team_threads(struct adc_team *team) {
  struct adc_tapes *ts = team->tapes;
  return ts ? ts->threads : 1;
}

/* This thread's tape in the reverse sweep. */
struct adc_tape *adc_omp_tape_reverse(struct adc_team *team) {
  static struct adc_tape empty;
  struct adc_tapes *ts = team->tapes;
  int n = omp_get_num_threads();
  if (!ts) {
    /* The forward region ran no thread (an empty team): nothing to pop. */
    return &empty;
  }
  if (n != ts->threads) {
    fprintf(stderr,
            "adc: the reverse sweep of a parallel region got %d threads, its forward "
            "sweep ran on %d; the derivative needs the same team (run with "
            "OMP_DYNAMIC=false and a thread limit of at least %d)\n",
            n, ts->threads, ts->threads);
    abort();
  }
  return &ts->tape[omp_get_thread_num()];
}

void adc_omp_team_free(struct adc_team *team) {
  free(team->tapes);
  free(team);
}
