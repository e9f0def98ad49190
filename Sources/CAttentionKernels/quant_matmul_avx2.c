/* The AVX2 kernels of quant_matmul.c (AVX2, FMA and F16C).
 *
 * An integer strip is up to 2 weight rows against up to 4 activation rows:
 * each weight block is loaded and unpacked once for the strip, and each
 * block pair gives 32 products by _mm256_maddubs_epi16 (unsigned × signed
 * bytes to pairwise int16 sums; Q8_0's signed weights go in as |w| with
 * the activation's sign flipped where w < 0) and _mm256_madd_epi16 with
 * ones (to 8 int32), converted to float and accumulated with
 * the block's scale product dw · dx by one FMA. No sum saturates: |w| <=
 * 128 and |x| <= 127 give at most 2 · 128 · 127 < 32767 per int16. */

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "quant_blocks.h"
#include "quant_tiles.h"

#define INLINE static inline __attribute__((always_inline))
#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define WEIGHT_ROWS 2
#define ACTIVATION_ROWS 4

INLINE AVX2 float horizontal_sum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

INLINE AVX2 float half_to_float(ak_f16 half) { return _cvtsh_ss(half); }

/* q4: 0 for Q8_0 weights, 1 for Q4_1. */
INLINE AVX2 void integer_strip(
    int q4, int weight_rows, int activation_rows, const quant_tile *tile, const uint8_t *weights, const int8_t *qs,
    const float *d, const float *s, float *output) {
  __m256 acc[WEIGHT_ROWS][ACTIVATION_ROWS];
  float mins[WEIGHT_ROWS][ACTIVATION_ROWS];
  for (int r = 0; r < weight_rows; r++) {
    for (int a = 0; a < activation_rows; a++) {
      acc[r][a] = _mm256_setzero_ps();
      mins[r][a] = 0.0f;
    }
  }
  const __m256i ones = _mm256_set1_epi16(1), low_nibbles = _mm256_set1_epi8(0x0F);
  const long blocks = tile->blocks, activation_row = blocks * AK_QK;
  for (long b = 0; b < blocks; b++) {
    __m256i w[WEIGHT_ROWS], magnitude[WEIGHT_ROWS];
    float wd[WEIGHT_ROWS], wm[WEIGHT_ROWS];
    for (int r = 0; r < weight_rows; r++) {
      const uint8_t *row = weights + r * tile->row_bytes;
      if (q4) {
        const ak_block_q4_1 *block = (const ak_block_q4_1 *)row + b;
        wd[r] = half_to_float(block->d);
        wm[r] = half_to_float(block->m);
        __m128i packed = _mm_loadu_si128((const __m128i *)block->qs);
        /* Elements 0..15 are the low nibbles, 16..31 the high ones. */
        w[r] = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), low_nibbles);
      } else {
        const ak_block_q8_0 *block = (const ak_block_q8_0 *)row + b;
        wd[r] = half_to_float(block->d);
        w[r] = _mm256_loadu_si256((const __m256i *)block->qs);
        magnitude[r] = _mm256_sign_epi8(w[r], w[r]);
      }
    }
    for (int a = 0; a < activation_rows; a++) {
      __m256i x = _mm256_loadu_si256((const __m256i *)(qs + a * activation_row + b * AK_QK));
      float xd = d[a * blocks + b];
      for (int r = 0; r < weight_rows; r++) {
        __m256i pairs =
            q4 ? _mm256_maddubs_epi16(w[r], x) : _mm256_maddubs_epi16(magnitude[r], _mm256_sign_epi8(x, w[r]));
        __m256 dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones));
        acc[r][a] = _mm256_fmadd_ps(_mm256_set1_ps(wd[r] * xd), dot, acc[r][a]);
        if (q4) mins[r][a] += wm[r] * s[a * blocks + b];
      }
    }
  }
  for (int a = 0; a < activation_rows; a++) {
    for (int r = 0; r < weight_rows; r++) {
      output[a * tile->output_stride + r] = horizontal_sum(acc[r][a]) + mins[r][a];
    }
  }
}

/* A constant strip shape lets the compiler keep the accumulators in registers. */
INLINE AVX2 void integer_tile(int q4, const quant_tile *tile) {
  for (long o = 0; o < tile->outputs; o += WEIGHT_ROWS) {
    int weight_rows = tile->outputs - o < WEIGHT_ROWS ? 1 : WEIGHT_ROWS;
    const uint8_t *weights = tile->weights + o * tile->row_bytes;
    for (long n = 0; n < tile->rows; n += ACTIVATION_ROWS) {
      long left = tile->rows - n;
      int activation_rows = left < ACTIVATION_ROWS ? (int)left : ACTIVATION_ROWS;
      const int8_t *qs = tile->qs + n * tile->blocks * AK_QK;
      const float *d = tile->d + n * tile->blocks, *s = tile->s + n * tile->blocks;
      float *output = tile->output + n * tile->output_stride + o;
#define STRIP(w, a) integer_strip(q4, w, a, tile, weights, qs, d, s, output)
      if (weight_rows == 2) {
        switch (activation_rows) {
          case 4: STRIP(2, 4); break;
          case 3: STRIP(2, 3); break;
          case 2: STRIP(2, 2); break;
          default: STRIP(2, 1); break;
        }
      } else {
        switch (activation_rows) {
          case 4: STRIP(1, 4); break;
          case 3: STRIP(1, 3); break;
          case 2: STRIP(1, 2); break;
          default: STRIP(1, 1); break;
        }
      }
#undef STRIP
    }
  }
}

AVX2 void ak_q8_0_tile_avx2(const quant_tile *tile) { integer_tile(0, tile); }

AVX2 void ak_q4_1_tile_avx2(const quant_tile *tile) { integer_tile(1, tile); }

AVX2 void ak_float_rows_avx2(const quant_tile *tile, const float *rows_f32, int count) {
  const long inputs = tile->inputs;
  for (long n = 0; n < tile->rows; n++) {
    const float *x = tile->input + n * inputs;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    long i = 0;
    for (; i + 8 <= inputs; i += 8) {
      __m256 xv = _mm256_loadu_ps(x + i);
      for (int r = 0; r < count; r++) acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(rows_f32 + r * inputs + i), xv, acc[r]);
    }
    for (int r = 0; r < count; r++) {
      float sum = horizontal_sum(acc[r]);
      for (long k = i; k < inputs; k++) sum += rows_f32 [r * inputs + k] * x[k];
      tile->output[n * tile->output_stride + r] = sum;
    }
  }
}

#endif
