/* ak_rms_norm and ak_swiglu: one pass over each row (or the whole run),
 * eight lanes at a time on AVX2 and AVX-512 alike (these steps are a few
 * percent of a layer, bound by memory as much as by arithmetic), each
 * beside a portable loop that is the reference. */

#include "decoder_kernels.h"

#include <math.h>

#include "exp_simd.h"

static void rms_norm_portable(
    float *hidden, const float *add, const float *weight, long rows, long width, float eps, float *out) {
  for (long r = 0; r < rows; r++) {
    float *x = hidden + r * width;
    float squares = 0.0f;
    for (long c = 0; c < width; c++) {
      if (add != NULL) x[c] += add[r * width + c];
      squares += x[c] * x[c];
    }
    float scale = 1.0f / sqrtf(squares / (float)width + eps);
    for (long c = 0; c < width; c++) out[r * width + c] = weight[c] * (x[c] * scale);
  }
}

static void swiglu_portable(float *gate, const float *up, long from, long count) {
  for (long i = from; i < count; i++) {
    float g = gate[i];
    gate[i] = g / (1.0f + ak_exp_portable(-g)) * up[i];
  }
}

#if AK_X86
AK_AVX2 static float sum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

AK_AVX2 static void rms_norm_avx2(
    float *hidden, const float *add, const float *weight, long rows, long width, float eps, float *out) {
  for (long r = 0; r < rows; r++) {
    float *x = hidden + r * width;
    const float *a = add != NULL ? add + r * width : NULL;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    long c = 0;
    for (; c + 16 <= width; c += 16) {
      __m256 v0 = _mm256_loadu_ps(x + c), v1 = _mm256_loadu_ps(x + c + 8);
      if (a != NULL) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(a + c));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(a + c + 8));
        _mm256_storeu_ps(x + c, v0);
        _mm256_storeu_ps(x + c + 8, v1);
      }
      s0 = _mm256_fmadd_ps(v0, v0, s0);
      s1 = _mm256_fmadd_ps(v1, v1, s1);
    }
    float squares = sum8(_mm256_add_ps(s0, s1));
    for (; c < width; c++) {
      if (a != NULL) x[c] += a[c];
      squares += x[c] * x[c];
    }
    float scale = 1.0f / sqrtf(squares / (float)width + eps);
    __m256 s = _mm256_set1_ps(scale);
    c = 0;
    for (; c + 8 <= width; c += 8) {
      __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + c), s);
      _mm256_storeu_ps(out + r * width + c, _mm256_mul_ps(_mm256_loadu_ps(weight + c), v));
    }
    for (; c < width; c++) out[r * width + c] = weight[c] * (x[c] * scale);
  }
}

AK_AVX2 static void swiglu_avx2(float *gate, const float *up, long count) {
  const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
  long i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 g = _mm256_loadu_ps(gate + i);
    __m256 e = ak_exp_avx2(_mm256_xor_ps(g, sign));
    __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, e));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  swiglu_portable(gate, up, i, count);
}
#endif

void ak_rms_norm(
    float *hidden, const float *add, const float *weight, long rows, long width, float eps, float *out,
    ak_isa isa) {
#if AK_X86
  if (isa >= AK_ISA_AVX2_FMA) {
    rms_norm_avx2(hidden, add, weight, rows, width, eps, out);
    return;
  }
#endif
  (void)isa;
  rms_norm_portable(hidden, add, weight, rows, width, eps, out);
}

void ak_swiglu(float *gate, const float *up, long count, ak_isa isa) {
#if AK_X86
  if (isa >= AK_ISA_AVX2_FMA) {
    swiglu_avx2(gate, up, count);
    return;
  }
#endif
  (void)isa;
  swiglu_portable(gate, up, 0, count);
}
