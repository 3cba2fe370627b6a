/*
 * A small persistent thread pool: the caller and (threads - 1) workers claim work items from an atomic
 * counter, so a thread that lost its core to another process delays only the items it holds (the
 * machine may be shared). Workers spin briefly between dispatches (a step is a few hundred back to back)
 * and then sleep on a condition variable. Which thread runs an item never changes a number: every item
 * writes its own outputs, computed the same way whoever runs it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "spt-native.h"

typedef struct {
  spt_task fn;
  void *ctx;
  long items;
  atomic_long next;
  atomic_long done;
  int refs; /* workers holding this job (under the mutex) */
} job_t;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t wake;
  pthread_cond_t idle;
  pthread_t workers[SPT_MAX_THREADS];
  int nworkers;
  job_t *job;
  atomic_ulong gen;
  int stop;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static struct {
  float *p;
  size_t n;
} scratch[SPT_MAX_THREADS];

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

enum { SPIN = 20000 };

static void work(job_t *j, int tid) {
  long i;
  while ((i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < j->items) {
    j->fn(j->ctx, i, tid);
    atomic_fetch_add_explicit(&j->done, 1, memory_order_release);
  }
}

static void *worker(void *arg) {
  int tid = (int)(intptr_t)arg;
  unsigned long seen = 0; /* spt_pool_set_threads resets gen before starting workers */
  for (;;) {
    for (int s = 0; s < SPIN && atomic_load_explicit(&P.gen, memory_order_acquire) == seen; s++) relax();
    pthread_mutex_lock(&P.mu);
    while (atomic_load(&P.gen) == seen && !P.stop) pthread_cond_wait(&P.wake, &P.mu);
    if (P.stop) {
      pthread_mutex_unlock(&P.mu);
      return NULL;
    }
    seen = atomic_load(&P.gen);
    job_t *j = P.job;
    if (j) j->refs++;
    pthread_mutex_unlock(&P.mu);
    if (!j) continue;
    work(j, tid);
    pthread_mutex_lock(&P.mu);
    j->refs--;
    pthread_cond_broadcast(&P.idle);
    pthread_mutex_unlock(&P.mu);
  }
}

void spt_pool_run(long items, spt_task fn, void *ctx) {
  if (items <= 0) return;
  if (P.nworkers == 0 || items == 1) {
    for (long i = 0; i < items; i++) fn(ctx, i, 0);
    return;
  }
  job_t j = {.fn = fn, .ctx = ctx, .items = items};
  atomic_init(&j.next, 0);
  atomic_init(&j.done, 0);
  j.refs = 0;
  pthread_mutex_lock(&P.mu);
  P.job = &j;
  atomic_fetch_add(&P.gen, 1);
  pthread_cond_broadcast(&P.wake);
  pthread_mutex_unlock(&P.mu);
  work(&j, 0);
  for (int s = 0; s < SPIN && atomic_load_explicit(&j.done, memory_order_acquire) < items; s++) relax();
  pthread_mutex_lock(&P.mu);
  /* Items claimed by workers finish; a worker that wakes later finds no job (or the next one). */
  while (atomic_load_explicit(&j.done, memory_order_acquire) < items || j.refs > 0)
    pthread_cond_wait(&P.idle, &P.mu);
  P.job = NULL;
  pthread_mutex_unlock(&P.mu);
}

static void stop_workers(void) {
  pthread_mutex_lock(&P.mu);
  P.stop = 1;
  pthread_cond_broadcast(&P.wake);
  pthread_mutex_unlock(&P.mu);
  for (int i = 0; i < P.nworkers; i++) pthread_join(P.workers[i], NULL);
  P.nworkers = 0;
  P.stop = 0;
}

int spt_pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > SPT_MAX_THREADS) n = SPT_MAX_THREADS;
  if (n - 1 == P.nworkers) return 0;
  stop_workers();
  atomic_store(&P.gen, 0);
  for (int i = 1; i < n; i++) {
    int rc = pthread_create(&P.workers[P.nworkers], NULL, worker, (void *)(intptr_t)i);
    if (rc != 0) return rc;
    P.nworkers++;
  }
  return 0;
}

int spt_pool_threads(void) { return P.nworkers + 1; }

long spt_pool_chunks(long n, double unitCost) {
  int t = spt_pool_threads();
  if (t == 1 || n <= 1) return 1;
  /* below ~50k flops a hand-off costs more than it saves */
  double total = (double)n * unitCost;
  long useful = (long)(total / 5e4);
  long chunks = 4L * t;
  if (chunks > useful) chunks = useful;
  if (chunks > n) chunks = n;
  return chunks < 1 ? 1 : chunks;
}

float *spt_scratch(int tid, size_t floats) {
  if (tid < 0 || tid >= SPT_MAX_THREADS) return NULL;
  if (scratch[tid].n < floats) {
    free(scratch[tid].p);
    scratch[tid].p = NULL;
    scratch[tid].n = 0;
    /* 64-byte aligned, with headroom so that slowly growing sizes do not reallocate every time */
    size_t want = floats + floats / 4 + 1024;
    void *mem = NULL;
    if (posix_memalign(&mem, 64, want * sizeof(float)) != 0) return NULL;
    scratch[tid].p = mem;
    scratch[tid].n = want;
  }
  return scratch[tid].p;
}

int spt_scratch_all(size_t floats) {
  for (int t = 0; t < spt_pool_threads(); t++)
    if (!spt_scratch(t, floats)) return 0;
  return 1;
}
