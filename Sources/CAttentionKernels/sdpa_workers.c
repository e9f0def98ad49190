/* A small pool of helper threads, shared by ak_sdpa_run and ak_dense_run
 * so that the two never poll against each other on the same cores.
 *
 * Waking a sleeping thread costs tens of microseconds on a virtual machine,
 * as much as a whole small attention call (12 heads x 128 tokens takes
 * ~150 us on two cores). So a helper that has finished a job keeps polling
 * its mailbox for a short while before it sleeps, as OpenMP runtimes do:
 * back-to-back calls then start at once. Each helper has its own mailbox,
 * so a job only ever reaches the helpers it was posted to; and a helper that
 * has not taken its job by the time the caller has done all the work is
 * called off, so the caller never waits for a thread to wake up. */

#include <pthread.h>
#include <time.h>

#include "sdpa_kernels.h"
#include "worker_pool.h"

#define MAX_HELPERS 63
/* How long an idle helper polls before it sleeps. */
#define SPIN_NANOSECONDS 200000L

/* A mailbox goes POSTED (by the caller), then TAKEN and DONE (by its
 * helper), or from POSTED to CANCELLED (by the caller). */
enum { IDLE, POSTED, TAKEN, DONE, CANCELLED };

typedef struct {
  unsigned long generation; /* bumped after each post, to wake the helper */
  int state;
  int failed; /* the helper could not allocate its scratch memory */
  int (*work)(void *context);
  void *context;
} mailbox;

static struct {
  pthread_mutex_t busy;  /* held by the one caller whose job the pool runs */
  pthread_mutex_t sleep; /* guards `sleepers` and the wait on `wake` */
  pthread_cond_t wake;
  int sleepers;
  int helper_count;
  mailbox mailboxes[MAX_HELPERS];
} pool = {
    .busy = PTHREAD_MUTEX_INITIALIZER,
    .sleep = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
};

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static long nanoseconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long)now.tv_sec * 1000000000L + now.tv_nsec;
}

/* Waits until the mailbox holds a generation other than `seen`; returns it. */
static unsigned long next_generation(mailbox *box, unsigned long seen) {
  long deadline = nanoseconds() + SPIN_NANOSECONDS;
  for (unsigned spins = 1;; spins++) {
    unsigned long generation = __atomic_load_n(&box->generation, __ATOMIC_ACQUIRE);
    if (generation != seen) return generation;
    relax();
    if (spins % 64 == 0 && nanoseconds() > deadline) break;
  }
  pthread_mutex_lock(&pool.sleep);
  pool.sleepers++;
  unsigned long generation;
  while ((generation = __atomic_load_n(&box->generation, __ATOMIC_ACQUIRE)) == seen) {
    pthread_cond_wait(&pool.wake, &pool.sleep);
  }
  pool.sleepers--;
  pthread_mutex_unlock(&pool.sleep);
  return generation;
}

static void *helper_main(void *argument) {
  mailbox *box = argument;
  unsigned long seen = 0;
  for (;;) {
    seen = next_generation(box, seen);
    int posted = POSTED;
    if (!__atomic_compare_exchange_n(&box->state, &posted, TAKEN, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
      continue; /* called off */
    }
    box->failed = box->work(box->context) != 0;
    __atomic_store_n(&box->state, DONE, __ATOMIC_RELEASE);
  }
  return NULL;
}

/* Starts helpers until there are `count`; returns how many there are. */
static int ensure_helpers(int count) {
  if (count > MAX_HELPERS) count = MAX_HELPERS;
  while (pool.helper_count < count) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    int status = pthread_create(&thread, &attributes, helper_main, &pool.mailboxes[pool.helper_count]);
    pthread_attr_destroy(&attributes);
    if (status != 0) break;
    pool.helper_count++;
  }
  return pool.helper_count < count ? pool.helper_count : count;
}

typedef struct {
  ak_sdpa_problem *problem;
  ak_isa isa;
} sdpa_job;

static int sdpa_job_work(void *context) {
  sdpa_job *job = context;
  return ak_sdpa_work(job->problem, job->isa);
}

int ak_sdpa_run(ak_sdpa_problem *problem, ak_isa isa, int threads) {
  problem->next_item = 0;
  sdpa_job job = {problem, isa};
  return ak_pool_run(sdpa_job_work, &job, threads);
}

int ak_pool_run(int (*work)(void *context), void *context, int threads) {
  /* One job at a time: a second caller meanwhile does its work alone. */
  if (threads <= 1 || pthread_mutex_trylock(&pool.busy) != 0) return work(context);
  int helpers = ensure_helpers(threads - 1);
  for (int i = 0; i < helpers; i++) {
    mailbox *box = &pool.mailboxes[i];
    box->work = work;
    box->context = context;
    __atomic_store_n(&box->state, POSTED, __ATOMIC_RELEASE);
    __atomic_store_n(&box->generation, box->generation + 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_lock(&pool.sleep);
  if (pool.sleepers > 0) pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.sleep);

  int status = work(context);
  /* The items are all taken; wait only for helpers that took the job. */
  for (int i = 0; i < helpers; i++) {
    mailbox *box = &pool.mailboxes[i];
    int posted = POSTED;
    if (__atomic_compare_exchange_n(&box->state, &posted, CANCELLED, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
      continue;
    }
    while (__atomic_load_n(&box->state, __ATOMIC_ACQUIRE) != DONE) relax();
    if (box->failed) status = -1;
  }
  pthread_mutex_unlock(&pool.busy);
  return status;
}
