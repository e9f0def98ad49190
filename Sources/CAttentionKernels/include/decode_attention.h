#ifndef ATTENTIONKIT_DECODE_ATTENTION_H
#define ATTENTIONKIT_DECODE_ATTENTION_H

/* Causal attention of a few new tokens of a decoder over its KV cache,
 * every query head at once: the step that writes one token at a time.
 *
 * The flash kernel (sdpa_kernels.h) runs its vector lanes across 64
 * queries; a written token brings one query per head, so there it would
 * fill 1 lane in 64 and read the keys twice to record the weights. Here a
 * work item is one (head, token) row: its scores over the keys it sees,
 * an exact softmax over them (maximum, then exp and sum, then one
 * division), stored where the row's weights go, and the output as those
 * same weights times the values. So the recorded weights are the ones the
 * output was mixed with, bit for bit, and no score is computed twice.
 *
 * Legend: T new tokens, H query heads, K key/value heads (H a multiple of
 * K; query head h reads key/value head h / (H / K)), d head width, C the
 * cache's capacity, s the tokens before the new ones. Floats are row-major. */

#include "cpu_features.h"

typedef struct {
  const float *queries; /* (T, H, d): token-major, as the projection writes them */
  const float *keys;    /* (K, C, d): the cache, the new tokens' keys already in */
  const float *values;  /* (K, C, d) */
  float *output;        /* (T, H, d), written */
  /* NULL, or the weights of row (h, t), its columns 0 ..= s + t, go to
   * weights + h * head_stride + (s + t) * row_stride; nothing else is written. */
  float *weights;
  long head_stride, row_stride;
  long count, start, heads, kv_heads, depth, capacity;
  /* Multiplies q . k (usually 1 / sqrt(d)). */
  float scale;
} ak_decode_attention_problem;

/* Runs every (head, token) row on up to `threads` threads of the shared
 * pool (the calling thread alone when the work is small). Token t sees the
 * keys 0 ..= s + t. `isa` must not exceed ak_detected_isa(). Returns 0, -1
 * if scratch memory could not be allocated, -2 for sizes that do not fit
 * (H not a multiple of K, s + T over C, a size below 1). */
int ak_decode_attention(const ak_decode_attention_problem *problem, ak_isa isa, int threads);

#endif
