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

/* Rows of the next strip when `remaining` rows are left: full strips, but
 * 7 or 8 rows split 4 + 3 or 4 + 4, as a strip of 1 or 2 rows would run
 * at a third of the speed. */
INLINE long strip_rows(long remaining) {
  if (remaining == ROWS + 1 || remaining == ROWS + 2) return 4;
  return remaining < ROWS ? remaining : ROWS;
}

INLINE AVX2 void product(
    long row_count, long steps, const float *a, long a_row, long a_col, const float *b, float *c,
    const float *alpha, int accumulate) {
  for (long first = 0, rows; first < row_count; first += rows) {
    rows = strip_rows(row_count - first);
    const float *a_rows = a + first * a_row;
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

/* An 8 x 8 block transposed in registers: row k of the result is column k. */
INLINE AVX2 void transpose8(__m256 rows[8]) {
  __m256 t[8], s[8];
  for (int k = 0; k < 8; k += 2) {
    t[k] = _mm256_unpacklo_ps(rows[k], rows[k + 1]);
    t[k + 1] = _mm256_unpackhi_ps(rows[k], rows[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) {
    s[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
    s[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
    s[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
    s[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int k = 0; k < 4; k++) {
    rows[k] = _mm256_permute2f128_ps(s[k], s[k + 4], 0x20);
    rows[k + 4] = _mm256_permute2f128_ps(s[k], s[k + 4], 0x31);
  }
}

AVX2 void ak_sdpa_pack_queries_avx2(
    const float *queries, long lanes, long depth, float factor, float *queries_t) {
  const __m256 scale = _mm256_set1_ps(factor);
  const long full_lanes = lanes / 8 * 8, full_depth = depth / 8 * 8;
  for (long lane = 0; lane < full_lanes; lane += 8) {
    for (long d = 0; d < full_depth; d += 8) {
      __m256 block[8];
      for (int k = 0; k < 8; k++) block[k] = _mm256_loadu_ps(queries + (lane + k) * depth + d);
      transpose8(block);
      for (int k = 0; k < 8; k++) {
        _mm256_store_ps(queries_t + (d + k) * AK_LANES + lane, _mm256_mul_ps(block[k], scale));
      }
    }
    for (long d = full_depth; d < depth; d++) {
      for (long k = 0; k < 8; k++) {
        queries_t[d * AK_LANES + lane + k] = queries[(lane + k) * depth + d] * factor;
      }
    }
  }
  for (long d = 0; d < depth; d++) {
    float *row = queries_t + d * AK_LANES;
    for (long lane = full_lanes; lane < lanes; lane++) row[lane] = queries[lane * depth + d] * factor;
    for (long lane = lanes; lane < AK_LANES; lane++) row[lane] = 0;
  }
}

AVX2 void ak_sdpa_add_bias_avx2(
    float *s, long key_count, long lanes, const float *bias, long row_stride, float scale) {
  const __m256 factor = _mm256_set1_ps(scale);
  const long full_lanes = lanes / 8 * 8, full_keys = key_count / 8 * 8;
  for (long lane = 0; lane < full_lanes; lane += 8) {
    for (long j = 0; j < full_keys; j += 8) {
      __m256 block[8];
      for (int k = 0; k < 8; k++) block[k] = _mm256_loadu_ps(bias + (lane + k) * row_stride + j);
      transpose8(block);
      for (int k = 0; k < 8; k++) {
        float *at = s + (j + k) * AK_LANES + lane;
        _mm256_store_ps(at, _mm256_fmadd_ps(block[k], factor, _mm256_load_ps(at)));
      }
    }
  }
  for (long lane = 0; lane < lanes; lane++) {
    for (long j = lane < full_lanes ? full_keys : 0; j < key_count; j++) {
      s[j * AK_LANES + lane] += bias[lane * row_stride + j] * scale;
    }
  }
}

AVX2 void ak_sdpa_mask_disallowed_avx2(
    float *s, long key_count, long lanes, const uint8_t *allowed, long row_stride) {
  const __m256 hidden = _mm256_set1_ps(-INFINITY);
  const long full_lanes = lanes / 8 * 8, full_keys = key_count / 8 * 8;
  for (long lane = 0; lane < full_lanes; lane += 8) {
    for (long j = 0; j < full_keys; j += 8) {
      /* The 8 x 8 flags as floats (0 or 1), so the float transpose applies. */
      __m256 block[8];
      for (int k = 0; k < 8; k++) {
        __m128i flags = _mm_loadl_epi64((const __m128i *)(allowed + (lane + k) * row_stride + j));
        block[k] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(flags));
      }
      transpose8(block);
      for (int k = 0; k < 8; k++) {
        float *at = s + (j + k) * AK_LANES + lane;
        __m256 masked = _mm256_cmp_ps(block[k], _mm256_setzero_ps(), _CMP_EQ_OQ);
        _mm256_store_ps(at, _mm256_blendv_ps(_mm256_load_ps(at), hidden, masked));
      }
    }
  }
  for (long lane = 0; lane < lanes; lane++) {
    for (long j = lane < full_lanes ? full_keys : 0; j < key_count; j++) {
      if (allowed[lane * row_stride + j] == 0) s[j * AK_LANES + lane] = -INFINITY;
    }
  }
}

AVX2 void ak_sdpa_store_transposed_avx2(
    const float *tile_t, long lanes, long columns, const float *factor, float *output, long row_stride) {
  const long full_lanes = lanes / 8 * 8, full_columns = columns / 8 * 8;
  for (long lane = 0; lane < full_lanes; lane += 8) {
    for (long c = 0; c < full_columns; c += 8) {
      __m256 block[8];
      for (int k = 0; k < 8; k++) block[k] = _mm256_load_ps(tile_t + (c + k) * AK_LANES + lane);
      transpose8(block);
      for (int k = 0; k < 8; k++) {
        float f = factor != NULL ? factor[lane + k] : 1.0f;
        __m256 row = f == 0 ? _mm256_setzero_ps() : _mm256_mul_ps(block[k], _mm256_set1_ps(f));
        _mm256_storeu_ps(output + (lane + k) * row_stride + c, row);
      }
    }
  }
  for (long lane = 0; lane < lanes; lane++) {
    float f = factor != NULL ? factor[lane] : 1.0f;
    for (long c = lane < full_lanes ? full_columns : 0; c < columns; c++) {
      output[lane * row_stride + c] = f == 0 ? 0.0f : tile_t[c * AK_LANES + lane] * f;
    }
  }
}

static AVX2 void scores(const float *keys, long key_count, long depth, const float *queries_t, float *s) {
  product(key_count, depth, keys, depth, 1, queries_t, s, NULL, 0);
}

static AVX2 void accumulate_values(
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

static AVX2 void online_softmax(
    float *s, long key_count, float *running_max, float *running_sum, float *alpha) {
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
