/* The tile steps of sdpa.c with AVX-512F: a tile row of 64 lanes is four
 * zmm registers, and the products keep a 6-row x 64-lane block of results
 * in 24 of the 32 registers while they stream the contraction axis. */

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <math.h>

#include "sdpa_tiles.h"

#define AVX512 __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline))
#define ROWS 6

/* 2^x for x <= 0 (0 far below -126, NaN for NaN); vscalefps builds 2^n
 * and flushes to zero where the exponent underflows. */
INLINE AVX512 __m512 exp2_nonpositive(__m512 x) {
  /* max returns its second operand when one is NaN, so NaN goes through. */
  x = _mm512_max_ps(_mm512_set1_ps(-160.0f), x);
  __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 f = _mm512_sub_ps(x, n);
  __m512 p = _mm512_set1_ps(AK_EXP2_C5);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(AK_EXP2_C4));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(AK_EXP2_C3));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(AK_EXP2_C2));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(AK_EXP2_C1));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(AK_EXP2_C0));
  return _mm512_scalef_ps(p, n);
}

/* c[r][0..64) = (accumulate ? c[r] * alpha : 0) + sum_t a[r*a_row + t*a_col] * b[t][0..64). */
INLINE AVX512 void strip(
    int rows, long steps, const float *a, long a_row, long a_col, const float *b, float *c,
    const float *alpha, int accumulate) {
  __m512 acc[ROWS][4];
  for (int r = 0; r < rows; r++) {
    for (int k = 0; k < 4; k++) {
      if (!accumulate) {
        acc[r][k] = _mm512_setzero_ps();
      } else if (alpha != NULL) {
        acc[r][k] = _mm512_mul_ps(_mm512_load_ps(c + r * AK_LANES + 16 * k), _mm512_load_ps(alpha + 16 * k));
      } else {
        acc[r][k] = _mm512_load_ps(c + r * AK_LANES + 16 * k);
      }
    }
  }
  for (long t = 0; t < steps; t++) {
    const float *b_row = b + t * AK_LANES;
    __m512 b0 = _mm512_load_ps(b_row), b1 = _mm512_load_ps(b_row + 16);
    __m512 b2 = _mm512_load_ps(b_row + 32), b3 = _mm512_load_ps(b_row + 48);
    for (int r = 0; r < rows; r++) {
      __m512 a_value = _mm512_set1_ps(a[r * a_row + t * a_col]);
      acc[r][0] = _mm512_fmadd_ps(a_value, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(a_value, b1, acc[r][1]);
      acc[r][2] = _mm512_fmadd_ps(a_value, b2, acc[r][2]);
      acc[r][3] = _mm512_fmadd_ps(a_value, b3, acc[r][3]);
    }
  }
  for (int r = 0; r < rows; r++) {
    for (int k = 0; k < 4; k++) _mm512_store_ps(c + r * AK_LANES + 16 * k, acc[r][k]);
  }
}

/* Rows of the next strip when `remaining` rows are left: full strips, but
 * 7 or 8 rows split 4 + 3 or 4 + 4, as a strip of 1 or 2 rows would run
 * at a third of the speed. */
INLINE long strip_rows(long remaining) {
  if (remaining == ROWS + 1 || remaining == ROWS + 2) return 4;
  return remaining < ROWS ? remaining : ROWS;
}

INLINE AVX512 void product(
    long row_count, long steps, const float *a, long a_row, long a_col, const float *b, float *c,
    const float *alpha, int accumulate) {
  for (long first = 0, rows; first < row_count; first += rows) {
    rows = strip_rows(row_count - first);
    const float *a_rows = a + first * a_row;
    float *c_rows = c + first * AK_LANES;
    /* A constant row count lets the compiler unroll the strip into registers. */
    switch (rows) {
      case 6: strip(6, steps, a_rows, a_row, a_col, b, c_rows, alpha, accumulate); break;
      case 5: strip(5, steps, a_rows, a_row, a_col, b, c_rows, alpha, accumulate); break;
      case 4: strip(4, steps, a_rows, a_row, a_col, b, c_rows, alpha, accumulate); break;
      case 3: strip(3, steps, a_rows, a_row, a_col, b, c_rows, alpha, accumulate); break;
      case 2: strip(2, steps, a_rows, a_row, a_col, b, c_rows, alpha, accumulate); break;
      default: strip(1, steps, a_rows, a_row, a_col, b, c_rows, alpha, accumulate); break;
    }
  }
}

static AVX512 void scores(const float *keys, long key_count, long depth, const float *queries_t, float *s) {
  product(key_count, depth, keys, depth, 1, queries_t, s, NULL, 0);
}

static AVX512 void accumulate_values(
    const float *values, long key_count, long value_depth, const float *p, const float *alpha, int first,
    float *output_t) {
  if (first) {
    product(value_depth, key_count, values, 1, value_depth, p, output_t, NULL, 0);
  } else if (alpha != NULL) {
    product(value_depth, key_count, values, 1, value_depth, p, output_t, alpha, 1);
  } else {
    product(value_depth, key_count, values, 1, value_depth, p, output_t, NULL, 1);
  }
}

static AVX512 void online_softmax(
    float *s, long key_count, float *running_max, float *running_sum, float *alpha) {
  __m512 tile_max[4], used[4], sum[4];
  for (int k = 0; k < 4; k++) tile_max[k] = _mm512_set1_ps(-INFINITY);
  for (long j = 0; j < key_count; j++) {
    for (int k = 0; k < 4; k++) {
      tile_max[k] = _mm512_max_ps(_mm512_load_ps(s + j * AK_LANES + 16 * k), tile_max[k]);
    }
  }
  for (int k = 0; k < 4; k++) {
    __m512 old_max = _mm512_load_ps(running_max + 16 * k);
    __m512 updated = _mm512_max_ps(tile_max[k], old_max);
    __mmask16 empty = _mm512_cmp_ps_mask(updated, _mm512_set1_ps(-INFINITY), _CMP_EQ_OQ);
    used[k] = _mm512_mask_mov_ps(updated, empty, _mm512_setzero_ps());
    _mm512_store_ps(alpha + 16 * k, exp2_nonpositive(_mm512_sub_ps(old_max, used[k])));
    _mm512_store_ps(running_max + 16 * k, updated);
    sum[k] = _mm512_setzero_ps();
  }
  for (long j = 0; j < key_count; j++) {
    for (int k = 0; k < 4; k++) {
      float *at = s + j * AK_LANES + 16 * k;
      __m512 p = exp2_nonpositive(_mm512_sub_ps(_mm512_load_ps(at), used[k]));
      _mm512_store_ps(at, p);
      sum[k] = _mm512_add_ps(sum[k], p);
    }
  }
  for (int k = 0; k < 4; k++) {
    __m512 previous = _mm512_mul_ps(_mm512_load_ps(running_sum + 16 * k), _mm512_load_ps(alpha + 16 * k));
    _mm512_store_ps(running_sum + 16 * k, _mm512_add_ps(previous, sum[k]));
  }
}

static AVX512 void probabilities(
    float *s, long key_count, const float *running_max, const float *inverse_sum) {
  __m512 used[4], inverse[4];
  for (int k = 0; k < 4; k++) {
    __m512 m = _mm512_load_ps(running_max + 16 * k);
    __mmask16 empty = _mm512_cmp_ps_mask(m, _mm512_set1_ps(-INFINITY), _CMP_EQ_OQ);
    used[k] = _mm512_mask_mov_ps(m, empty, _mm512_setzero_ps());
    inverse[k] = _mm512_load_ps(inverse_sum + 16 * k);
  }
  for (long j = 0; j < key_count; j++) {
    for (int k = 0; k < 4; k++) {
      float *at = s + j * AK_LANES + 16 * k;
      __m512 p = exp2_nonpositive(_mm512_sub_ps(_mm512_load_ps(at), used[k]));
      _mm512_store_ps(at, _mm512_mul_ps(p, inverse[k]));
    }
  }
}

const ak_sdpa_tiles ak_sdpa_tiles_avx512 = {
    .pack_queries = ak_sdpa_pack_queries_avx2,
    .store_transposed = ak_sdpa_store_transposed_avx2,
    .add_bias = ak_sdpa_add_bias_avx2,
    .mask_disallowed = ak_sdpa_mask_disallowed_avx2,
    .scores = scores,
    .online_softmax = online_softmax,
    .probabilities = probabilities,
    .accumulate_values = accumulate_values,
};

#endif
