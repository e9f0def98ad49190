#ifndef ATTENTIONKIT_SDPA_KERNELS_H
#define ATTENTIONKIT_SDPA_KERNELS_H

/* Scaled dot-product attention, forward, in tiles (FlashAttention-2 style):
 * for a block of queries, key blocks are visited one after another with a
 * running maximum and sum per query, so no Lq x Lk buffer is needed unless
 * the attention weights are asked for.
 *
 * Legend: B batch, H heads, Lq queries, Lk keys, D query/key width,
 * Dv value width. Every tensor is float32, row-major, contiguous. */

#include <stdint.h>

#include "cpu_features.h"

/* Queries handled together by one work item: the vector lanes of the tile
 * kernels run across queries. */
#define AK_SDPA_QUERY_BLOCK 64

typedef struct {
  const float *queries; /* (B, H, Lq, D) */
  const float *keys;    /* (B, H, Lk, D) */
  const float *values;  /* (B, H, Lk, Dv) */
  float *output;        /* (B, H, Lq, Dv) */
  float *weights;       /* (B, H, Lq, Lk), or NULL when they are not wanted */
  /* (B, H, Lq) each, or NULL: every query's final running maximum (in
   * log2 units, -inf for a query that sees no key) and 1 / its sum (0 for
   * such a query), written with or without the weights. From them,
   * ak_sdpa_weights_block recomputes any block of the weights bit for bit:
   * 8 bytes a row instead of 4·Lk. */
  float *row_max;
  float *row_inverse_sum;
  /* Nonzero: compute the output as when the weights are asked for (two
   * passes, the normalised probabilities times the values), even with
   * weights NULL, so that a run that keeps only the row statistics gives
   * the output of a run that keeps the weights, bit for bit. */
  int two_pass;
  long batch, heads, query_count, key_count, depth, value_depth;
  /* Multiplies q.k before any additive mask (usually 1/sqrt(D)). */
  float scale;
  /* (B, Lq): query q of batch b sees keys 0 ..< key_limits[b * Lq + q]
   * (every head alike); a limit <= 0 hides every key. NULL: no limit. */
  const int32_t *key_limits;
  /* Added to the scaled scores; element (b, h, q, k) at
   * b*s[0] + h*s[1] + q*s[2] + k*s[3], a stride of 0 broadcasts. NULL: none. */
  const float *bias;
  long bias_strides[4];
  /* Nonzero = attend, addressed like bias. NULL: every key allowed. */
  const uint8_t *allowed;
  long allowed_strides[4];
  /* Keys per tile, >= 1. */
  long key_block;
  /* Next work item to take: ak_sdpa_run sets it to 0; callers of
   * ak_sdpa_work set it to 0 before their workers start. */
  long next_item;
} ak_sdpa_problem;

/* Work items: (B*H) x ceil(Lq / AK_SDPA_QUERY_BLOCK). */
long ak_sdpa_item_count(const ak_sdpa_problem *problem);

/* Runs the whole problem on `threads` threads: the calling thread and
 * threads - 1 helpers from a pool that is started on first use and kept.
 * A call made while another one runs the pool uses the calling thread
 * alone. Returns 0, or -1 if scratch memory could not be allocated. */
int ak_sdpa_run(ak_sdpa_problem *problem, ak_isa isa, int threads);

/* Takes work items until none is left. Call it from each worker thread at
 * once with the same problem; the items are disjoint, so the workers write
 * disjoint parts of output and weights. Rows whose every key is masked get
 * zeros in output and weights. Returns 0, or -1 if scratch memory could not
 * be allocated. `isa` must not exceed ak_detected_isa(). */
int ak_sdpa_work(ak_sdpa_problem *problem, ak_isa isa);

/* The weights of queries [query_start, query_start + query_count) over
 * keys [key_start, key_start + key_count) of matrix `matrix` (b * H + h),
 * bit for bit as ak_sdpa_run writes them with the same problem and `isa`,
 * from the problem's queries, keys, masks, scale and key block and the row
 * statistics (row_max, row_inverse_sum) a run wrote; the values, output and
 * weights are not read. Writes block[(q - query_start) * row_stride +
 * (k - key_start)], nothing else. Runs on the calling thread. Returns 0, or
 * -1 if scratch memory could not be allocated. */
int ak_sdpa_weights_block(
    const ak_sdpa_problem *problem, ak_isa isa, long matrix, long query_start, long query_count, long key_start,
    long key_count, float *block, long row_stride);

#endif
