#ifndef ATTENTIONKIT_WORKER_POOL_H
#define ATTENTIONKIT_WORKER_POOL_H

/* Runs work(context) on the calling thread and on threads - 1 helpers of
 * the pool (started on first use and kept), all at once; each call takes
 * items from a counter in the context until none is left. A call made
 * while another one runs the pool runs work on the calling thread alone.
 * Returns 0, or -1 if any call of work returned nonzero. */
int ak_pool_run(int (*work)(void *context), void *context, int threads);

#endif
