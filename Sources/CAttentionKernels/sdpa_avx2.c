/* The tile steps of sdpa.c with AVX2 and FMA: 16 ymm registers hold a
 * 6-row x 16-lane block of a product (12 accumulators), so a 64-lane tile
 * is done in four lane groups. */

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <math.h>

#include "sdpa_tiles.h"

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#define ROWS 6
#define GROUP 16

/* 2^x for x <= 0 (0 below -126, NaN for NaN): 2^n is built in the
 * exponent bits, valid down to n = -126; anything lower is set to 0. */
INLINE AVX2 __m256 exp2_nonpositive(__m256 x) {
  /* max returns its second operand when one is NaN, so NaN goes through. */
  x = _mm256_max_ps(_mm256_set1_ps(-127.0f), x);
  __m256 n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 f = _mm256_sub_ps(x, n);
  __m256 p = _mm256_set1_ps(AK_EXP2_C5);
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(AK_EXP2_C4));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(AK_EXP2_C3));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(AK_EXP2_C2));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(AK_EXP2_C1));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(AK_EXP2_C0));
  __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  __m256 value = _mm256_mul_ps(p, _mm256_castsi256_ps(exponent));
  __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(-126.0f), _CMP_LT_OQ);
  return _mm256_andnot_ps(underflow, value);
}

/* c[r][0..16) = (accumulate ? c[r] * alpha : 0) + sum_t a[r*a_row + t*a_col] * b[t][0..16). */
INLINE AVX2 void strip(
    int rows, long steps, const float *a, long a_row, long a_col, const float *b, float *c,
    const float *alpha, int accumulate) {
  __m256 acc[ROWS][2];
  for (int r = 0; r < rows; r++) {
    for (int k = 0; k < 2; k++) {
      if (!accumulate) {
        acc[r][k] = _mm256_setzero_ps();
      } else if (alpha != NULL) {
        acc[r][k] = _mm256_mul_ps(_mm256_load_ps(c + r * AK_LANES + 8 * k), _mm256_load_ps(alpha + 8 * k));
      } else {
        acc[r][k] = _mm256_load_ps(c + r * AK_LANES + 8 * k);
      }
    }
  }
  for (long t = 0; t < steps; t++) {
    const float *b_row = b + t * AK_LANES;
    __m256 b0 = _mm256_load_ps(b_row), b1 = _mm256_load_ps(b_row + 8);
    for (int r = 0; r < rows; r++) {
      __m256 a_value = _mm256_broadcast_ss(a + r * a_row + t * a_col);
      acc[r][0] = _mm256_fmadd_ps(a_value, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a_value, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < rows; r++) {
    for (int k = 0; k < 2; k++) _mm256_store_ps(c + r * AK_LANES + 8 * k, acc[r][k]);
  }
}

INLINE AVX2 void product(
    long row_count, long steps, const float *a, long a_row, long a_col, const float *b, float *c,
    const float *alpha, int accumulate) {
  for (long first = 0; first < row_count; first += ROWS) {
    const float *a_rows = a + first * a_row;
    long rows = row_count - first < ROWS ? row_count - first : ROWS;
    for (int group = 0; group < AK_LANES; group += GROUP) {
      float *c_rows = c + first * AK_LANES + group;
      const float *b_group = b + group;
      const float *alpha_group = alpha != NULL ? alpha + group : NULL;
      /* A constant row count lets the compiler unroll the strip into registers. */
      switch (rows) {
        case 6: strip(6, steps, a_rows, a_row, a_col, b_group, c_rows, alpha_group, accumulate); break;
        case 5: strip(5, steps, a_rows, a_row, a_col, b_group, c_rows, alpha_group, accumulate); break;
        case 4: strip(4, steps, a_rows, a_row, a_col, b_group, c_rows, alpha_group, accumulate); break;
        case 3: strip(3, steps, a_rows, a_row, a_col, b_group, c_rows, alpha_group, accumulate); break;
        case 2: strip(2, steps, a_rows, a_row, a_col, b_group, c_rows, alpha_group, accumulate); break;
        default: strip(1, steps, a_rows, a_row, a_col, b_group, c_rows, alpha_group, accumulate); break;
      }
    }
  }
}

static AVX2 void scores(const float *keys, long key_count, long depth, const float *queries_t, float *s) {
  product(key_count, depth, keys, depth, 1, queries_t, s, NULL, 0);
}

static AVX2 void accumulate_values(
    const float *values, long key_count, long value_depth, const float *p, const float *alpha,
    float *output_t) {
  if (alpha != NULL) {
    product(value_depth, key_count, values, 1, value_depth, p, output_t, alpha, 1);
  } else {
    product(value_depth, key_count, values, 1, value_depth, p, output_t, NULL, 1);
  }
}

static AVX2 void online_softmax(float *s, long key_count, float *running_max, float *running_sum, float *alpha) {
  for (int group = 0; group < AK_LANES; group += GROUP) {
    __m256 tile_max[2], used[2], sum[2];
    for (int k = 0; k < 2; k++) tile_max[k] = _mm256_set1_ps(-INFINITY);
    for (long j = 0; j < key_count; j++) {
      for (int k = 0; k < 2; k++) {
        tile_max[k] = _mm256_max_ps(_mm256_load_ps(s + j * AK_LANES + group + 8 * k), tile_max[k]);
      }
    }
    for (int k = 0; k < 2; k++) {
      __m256 old_max = _mm256_load_ps(running_max + group + 8 * k);
      __m256 updated = _mm256_max_ps(tile_max[k], old_max);
      __m256 empty = _mm256_cmp_ps(updated, _mm256_set1_ps(-INFINITY), _CMP_EQ_OQ);
      used[k] = _mm256_andnot_ps(empty, updated);
      _mm256_store_ps(alpha + group + 8 * k, exp2_nonpositive(_mm256_sub_ps(old_max, used[k])));
      _mm256_store_ps(running_max + group + 8 * k, updated);
      sum[k] = _mm256_setzero_ps();
    }
    for (long j = 0; j < key_count; j++) {
      for (int k = 0; k < 2; k++) {
        float *at = s + j * AK_LANES + group + 8 * k;
        __m256 p = exp2_nonpositive(_mm256_sub_ps(_mm256_load_ps(at), used[k]));
        _mm256_store_ps(at, p);
        sum[k] = _mm256_add_ps(sum[k], p);
      }
    }
    for (int k = 0; k < 2; k++) {
      __m256 previous =
          _mm256_mul_ps(_mm256_load_ps(running_sum + group + 8 * k), _mm256_load_ps(alpha + group + 8 * k));
      _mm256_store_ps(running_sum + group + 8 * k, _mm256_add_ps(previous, sum[k]));
    }
  }
}

static AVX2 void probabilities(float *s, long key_count, const float *running_max, const float *inverse_sum) {
  __m256 used[8], inverse[8];
  for (int k = 0; k < 8; k++) {
    __m256 m = _mm256_load_ps(running_max + 8 * k);
    __m256 empty = _mm256_cmp_ps(m, _mm256_set1_ps(-INFINITY), _CMP_EQ_OQ);
    used[k] = _mm256_andnot_ps(empty, m);
    inverse[k] = _mm256_load_ps(inverse_sum + 8 * k);
  }
  for (long j = 0; j < key_count; j++) {
    for (int k = 0; k < 8; k++) {
      float *at = s + j * AK_LANES + 8 * k;
      __m256 p = exp2_nonpositive(_mm256_sub_ps(_mm256_load_ps(at), used[k]));
      _mm256_store_ps(at, _mm256_mul_ps(p, inverse[k]));
    }
  }
}

const ak_sdpa_tiles ak_sdpa_tiles_avx2 = {
    .scores = scores,
    .online_softmax = online_softmax,
    .probabilities = probabilities,
    .accumulate_values = accumulate_values,
};

#endif
