#ifndef ATTENTIONKIT_SDPA_TILES_H
#define ATTENTIONKIT_SDPA_TILES_H

/* The per-tile steps of sdpa.c, one table per instruction set.
 *
 * A tile is `key_count` keys (at most the key block) against
 * AK_SDPA_QUERY_BLOCK queries. Scores and probabilities are kept transposed,
 * s[j][lane] with one row of AK_SDPA_QUERY_BLOCK floats per key, so that
 * every step runs along the vector lanes across queries: the row maximum and
 * sum of a query are lane-wise, never a horizontal reduction. Scores are in
 * log2 units (scale * log2(e) is folded into the queries), so the softmax
 * needs exp2, not exp. Every buffer is 64-byte aligned. */

#include "sdpa_kernels.h"

#define AK_LANES AK_SDPA_QUERY_BLOCK

typedef struct {
  /* queries_t[d][lane] = queries[lane][d] * factor for lane < lanes, and 0
   * for the lanes past them. queries: (lanes, depth); queries_t: (depth, LANES). */
  void (*pack_queries)(const float *queries, long lanes, long depth, float factor, float *queries_t);

  /* output[lane * row_stride + c] = tile_t[c][lane] * factor[lane] for
   * lane < lanes and c < columns; a lane whose factor is 0 gets zeros,
   * whatever tile_t holds. tile_t: (columns, LANES); factor: (LANES), or
   * NULL for 1. Writes the output (lanes, Dv) and tiles of the weights. */
  void (*store_transposed)(
      const float *tile_t, long lanes, long columns, const float *factor, float *output, long row_stride);

  /* s[j][lane] += bias[lane * row_stride + j] * scale, for lane < lanes and
   * j < key_count: a tile of an additive mask stored along the keys. */
  void (*add_bias)(float *s, long key_count, long lanes, const float *bias, long row_stride, float scale);

  /* s[j][lane] = -inf where allowed[lane * row_stride + j] is 0, for
   * lane < lanes and j < key_count: a tile of a Boolean mask. */
  void (*mask_disallowed)(float *s, long key_count, long lanes, const uint8_t *allowed, long row_stride);

  /* s[j][lane] = sum_d keys[j][d] * queries_t[d][lane], j < key_count.
   * keys: (key_count, depth), rows `depth` apart; queries_t: (depth, LANES). */
  void (*scores)(const float *keys, long key_count, long depth, const float *queries_t, float *s);

  /* One step of the online softmax over a tile of masked scores: the
   * running maximum m and sum l of each query take in the tile's keys, s is
   * overwritten by exp2(s - m_new), and alpha = exp2(m_old - m_new) is the
   * factor that rescales what was summed before. A query that has seen only
   * -inf keeps m = -inf and uses 0 in place of it, so nothing becomes NaN.
   * s: (key_count, LANES); running_max, running_sum, alpha: (LANES). */
  void (*online_softmax)(float *s, long key_count, float *running_max, float *running_sum, float *alpha);

  /* The final probabilities of a tile once m and l are known:
   * s = exp2(s - m) * inverse_sum (m = -inf read as 0).
   * s: (key_count, LANES); running_max, inverse_sum: (LANES). */
  void (*probabilities)(float *s, long key_count, const float *running_max, const float *inverse_sum);

  /* output_t[e][lane] = output_t[e][lane] * alpha[lane]
   *                     + sum_j values[j][e] * p[j][lane],
   * or without the first term (output_t is not read) when `first` is set.
   * values: (key_count, value_depth); p: (key_count, LANES);
   * alpha: (LANES), or NULL for 1; output_t: (value_depth, LANES). */
  void (*accumulate_values)(
      const float *values, long key_count, long value_depth, const float *p, const float *alpha, int first,
      float *output_t);
} ak_sdpa_tiles;

extern const ak_sdpa_tiles ak_sdpa_tiles_portable;
#if defined(__x86_64__) || defined(__i386__)
extern const ak_sdpa_tiles ak_sdpa_tiles_avx2;
extern const ak_sdpa_tiles ak_sdpa_tiles_avx512;
/* The transposing steps of the AVX2 table, which the AVX-512 table shares. */
void ak_sdpa_pack_queries_avx2(const float *queries, long lanes, long depth, float factor, float *queries_t);
void ak_sdpa_add_bias_avx2(
    float *s, long key_count, long lanes, const float *bias, long row_stride, float scale);
void ak_sdpa_mask_disallowed_avx2(
    float *s, long key_count, long lanes, const uint8_t *allowed, long row_stride);
void ak_sdpa_store_transposed_avx2(
    const float *tile_t, long lanes, long columns, const float *factor, float *output, long row_stride);
#endif

/* 2^f on [-1/2, 1/2], relative error 7.5e-8 (2.3e-7 evaluated in float):
 * a least-squares fit on Chebyshev nodes reweighted toward minimax. */
#define AK_EXP2_C0 1.0000001192092896f
#define AK_EXP2_C1 0.6931469440460205f
#define AK_EXP2_C2 0.24022120237350464f
#define AK_EXP2_C3 0.05550713092088699f
#define AK_EXP2_C4 0.009675540961325169f
#define AK_EXP2_C5 0.001327647129073739f

#endif
