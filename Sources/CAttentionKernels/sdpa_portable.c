/* The tile steps of sdpa.c in plain C, for any CPU. The loops run over a
 * chunk of 16 lanes with small fixed-size arrays, which compilers keep in
 * vector registers at the baseline target (SSE2, NEON). */

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sdpa_tiles.h"

#define CHUNK 16
#define ROWS 4

/* 2^x for x <= 0 (0 below -126, NaN for NaN): x = n + f with n whole and
 * |f| <= 1/2, 2^f from the polynomial, 2^n built in the exponent bits. */
static inline float exp2_nonpositive(float x) {
  const float shift = 12582912.0f; /* 1.5 * 2^23: adding it rounds to a whole number */
  float clamped = x < -127.0f ? -127.0f : x;
  float shifted = clamped + shift;
  float n = shifted - shift;
  float f = clamped - n;
  float p = AK_EXP2_C5;
  p = p * f + AK_EXP2_C4;
  p = p * f + AK_EXP2_C3;
  p = p * f + AK_EXP2_C2;
  p = p * f + AK_EXP2_C1;
  p = p * f + AK_EXP2_C0;
  uint32_t shifted_bits, shift_bits;
  memcpy(&shifted_bits, &shifted, sizeof shifted_bits);
  memcpy(&shift_bits, &shift, sizeof shift_bits);
  /* n sits in the low mantissa bits of `shifted`, in two's complement. */
  uint32_t exponent_bits = (shifted_bits - shift_bits + 127u) << 23;
  float power;
  memcpy(&power, &exponent_bits, sizeof power);
  float value = p * power;
  return clamped < -126.0f ? 0.0f : value;
}

/* c[r][lane] = (accumulate ? c[r][lane] * alpha[lane] : 0)
 *              + sum_t a[r * a_row + t * a_col] * b[t][lane]
 * for `rows` rows and the CHUNK lanes starting at `c`, `b`, `alpha`. */
static inline __attribute__((always_inline)) void strip(
    int rows, long steps, const float *a, long a_row, long a_col, const float *b, float *c,
    const float *alpha, int accumulate) {
  float acc[ROWS][CHUNK];
  for (int r = 0; r < rows; r++) {
    for (int v = 0; v < CHUNK; v++) {
      acc[r][v] = accumulate ? c[r * AK_LANES + v] * (alpha != NULL ? alpha[v] : 1.0f) : 0.0f;
    }
  }
  for (long t = 0; t < steps; t++) {
    const float *b_row = b + t * AK_LANES;
    for (int r = 0; r < rows; r++) {
      float a_value = a[r * a_row + t * a_col];
      for (int v = 0; v < CHUNK; v++) acc[r][v] += a_value * b_row[v];
    }
  }
  for (int r = 0; r < rows; r++) {
    for (int v = 0; v < CHUNK; v++) c[r * AK_LANES + v] = acc[r][v];
  }
}

/* `strip` over every row and lane of a tile; a rows, c rows `row_step` apart. */
static void product(
    long row_count, long steps, const float *a, long a_row, long a_col, const float *b, float *c,
    const float *alpha, int accumulate) {
  for (long first = 0; first < row_count; first += ROWS) {
    int rows = row_count - first < ROWS ? (int)(row_count - first) : ROWS;
    for (int chunk = 0; chunk < AK_LANES; chunk += CHUNK) {
      const float *a_rows = a + first * a_row;
      float *c_rows = c + first * AK_LANES + chunk;
      const float *alpha_chunk = alpha != NULL ? alpha + chunk : NULL;
      /* A constant row count lets the compiler unroll the strip into registers. */
      switch (rows) {
        case 4: strip(4, steps, a_rows, a_row, a_col, b + chunk, c_rows, alpha_chunk, accumulate); break;
        case 3: strip(3, steps, a_rows, a_row, a_col, b + chunk, c_rows, alpha_chunk, accumulate); break;
        case 2: strip(2, steps, a_rows, a_row, a_col, b + chunk, c_rows, alpha_chunk, accumulate); break;
        default: strip(1, steps, a_rows, a_row, a_col, b + chunk, c_rows, alpha_chunk, accumulate); break;
      }
    }
  }
}

static void scores(const float *keys, long key_count, long depth, const float *queries_t, float *s) {
  product(key_count, depth, keys, depth, 1, queries_t, s, NULL, 0);
}

static void accumulate_values(
    const float *values, long key_count, long value_depth, const float *p, const float *alpha, int first,
    float *output_t) {
  product(value_depth, key_count, values, 1, value_depth, p, output_t, first ? NULL : alpha, !first);
}

static void pack_queries(const float *queries, long lanes, long depth, float factor, float *queries_t) {
  for (long d = 0; d < depth; d++) {
    float *row = queries_t + d * AK_LANES;
    for (long lane = 0; lane < lanes; lane++) row[lane] = queries[lane * depth + d] * factor;
    for (long lane = lanes; lane < AK_LANES; lane++) row[lane] = 0;
  }
}

static void add_bias(float *s, long key_count, long lanes, const float *bias, long row_stride, float scale) {
  for (long lane = 0; lane < lanes; lane++) {
    for (long j = 0; j < key_count; j++) s[j * AK_LANES + lane] += bias[lane * row_stride + j] * scale;
  }
}

static void mask_disallowed(float *s, long key_count, long lanes, const uint8_t *allowed, long row_stride) {
  for (long lane = 0; lane < lanes; lane++) {
    for (long j = 0; j < key_count; j++) {
      if (allowed[lane * row_stride + j] == 0) s[j * AK_LANES + lane] = -INFINITY;
    }
  }
}

static void store_transposed(
    const float *tile_t, long lanes, long columns, const float *factor, float *output, long row_stride) {
  for (long lane = 0; lane < lanes; lane++) {
    float f = factor != NULL ? factor[lane] : 1.0f;
    for (long c = 0; c < columns; c++) {
      output[lane * row_stride + c] = f == 0 ? 0.0f : tile_t[c * AK_LANES + lane] * f;
    }
  }
}

static void online_softmax(float *s, long key_count, float *running_max, float *running_sum, float *alpha) {
  float tile_max[AK_LANES], used[AK_LANES], sum[AK_LANES];
  for (int lane = 0; lane < AK_LANES; lane++) tile_max[lane] = -INFINITY;
  for (long j = 0; j < key_count; j++) {
    const float *row = s + j * AK_LANES;
    for (int lane = 0; lane < AK_LANES; lane++) {
      tile_max[lane] = row[lane] > tile_max[lane] ? row[lane] : tile_max[lane];
    }
  }
  for (int lane = 0; lane < AK_LANES; lane++) {
    float updated = tile_max[lane] > running_max[lane] ? tile_max[lane] : running_max[lane];
    used[lane] = updated == -INFINITY ? 0.0f : updated;
    alpha[lane] = exp2_nonpositive(running_max[lane] - used[lane]);
    running_max[lane] = updated;
    sum[lane] = 0;
  }
  for (long j = 0; j < key_count; j++) {
    float *row = s + j * AK_LANES;
    for (int lane = 0; lane < AK_LANES; lane++) {
      float p = exp2_nonpositive(row[lane] - used[lane]);
      row[lane] = p;
      sum[lane] += p;
    }
  }
  for (int lane = 0; lane < AK_LANES; lane++) running_sum[lane] = running_sum[lane] * alpha[lane] + sum[lane];
}

static void probabilities(float *s, long key_count, const float *running_max, const float *inverse_sum) {
  float used[AK_LANES];
  for (int lane = 0; lane < AK_LANES; lane++) {
    used[lane] = running_max[lane] == -INFINITY ? 0.0f : running_max[lane];
  }
  for (long j = 0; j < key_count; j++) {
    float *row = s + j * AK_LANES;
    for (int lane = 0; lane < AK_LANES; lane++) {
      row[lane] = exp2_nonpositive(row[lane] - used[lane]) * inverse_sum[lane];
    }
  }
}

const ak_sdpa_tiles ak_sdpa_tiles_portable = {
    .pack_queries = pack_queries,
    .store_transposed = store_transposed,
    .add_bias = add_bias,
    .mask_disallowed = mask_disallowed,
    .scores = scores,
    .online_softmax = online_softmax,
    .probabilities = probabilities,
    .accumulate_values = accumulate_values,
};
