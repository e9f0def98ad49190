/* The AVX2 kernels of quant_matmul.c (AVX2, FMA and F16C).
 *
 * An integer strip is up to 2 weight rows against up to 4 activation rows:
 * each weight block is loaded and unpacked once for the strip, and each
 * block pair gives 32 products by _mm256_maddubs_epi16 (unsigned × signed
 * bytes to pairwise int16 sums; Q8_0's signed weights go in as |w| with
 * the activation's sign flipped where w < 0) and _mm256_madd_epi16 with
 * ones (to 8 int32), converted to float and accumulated with
 * the block's scale product dw · dx by one FMA. No sum saturates: |w| <=
 * 128 and |x| <= 127 give at most 2 · 128 · 127 < 32767 per int16.
 * The k-quants (Q4_K, Q6_K) read the same 32-element activation blocks,
 * 8 to a weight super-block of 256, with the sub-block scales folded into
 * the float scale (Q4_K) or the int16 pair sums (Q6_K).
 *
 * There are no AVX-VNNI or AVX-512 VNNI kernels (vpdpbusd would fuse the
 * maddubs and madd): AVX-512 machines run these. */

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <string.h>

#include "quant_blocks.h"
#include "quant_tiles.h"

#define INLINE static inline __attribute__((always_inline))
#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define WEIGHT_ROWS 2
#define ACTIVATION_ROWS 4
/* A single activation row (a written token) takes 4 weight rows at a time
 * in the Q8_0 and Q4_1 strips: 4 independent accumulator chains. */
#define SINGLE_ROW_WEIGHT_ROWS 4

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
  __m256 acc[SINGLE_ROW_WEIGHT_ROWS][ACTIVATION_ROWS];
  float mins[SINGLE_ROW_WEIGHT_ROWS][ACTIVATION_ROWS];
  for (int r = 0; r < weight_rows; r++) {
    for (int a = 0; a < activation_rows; a++) {
      acc[r][a] = _mm256_setzero_ps();
      mins[r][a] = 0.0f;
    }
  }
  const __m256i ones = _mm256_set1_epi16(1), low_nibbles = _mm256_set1_epi8(0x0F);
  const long blocks = tile->blocks, activation_row = blocks * AK_QK;
  for (long b = 0; b < blocks; b++) {
    __m256i w[SINGLE_ROW_WEIGHT_ROWS], magnitude[SINGLE_ROW_WEIGHT_ROWS];
    float wd[SINGLE_ROW_WEIGHT_ROWS], wm[SINGLE_ROW_WEIGHT_ROWS];
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

/* Activation blocks of 32 per super-block of the k-quants. */
#define K_BLOCKS (AK_QK_K / AK_QK)

/* The 8 six-bit scales and 8 minima of a Q4_K super-block, unpacked with
 * ggml's word masks (the same values as ak_k4_scale_min, all at once). */
INLINE void q4_K_scales_mins(const uint8_t packed[AK_K_SCALE_SIZE], uint8_t scales[8], uint8_t mins[8]) {
  const uint32_t six_bits = 0x3F3F3F3F, low_nibbles = 0x0F0F0F0F, two_bits = 0x03030303;
  uint32_t words[3], unpacked[4];
  memcpy(words, packed, sizeof words);
  unpacked[0] = words[0] & six_bits;
  unpacked[1] = (words[2] & low_nibbles) | (((words[0] >> 6) & two_bits) << 4);
  unpacked[2] = words[1] & six_bits;
  unpacked[3] = ((words[2] >> 4) & low_nibbles) | (((words[1] >> 6) & two_bits) << 4);
  memcpy(scales, unpacked, 8);
  memcpy(mins, unpacked + 2, 8);
}

/* Q4_K: per super-block, each weight row's minima enter once as
 * dmin · (m_0..m_7) against the 8 activation sums s, one FMA per row pair;
 * each 32 bytes of nibbles give the weights of blocks 2p (low) and 2p + 1
 * (high), scaled in float by d · sc_j · dx (a table per super-block, so
 * that each block's scale is one broadcast from memory). */
INLINE AVX2 void q4_K_strip(
    int weight_rows, int activation_rows, const quant_tile *tile, const uint8_t *weights, const int8_t *qs,
    const float *d, const float *s, float *output) {
  __m256 acc[WEIGHT_ROWS][ACTIVATION_ROWS];
  for (int r = 0; r < weight_rows; r++) {
    for (int a = 0; a < activation_rows; a++) acc[r][a] = _mm256_setzero_ps();
  }
  const __m256i ones = _mm256_set1_epi16(1), low_nibbles = _mm256_set1_epi8(0x0F);
  const long blocks = tile->blocks, activation_row = blocks * AK_QK;
  for (long k = 0; k < blocks / K_BLOCKS; k++) {
    const ak_block_q4_K *block[WEIGHT_ROWS];
    /* d · sc_j · dx_j of each weight row, activation row and block j. */
    float scale[WEIGHT_ROWS][ACTIVATION_ROWS][K_BLOCKS];
    for (int r = 0; r < weight_rows; r++) {
      block[r] = (const ak_block_q4_K *)(weights + r * tile->row_bytes) + k;
      uint8_t scales[8], mins[8];
      q4_K_scales_mins(block[r]->scales, scales, mins);
      __m256 weight_scale = _mm256_mul_ps(
          _mm256_set1_ps(half_to_float(block[r]->d)),
          _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)scales))));
      __m256 minimum = _mm256_mul_ps(
          _mm256_set1_ps(half_to_float(block[r]->dmin)),
          _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)mins))));
      for (int a = 0; a < activation_rows; a++) {
        const long first = a * blocks + k * K_BLOCKS;
        _mm256_storeu_ps(scale[r][a], _mm256_mul_ps(weight_scale, _mm256_loadu_ps(d + first)));
        acc[r][a] = _mm256_fnmadd_ps(minimum, _mm256_loadu_ps(s + first), acc[r][a]);
      }
    }
    for (int p = 0; p < K_BLOCKS / 2; p++) {
      __m256i low[WEIGHT_ROWS], high[WEIGHT_ROWS];
      for (int r = 0; r < weight_rows; r++) {
        __m256i packed = _mm256_loadu_si256((const __m256i *)(block[r]->qs + AK_QK * p));
        low[r] = _mm256_and_si256(packed, low_nibbles);
        high[r] = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_nibbles);
      }
      const long b = k * K_BLOCKS + 2 * p;
      for (int a = 0; a < activation_rows; a++) {
        const int8_t *x = qs + a * activation_row + b * AK_QK;
        __m256i x_low = _mm256_loadu_si256((const __m256i *)x);
        __m256i x_high = _mm256_loadu_si256((const __m256i *)(x + AK_QK));
        for (int r = 0; r < weight_rows; r++) {
          __m256 dot_low = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(low[r], x_low), ones));
          __m256 dot_high = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(high[r], x_high), ones));
          acc[r][a] = _mm256_fmadd_ps(_mm256_broadcast_ss(&scale[r][a][2 * p]), dot_low, acc[r][a]);
          acc[r][a] = _mm256_fmadd_ps(_mm256_broadcast_ss(&scale[r][a][2 * p + 1]), dot_high, acc[r][a]);
        }
      }
    }
  }
  for (int a = 0; a < activation_rows; a++) {
    for (int r = 0; r < weight_rows; r++) output[a * tile->output_stride + r] = horizontal_sum(acc[r][a]);
  }
}

/* Q6_K: the 6-bit weights q + 32 (0..63) go into maddubs unsigned, and
 * 32 · qx (maddubs of 32 with the activations, once per activation block)
 * is taken off; the int16 pairs then meet the scales of the block's two
 * halves (sc_2j in the low 128-bit lane, sc_2j+1 in the high one, as ggml
 * shuffles them) in madd. |pairs| <= 2 · 63 · 127, |madd| <= 2 · 8128 · 128. */
INLINE AVX2 void q6_K_strip(
    int weight_rows, int activation_rows, const quant_tile *tile, const uint8_t *weights, const int8_t *qs,
    const float *d, float *output) {
  __m256 acc[WEIGHT_ROWS][ACTIVATION_ROWS];
  for (int r = 0; r < weight_rows; r++) {
    for (int a = 0; a < activation_rows; a++) acc[r][a] = _mm256_setzero_ps();
  }
  const __m256i low_nibbles = _mm256_set1_epi8(0x0F), two_bits = _mm256_set1_epi8(3);
  const __m256i thirty_two = _mm256_set1_epi8(32);
  /* Bytes 0..7 pick scale 2j, bytes 8..15 scale 2j + 1, once j is added twice. */
  const __m128i halves = _mm_set_epi64x(0x0101010101010101, 0);
  const long blocks = tile->blocks, activation_row = blocks * AK_QK;
  for (long k = 0; k < blocks / K_BLOCKS; k++) {
    const ak_block_q6_K *block[WEIGHT_ROWS];
    __m128i scales[WEIGHT_ROWS];
    /* d · dx_j of each weight row, activation row and block j. */
    float scale[WEIGHT_ROWS][ACTIVATION_ROWS][K_BLOCKS];
    for (int r = 0; r < weight_rows; r++) {
      block[r] = (const ak_block_q6_K *)(weights + r * tile->row_bytes) + k;
      scales[r] = _mm_loadu_si128((const __m128i *)block[r]->scales);
      __m256 wd = _mm256_set1_ps(half_to_float(block[r]->d));
      for (int a = 0; a < activation_rows; a++) {
        _mm256_storeu_ps(scale[r][a], _mm256_mul_ps(wd, _mm256_loadu_ps(d + a * blocks + k * K_BLOCKS)));
      }
    }
    for (int j = 0; j < K_BLOCKS; j++) {
      const int half = j / 4, group = j % 4;
      __m256i w[WEIGHT_ROWS], sub_scale[WEIGHT_ROWS];
      const __m128i pick = _mm_add_epi8(halves, _mm_set1_epi8((char)(2 * j)));
      for (int r = 0; r < weight_rows; r++) {
        __m256i ql = _mm256_loadu_si256((const __m256i *)(block[r]->ql + 64 * half + AK_QK * (group % 2)));
        __m256i qh = _mm256_loadu_si256((const __m256i *)(block[r]->qh + AK_QK * half));
        __m256i low = _mm256_and_si256(_mm256_srli_epi16(ql, 4 * (group / 2)), low_nibbles);
        __m256i high = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * group), two_bits);
        w[r] = _mm256_or_si256(low, _mm256_slli_epi16(high, 4));
        sub_scale[r] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales[r], pick));
      }
      const long b = k * K_BLOCKS + j;
      for (int a = 0; a < activation_rows; a++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(qs + a * activation_row + b * AK_QK));
        __m256i offset = _mm256_maddubs_epi16(thirty_two, x);
        for (int r = 0; r < weight_rows; r++) {
          __m256i pairs = _mm256_sub_epi16(_mm256_maddubs_epi16(w[r], x), offset);
          __m256 dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, sub_scale[r]));
          acc[r][a] = _mm256_fmadd_ps(_mm256_broadcast_ss(&scale[r][a][j]), dot, acc[r][a]);
        }
      }
    }
  }
  for (int a = 0; a < activation_rows; a++) {
    for (int r = 0; r < weight_rows; r++) output[a * tile->output_stride + r] = horizontal_sum(acc[r][a]);
  }
}

enum { KIND_Q8_0, KIND_Q4_1, KIND_Q4_K, KIND_Q6_K };

INLINE AVX2 void strip(
    int kind, int weight_rows, int activation_rows, const quant_tile *tile, const uint8_t *weights,
    const int8_t *qs, const float *d, const float *s, float *output) {
  switch (kind) {
    case KIND_Q4_K: q4_K_strip(weight_rows, activation_rows, tile, weights, qs, d, s, output); break;
    case KIND_Q6_K: q6_K_strip(weight_rows, activation_rows, tile, weights, qs, d, output); break;
    default: integer_strip(kind == KIND_Q4_1, weight_rows, activation_rows, tile, weights, qs, d, s, output);
  }
}

/* A constant strip shape lets the compiler keep the accumulators in registers. */
INLINE AVX2 void integer_tile(int kind, const quant_tile *tile) {
  long o = 0;
  if (tile->rows == 1 && (kind == KIND_Q8_0 || kind == KIND_Q4_1)) {
    for (; o + SINGLE_ROW_WEIGHT_ROWS <= tile->outputs; o += SINGLE_ROW_WEIGHT_ROWS) {
      integer_strip(
          kind == KIND_Q4_1, SINGLE_ROW_WEIGHT_ROWS, 1, tile, tile->weights + o * tile->row_bytes, tile->qs, tile->d,
          tile->s, tile->output + o);
    }
  }
  for (; o < tile->outputs; o += WEIGHT_ROWS) {
    int weight_rows = tile->outputs - o < WEIGHT_ROWS ? 1 : WEIGHT_ROWS;
    const uint8_t *weights = tile->weights + o * tile->row_bytes;
    for (long n = 0; n < tile->rows; n += ACTIVATION_ROWS) {
      long left = tile->rows - n;
      int activation_rows = left < ACTIVATION_ROWS ? (int)left : ACTIVATION_ROWS;
      const int8_t *qs = tile->qs + n * tile->blocks * AK_QK;
      const float *d = tile->d + n * tile->blocks, *s = tile->s + n * tile->blocks;
      float *output = tile->output + n * tile->output_stride + o;
#define STRIP(w, a) strip(kind, w, a, tile, weights, qs, d, s, output)
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

AVX2 void ak_q8_0_tile_avx2(const quant_tile *tile) { integer_tile(KIND_Q8_0, tile); }

AVX2 void ak_q4_1_tile_avx2(const quant_tile *tile) { integer_tile(KIND_Q4_1, tile); }

AVX2 void ak_q4_K_tile_avx2(const quant_tile *tile) { integer_tile(KIND_Q4_K, tile); }

AVX2 void ak_q6_K_tile_avx2(const quant_tile *tile) { integer_tile(KIND_Q6_K, tile); }

/* The interleaved layouts, on 16-bit activations: each of a group's 8 rows
 * reads its block's 32 weights as 16 lanes of 16 bits, two weights a lane,
 * and splits them with shifts (and masks) into the lanes' even and odd
 * elements, which meet the activations' even and odd halves (AK_Q16_SLOT)
 * in _mm256_madd_epi16, giving 8 int32 partial sums; sum_rows reduces the
 * 8 vectors into one whose lane r is row r's whole sum: unpacking pairs of
 * rows and adding, then pairs of pairs, then the two 128-bit halves. The
 * block's float step is then one vector for the 8 rows: the sums
 * converted, times the 8 rows' d (one f16 load) times the activation's d,
 * and for Q4_1 the 8 rows' m times the activation's d · sum q. */
INLINE AVX2 __m256i sum_rows(const __m256i v[8]) {
  __m256i pairs[4];
  for (int k = 0; k < 4; k++) {
    pairs[k] = _mm256_add_epi32(
        _mm256_unpacklo_epi32(v[2 * k], v[2 * k + 1]), _mm256_unpackhi_epi32(v[2 * k], v[2 * k + 1]));
  }
  __m256i low = _mm256_add_epi32(_mm256_unpacklo_epi64(pairs[0], pairs[1]), _mm256_unpackhi_epi64(pairs[0], pairs[1]));
  __m256i high = _mm256_add_epi32(_mm256_unpacklo_epi64(pairs[2], pairs[3]), _mm256_unpackhi_epi64(pairs[2], pairs[3]));
  return _mm256_add_epi32(_mm256_permute2x128_si256(low, high, 0x20), _mm256_permute2x128_si256(low, high, 0x31));
}

INLINE AVX2 __m256 halves_to_floats(const uint8_t *at) {
  return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)at));
}

/* Groups ahead that a group's loop prefetches: the hardware prefetchers
 * stop at each 4 KiB page, and a group of 8 rows of 576 Q4_1 weights is
 * 2880 bytes, so one page lasts about a group and a half. */
#define PREFETCH_GROUPS 4

/* Prefetches the `bytes` at `at` PREFETCH_GROUPS groups of 8 rows further on. */
INLINE void prefetch_ahead(const uint8_t *at, long row_bytes, long bytes) {
  const uint8_t *ahead = at + PREFETCH_GROUPS * 8 * row_bytes;
  for (long line = 0; line < bytes; line += 64) _mm_prefetch((const char *)(ahead + line), _MM_HINT_T0);
}

INLINE AVX2 __m256i load_16(const int16_t *at) { return _mm256_loadu_si256((const __m256i *)at); }

AVX2 void ak_q8_0x8_tile_avx2(const quant_tile *tile) {
  const long blocks = tile->blocks;
  for (long g = 0; g < tile->outputs / 8; g++) {
    const uint8_t *group = tile->weights + g * 8 * tile->row_bytes;
    for (long n = 0; n < tile->rows; n++) {
      const int16_t *qs = tile->qs16 + n * blocks * AK_QK;
      const float *d = tile->d + n * blocks;
      __m256 acc = _mm256_setzero_ps();
      for (long b = 0; b < blocks; b++) {
        const uint8_t *at = group + b * AK_Q8_0X8_BLOCK_BYTES;
        prefetch_ahead(at, tile->row_bytes, AK_Q8_0X8_BLOCK_BYTES);
        const __m256i x_even = load_16(qs + b * AK_QK), x_odd = load_16(qs + b * AK_QK + 16);
        __m256i dots[8];
        for (int r = 0; r < 8; r++) {
          /* Lane i holds elements 2i (low byte) and 2i + 1 (high byte), signed. */
          __m256i w = _mm256_loadu_si256((const __m256i *)(at + 16 + 32 * r));
          __m256i even = _mm256_srai_epi16(_mm256_slli_epi16(w, 8), 8), odd = _mm256_srai_epi16(w, 8);
          dots[r] = _mm256_add_epi32(_mm256_madd_epi16(even, x_even), _mm256_madd_epi16(odd, x_odd));
        }
        __m256 scale = _mm256_mul_ps(halves_to_floats(at), _mm256_broadcast_ss(d + b));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_rows(dots)), scale, acc);
      }
      _mm256_storeu_ps(tile->output + n * tile->output_stride + 8 * g, acc);
    }
  }
}

AVX2 void ak_q4_1x8_tile_avx2(const quant_tile *tile) {
  const __m256i nibble = _mm256_set1_epi16(0x0F);
  const long blocks = tile->blocks;
  for (long g = 0; g < tile->outputs / 8; g++) {
    const uint8_t *group = tile->weights + g * 8 * tile->row_bytes;
    for (long n = 0; n < tile->rows; n++) {
      const int16_t *qs = tile->qs16 + n * blocks * AK_QK;
      const float *d = tile->d + n * blocks, *s = tile->s + n * blocks;
      __m256 acc = _mm256_setzero_ps(), minimum = _mm256_setzero_ps();
      for (long p = 0; p < blocks / 2; p++) {
        const uint8_t *at = group + p * AK_Q4_1X8_PAIR_BYTES;
        prefetch_ahead(at, tile->row_bytes, AK_Q4_1X8_PAIR_BYTES);
        const int16_t *first = qs + 2 * p * AK_QK, *second = first + AK_QK;
        /* Lane i of a row's 32 bytes holds, from bit 0: element 2i of block
         * 2p, element 2i of block 2p + 1, element 2i + 1 of block 2p,
         * element 2i + 1 of block 2p + 1. Block 2p, then 2p + 1 (the bytes
         * read again from L1, so that 8 sums are live, not 16). */
        __m256i x_even = load_16(first), x_odd = load_16(first + 16);
        __m256i dots[8];
        for (int r = 0; r < 8; r++) {
          __m256i w = _mm256_loadu_si256((const __m256i *)(at + 64 + 32 * r));
          __m256i even = _mm256_and_si256(w, nibble), odd = _mm256_and_si256(_mm256_srli_epi16(w, 8), nibble);
          dots[r] = _mm256_add_epi32(_mm256_madd_epi16(even, x_even), _mm256_madd_epi16(odd, x_odd));
        }
        __m256 scale = _mm256_mul_ps(halves_to_floats(at), _mm256_broadcast_ss(d + 2 * p));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_rows(dots)), scale, acc);
        x_even = load_16(second);
        x_odd = load_16(second + 16);
        for (int r = 0; r < 8; r++) {
          __m256i w = _mm256_loadu_si256((const __m256i *)(at + 64 + 32 * r));
          __m256i even = _mm256_and_si256(_mm256_srli_epi16(w, 4), nibble), odd = _mm256_srli_epi16(w, 12);
          dots[r] = _mm256_add_epi32(_mm256_madd_epi16(even, x_even), _mm256_madd_epi16(odd, x_odd));
        }
        scale = _mm256_mul_ps(halves_to_floats(at + 32), _mm256_broadcast_ss(d + 2 * p + 1));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_rows(dots)), scale, acc);
        minimum = _mm256_fmadd_ps(halves_to_floats(at + 16), _mm256_broadcast_ss(s + 2 * p), minimum);
        minimum = _mm256_fmadd_ps(halves_to_floats(at + 48), _mm256_broadcast_ss(s + 2 * p + 1), minimum);
      }
      _mm256_storeu_ps(tile->output + n * tile->output_stride + 8 * g, _mm256_add_ps(acc, minimum));
    }
  }
}

/* ak_dequantize_panel_avx2: per group and block, each row's 32 weights
 * widen to 4 vectors of 8 floats (elements 8c .. 8c + 7), an 8 x 8
 * transpose per c turns them into one vector per element whose lane r is
 * row r, and the 8 rows' d and m (one f16 load each) scale it. */
INLINE AVX2 void transpose8(__m256 v[8]) {
  __m256 t[8], u[8];
  for (int k = 0; k < 4; k++) {
    t[2 * k] = _mm256_unpacklo_ps(v[2 * k], v[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(v[2 * k], v[2 * k + 1]);
  }
  for (int k = 0; k < 2; k++) {
    u[4 * k] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    u[4 * k + 1] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    u[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    u[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  for (int k = 0; k < 4; k++) {
    v[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
    v[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
  }
}

AVX2 void ak_dequantize_panel_avx2(
    int q4_1, const uint8_t *groups, long row_bytes, long columns, long inputs, float *panel, long panel_width) {
  const long blocks = inputs / AK_QK;
  const __m256i nibble = _mm256_set1_epi32(0x0F);
  for (long g = 0; g < columns / 8; g++) {
    const uint8_t *group = groups + g * 8 * row_bytes;
    for (long b = 0; b < blocks; b++) {
      const uint8_t *bytes;
      __m256 d, m;
      int shift = 0;
      if (q4_1) {
        const uint8_t *at = group + b / 2 * AK_Q4_1X8_PAIR_BYTES, *scales = at + 32 * (b % 2);
        d = halves_to_floats(scales);
        m = halves_to_floats(scales + 16);
        bytes = at + 64;
        shift = 4 * (int)(b % 2);
      } else {
        const uint8_t *at = group + b * AK_Q8_0X8_BLOCK_BYTES;
        d = halves_to_floats(at);
        m = _mm256_setzero_ps();
        bytes = at + 16;
      }
      float *out = panel + b * AK_QK * panel_width + 8 * g;
      for (int c = 0; c < AK_QK / 8; c++) {
        __m256 v[8];
        for (int r = 0; r < 8; r++) {
          __m128i eight = _mm_loadl_epi64((const __m128i *)(bytes + 32 * r + 8 * c));
          __m256i q = q4_1 ? _mm256_and_si256(_mm256_srli_epi32(_mm256_cvtepu8_epi32(eight), shift), nibble)
                           : _mm256_cvtepi8_epi32(eight);
          v[r] = _mm256_cvtepi32_ps(q);
        }
        transpose8(v);
        for (int k = 0; k < 8; k++) _mm256_storeu_ps(out + (8 * c + k) * panel_width, _mm256_fmadd_ps(v[k], d, m));
      }
    }
  }
}

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

/* Per block: max|x| over 4 vectors; q = (x · (1/d) + 1.5·2^23) − 1.5·2^23
 * as the portable loop rounds it, clamped to ±32767; the 32 int16 packed in
 * element order, then split per 128-bit lane into even and odd words and
 * gathered as the 16 even elements, then the 16 odd ones (AK_Q16_SLOT). */
AVX2 void ak_quantize_blocks16_avx2(const float *x, long blocks, int16_t *qs, float *d, float *s) {
  const __m256 sign = _mm256_set1_ps(-0.0f), magic = _mm256_set1_ps(12582912.0f);
  const __m256i top = _mm256_set1_epi32(32767), bottom = _mm256_set1_epi32(-32767);
  /* Within a 128-bit lane of 8 words: the even words to the low 8 bytes, the odd ones to the high. */
  const __m256i split = _mm256_setr_epi8(
      0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15, 0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
  for (long b = 0; b < blocks; b++) {
    const float *block = x + b * AK_QK;
    __m256 v[4], amax = _mm256_setzero_ps();
    for (int k = 0; k < 4; k++) {
      v[k] = _mm256_loadu_ps(block + 8 * k);
      amax = _mm256_max_ps(_mm256_andnot_ps(sign, v[k]), amax);
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    float scale = _mm_cvtss_f32(m) / 32767.0f;
    __m256 inverse = _mm256_set1_ps(scale != 0.0f ? 1.0f / scale : 0.0f);
    __m256i q[4], total = _mm256_setzero_si256();
    for (int k = 0; k < 4; k++) {
      __m256 scaled = _mm256_mul_ps(v[k], inverse);
      __m256 rounded = _mm256_sub_ps(_mm256_add_ps(scaled, magic), magic);
      q[k] = _mm256_max_epi32(_mm256_min_epi32(_mm256_cvttps_epi32(rounded), top), bottom);
      total = _mm256_add_epi32(total, q[k]);
    }
    /* packs works per lane: 0xD8 puts the words back in element order. */
    __m256i low = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[0], q[1]), 0xD8);
    __m256i high = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[2], q[3]), 0xD8);
    low = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(low, split), 0xD8);
    high = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(high, split), 0xD8);
    _mm256_storeu_si256((__m256i *)(qs + b * AK_QK), _mm256_permute2x128_si256(low, high, 0x20));
    _mm256_storeu_si256((__m256i *)(qs + b * AK_QK + 16), _mm256_permute2x128_si256(low, high, 0x31));
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(total), _mm256_extracti128_si256(total, 1));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0x4E));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0xB1));
    d[b] = scale;
    s[b] = scale * (float)_mm_cvtsi128_si32(sum);
  }
}

#endif
