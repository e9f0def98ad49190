#include "softmax_kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "exp_simd.h"

/* With streaming stores, rows up to this many floats get a scratch row for
 * their exponentials, so the output is written once, by the scaling pass,
 * and never read: 256 KiB of row plus 256 KiB of scratch still sit in L2. */
#define AK_SCRATCH_MAX_FLOATS ((size_t)1 << 16)

/* The valid length of row r, trusted to be in 0...length by the caller but
 * clamped anyway: a bad length must not make a kernel read out of bounds. */
static inline size_t valid_length(const ptrdiff_t *valid_lengths, size_t r, size_t length) {
  if (valid_lengths == NULL) return length;
  ptrdiff_t valid = valid_lengths[r];
  if (valid < 0) return 0;
  return (size_t)valid < length ? (size_t)valid : length;
}

/* The row to prefetch while row r is in the exp pass: the next one, or r
 * itself (already cached) for the last row, so no prefetch leaves the input.
 *
 * Why: the max pass reads a row from memory, the exp and scaling passes
 * then run from L1. Without a prefetch the memory bus idles during those
 * passes; with the next row fetched into L2 meanwhile, reading and
 * computing overlap (4096×4096 on two threads: about 5.2 ms -> 4.3 ms). */
static inline const float *next_row(const float *row, size_t r, size_t rows, size_t length) {
  return r + 1 < rows ? row + length : row;
}

/* ---- portable -------------------------------------------------------- */

/* Plain loops, one job each, that the compiler vectorises for whatever the
 * target has (SSE2 on a baseline x86-64 build, NEON on arm64). The pragmas
 * allow reordering the sum, and state that y[i] depends on x[i] only, which
 * holds even when y is x; the maximum runs in eight lanes by hand, since a
 * NaN-aware max is not a reduction the vectoriser reorders. */
static void softmax_row_portable(const float *x, float *y, size_t length, size_t valid) {
  /* 1. The row maximum; a NaN never wins `>`, the exp pass turns it into
   * a NaN row. */
  float lanes[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  size_t i = 0;
  for (; i + 8 <= valid; i += 8) {
    for (int l = 0; l < 8; l++) lanes[l] = x[i + l] > lanes[l] ? x[i + l] : lanes[l];
  }
  for (; i < valid; i++) lanes[0] = x[i] > lanes[0] ? x[i] : lanes[0];
  float peak = lanes[0];
  for (int l = 1; l < 8; l++) peak = lanes[l] > peak ? lanes[l] : peak;
  if (valid < length && peak < AK_MASKED_LOGIT) peak = AK_MASKED_LOGIT;

  /* 2. e^(x - max) into the output, and its sum. */
#pragma clang loop vectorize(assume_safety)
  for (i = 0; i < valid; i++) y[i] = ak_exp_portable(x[i] - peak);
  float sum = 0;
#pragma clang loop vectorize(enable)
  for (i = 0; i < valid; i++) sum += y[i];
  float maskedWeight = 0;
  if (valid < length) {
    maskedWeight = ak_exp_portable(AK_MASKED_LOGIT - peak);
    sum += maskedWeight * (float)(length - valid);
  }

  /* 3. Normalise. */
  float inverse = 1.0f / sum;
  for (i = 0; i < valid; i++) y[i] *= inverse;
  float maskedValue = maskedWeight * inverse;
  for (; i < length; i++) y[i] = maskedValue;
}

static void softmax_rows_portable(
    const float *input, float *output, size_t rows, size_t length, const ptrdiff_t *valid_lengths) {
  for (size_t r = 0; r < rows; r++) {
    softmax_row_portable(
        input + r * length, output + r * length, length, valid_length(valid_lengths, r, length));
  }
}

#if AK_X86

/* ---- AVX2 + FMA ------------------------------------------------------ */

/* Eight -1 then eight 0: the 8 ints from index 8 - n are the lane mask of
 * the first n lanes. */
static const int32_t ak_lane_mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* Lanes 0..<n set, n in 0...8. */
AK_AVX2 static inline __m256i first_lanes_avx2(size_t n) {
  return _mm256_loadu_si256((const __m256i *)(ak_lane_mask_table + 8 - n));
}

/* Lanes i..<i+n of the output row: e[i]·inverse where i < valid, fill past it. */
AK_AVX2 static inline __m256 scaled_avx2(
    const float *e, size_t i, size_t n, size_t valid, __m256 inverse, __m256 fill) {
  size_t validLanes = i >= valid ? 0 : (valid - i < n ? valid - i : n);
  if (validLanes == 8) return _mm256_mul_ps(_mm256_loadu_ps(e + i), inverse);
  __m256i lanes = first_lanes_avx2(validLanes);
  __m256 scaled = _mm256_mul_ps(_mm256_maskload_ps(e + i, lanes), inverse);
  return _mm256_blendv_ps(fill, scaled, _mm256_castsi256_ps(lanes));
}

AK_AVX2 static void softmax_row_avx2(
    const float *x, float *y, size_t length, size_t valid, const float *ahead, float *scratch, int stream) {
  /* 1. The row maximum, four registers deep. MAXPS returns its second
   * operand when either is NaN, so a NaN input leaves the maximum alone. */
  __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
  size_t i = 0;
  for (; i + 32 <= valid; i += 32) {
    m0 = _mm256_max_ps(_mm256_loadu_ps(x + i), m0);
    m1 = _mm256_max_ps(_mm256_loadu_ps(x + i + 8), m1);
    m2 = _mm256_max_ps(_mm256_loadu_ps(x + i + 16), m2);
    m3 = _mm256_max_ps(_mm256_loadu_ps(x + i + 24), m3);
  }
  for (; i + 8 <= valid; i += 8) m0 = _mm256_max_ps(_mm256_loadu_ps(x + i), m0);
  if (i < valid) {
    __m256i lanes = first_lanes_avx2(valid - i);
    __m256 tail = _mm256_blendv_ps(
        _mm256_set1_ps(-INFINITY), _mm256_maskload_ps(x + i, lanes), _mm256_castsi256_ps(lanes));
    m1 = _mm256_max_ps(tail, m1);
  }
  __m256 m = _mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3));
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  float peak = _mm_cvtss_f32(m4);
  if (valid < length && peak < AK_MASKED_LOGIT) peak = AK_MASKED_LOGIT;

  /* 2. e^(x - max) into the scratch row (or the output), and its sum. */
  float *e = scratch != NULL ? scratch : y;
  __m256 shift = _mm256_set1_ps(peak);
  __m256 s0 = _mm256_setzero_ps(), s1 = s0;
  for (i = 0; i + 16 <= valid; i += 16) {
    _mm_prefetch((const char *)(ahead + i), _MM_HINT_T1);
    __m256 e0 = ak_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift));
    __m256 e1 = ak_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), shift));
    _mm256_storeu_ps(e + i, e0);
    _mm256_storeu_ps(e + i + 8, e1);
    s0 = _mm256_add_ps(s0, e0);
    s1 = _mm256_add_ps(s1, e1);
  }
  for (; i + 8 <= valid; i += 8) {
    __m256 e0 = ak_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift));
    _mm256_storeu_ps(e + i, e0);
    s0 = _mm256_add_ps(s0, e0);
  }
  if (i < valid) {
    __m256i lanes = first_lanes_avx2(valid - i);
    __m256 e0 = ak_exp_avx2(_mm256_sub_ps(_mm256_maskload_ps(x + i, lanes), shift));
    _mm256_maskstore_ps(e + i, lanes, e0);
    s1 = _mm256_add_ps(s1, _mm256_and_ps(e0, _mm256_castsi256_ps(lanes)));
  }
  __m256 s = _mm256_add_ps(s0, s1);
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  s4 = _mm_add_ss(s4, _mm_movehdup_ps(s4));
  float sum = _mm_cvtss_f32(s4);
  float maskedWeight = 0;
  if (valid < length) {
    maskedWeight = _mm256_cvtss_f32(ak_exp_avx2(_mm256_set1_ps(AK_MASKED_LOGIT - peak)));
    sum += maskedWeight * (float)(length - valid);
  }

  /* 3. Normalise; with streaming stores, from the first 32-byte boundary. */
  float inverseSum = 1.0f / sum;
  __m256 inverse = _mm256_set1_ps(inverseSum);
  __m256 fill = _mm256_set1_ps(maskedWeight * inverseSum);
  i = 0;
  if (stream) {
    size_t head = ((32 - ((uintptr_t)y & 31)) & 31) / sizeof(float);
    if (head > length) head = length;
    if (head > 0) {
      _mm256_maskstore_ps(y, first_lanes_avx2(head), scaled_avx2(e, 0, head, valid, inverse, fill));
      i = head;
    }
    for (; i + 8 <= length; i += 8) _mm256_stream_ps(y + i, scaled_avx2(e, i, 8, valid, inverse, fill));
  } else {
    for (; i + 8 <= length; i += 8) _mm256_storeu_ps(y + i, scaled_avx2(e, i, 8, valid, inverse, fill));
  }
  if (i < length) {
    _mm256_maskstore_ps(
        y + i, first_lanes_avx2(length - i), scaled_avx2(e, i, length - i, valid, inverse, fill));
  }
}

AK_AVX2 static void softmax_rows_avx2(
    const float *input, float *output, size_t rows, size_t length, const ptrdiff_t *valid_lengths,
    float *scratch) {
  int stream = scratch != NULL;
  for (size_t r = 0; r < rows; r++) {
    const float *row = input + r * length;
    softmax_row_avx2(
        row, output + r * length, length, valid_length(valid_lengths, r, length), next_row(row, r, rows, length),
        scratch, stream);
  }
  /* Streaming stores are weakly ordered: make them visible before the
   * caller (or another thread) reads the output. */
  if (stream) _mm_sfence();
}

/* ---- AVX-512F -------------------------------------------------------- */

/* Lanes 0..<n set, n in 0...16. */
AK_AVX512 static inline __mmask16 first_lanes_avx512(size_t n) {
  return (__mmask16)((1u << n) - 1);
}

/* The lanes of `present` at i.. of the output row: e[i]·inverse where
 * i < valid, fill past it. */
AK_AVX512 static inline __m512 scaled_avx512(
    const float *e, size_t i, __mmask16 present, size_t valid, __m512 inverse, __m512 fill) {
  size_t validLanes = i >= valid ? 0 : (valid - i < 16 ? valid - i : 16);
  __mmask16 lanes = present & first_lanes_avx512(validLanes);
  return _mm512_mask_mul_ps(fill, lanes, _mm512_maskz_loadu_ps(lanes, e + i), inverse);
}

AK_AVX512 static void softmax_row_avx512(
    const float *x, float *y, size_t length, size_t valid, const float *ahead, float *scratch, int stream) {
  /* 1. The row maximum, four registers deep; NaN inputs leave it alone, as
   * in the AVX2 path. */
  __m512 m0 = _mm512_set1_ps(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
  size_t i = 0;
  for (; i + 64 <= valid; i += 64) {
    m0 = _mm512_max_ps(_mm512_loadu_ps(x + i), m0);
    m1 = _mm512_max_ps(_mm512_loadu_ps(x + i + 16), m1);
    m2 = _mm512_max_ps(_mm512_loadu_ps(x + i + 32), m2);
    m3 = _mm512_max_ps(_mm512_loadu_ps(x + i + 48), m3);
  }
  for (; i + 16 <= valid; i += 16) m0 = _mm512_max_ps(_mm512_loadu_ps(x + i), m0);
  if (i < valid) {
    __mmask16 lanes = first_lanes_avx512(valid - i);
    m1 = _mm512_mask_max_ps(m1, lanes, _mm512_maskz_loadu_ps(lanes, x + i), m1);
  }
  float peak = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
  if (valid < length && peak < AK_MASKED_LOGIT) peak = AK_MASKED_LOGIT;

  /* 2. e^(x - max) into the scratch row (or the output), and its sum. */
  float *e = scratch != NULL ? scratch : y;
  __m512 shift = _mm512_set1_ps(peak);
  __m512 s0 = _mm512_setzero_ps(), s1 = s0;
  for (i = 0; i + 32 <= valid; i += 32) {
    _mm_prefetch((const char *)(ahead + i), _MM_HINT_T1);
    _mm_prefetch((const char *)(ahead + i + 16), _MM_HINT_T1);
    __m512 e0 = ak_exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(x + i), shift));
    __m512 e1 = ak_exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), shift));
    _mm512_storeu_ps(e + i, e0);
    _mm512_storeu_ps(e + i + 16, e1);
    s0 = _mm512_add_ps(s0, e0);
    s1 = _mm512_add_ps(s1, e1);
  }
  for (; i + 16 <= valid; i += 16) {
    __m512 e0 = ak_exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(x + i), shift));
    _mm512_storeu_ps(e + i, e0);
    s0 = _mm512_add_ps(s0, e0);
  }
  if (i < valid) {
    __mmask16 lanes = first_lanes_avx512(valid - i);
    __m512 e0 = ak_exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, x + i), shift));
    _mm512_mask_storeu_ps(e + i, lanes, e0);
    s1 = _mm512_mask_add_ps(s1, lanes, s1, e0);
  }
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
  float maskedWeight = 0;
  if (valid < length) {
    maskedWeight = _mm512_cvtss_f32(ak_exp_avx512(_mm512_set1_ps(AK_MASKED_LOGIT - peak)));
    sum += maskedWeight * (float)(length - valid);
  }

  /* 3. Normalise; with streaming stores, from the first cache-line boundary. */
  float inverseSum = 1.0f / sum;
  __m512 inverse = _mm512_set1_ps(inverseSum);
  __m512 fill = _mm512_set1_ps(maskedWeight * inverseSum);
  i = 0;
  if (stream) {
    size_t head = ((64 - ((uintptr_t)y & 63)) & 63) / sizeof(float);
    if (head > length) head = length;
    if (head > 0) {
      __mmask16 lanes = first_lanes_avx512(head);
      _mm512_mask_storeu_ps(y, lanes, scaled_avx512(e, 0, lanes, valid, inverse, fill));
      i = head;
    }
    for (; i + 16 <= length; i += 16) {
      _mm512_stream_ps(y + i, scaled_avx512(e, i, 0xFFFF, valid, inverse, fill));
    }
  } else {
    for (; i + 16 <= length; i += 16) {
      _mm512_storeu_ps(y + i, scaled_avx512(e, i, 0xFFFF, valid, inverse, fill));
    }
  }
  if (i < length) {
    __mmask16 lanes = first_lanes_avx512(length - i);
    _mm512_mask_storeu_ps(y + i, lanes, scaled_avx512(e, i, lanes, valid, inverse, fill));
  }
}

AK_AVX512 static void softmax_rows_avx512(
    const float *input, float *output, size_t rows, size_t length, const ptrdiff_t *valid_lengths,
    float *scratch) {
  int stream = scratch != NULL;
  for (size_t r = 0; r < rows; r++) {
    const float *row = input + r * length;
    softmax_row_avx512(
        row, output + r * length, length, valid_length(valid_lengths, r, length), next_row(row, r, rows, length),
        scratch, stream);
  }
  if (stream) _mm_sfence();
}

#endif /* AK_X86 */

void ak_softmax_rows(
    ak_isa isa, const float *input, float *output, size_t rows, size_t row_length,
    const ptrdiff_t *valid_lengths, int streaming_stores) {
  if (rows == 0 || row_length == 0) return;
  isa = ak_runnable_isa(isa);
  /* Streaming needs the scratch row: exponentials written to the output
   * first would pull its lines into the cache, which streaming avoids. */
  float *scratch = NULL;
  if (streaming_stores && isa != AK_ISA_PORTABLE && row_length <= AK_SCRATCH_MAX_FLOATS) {
    scratch = aligned_alloc(64, (row_length * sizeof(float) + 63) & ~(size_t)63);
  }
  switch (isa) {
#if AK_X86
  case AK_ISA_AVX512F:
    softmax_rows_avx512(input, output, rows, row_length, valid_lengths, scratch);
    break;
  case AK_ISA_AVX2_FMA:
    softmax_rows_avx2(input, output, rows, row_length, valid_lengths, scratch);
    break;
#endif
  default: softmax_rows_portable(input, output, rows, row_length, valid_lengths); break;
  }
  free(scratch);
}

void ak_advise_huge_pages(void *start, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t hugePage = (uintptr_t)2 << 20;
  if (bytes < 2 * hugePage) return;
  uintptr_t begin = ((uintptr_t)start + hugePage - 1) & ~(hugePage - 1);
  uintptr_t end = ((uintptr_t)start + bytes) & ~(hugePage - 1);
  /* Advice only: if the kernel declines, the pages are ordinary ones. */
  if (end > begin) (void)madvise((void *)begin, end - begin, MADV_HUGEPAGE);
#else
  (void)start;
  (void)bytes;
#endif
}
