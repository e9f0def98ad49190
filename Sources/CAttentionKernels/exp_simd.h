#ifndef ATTENTIONKIT_EXP_SIMD_H
#define ATTENTIONKIT_EXP_SIMD_H

/* e^x on one register of floats, for each instruction set the kernels
 * dispatch to. Shared by exp_kernels.c and softmax_kernels.c so that the
 * softmax inlines the exponential into its loops.
 *
 * Method (all three paths):
 *   1. Clamp x to [-104, 89]. e^-104 is below half the smallest subnormal
 *      (2^-150), so it rounds to 0; e^89 is above FLT_MAX, so it rounds to
 *      +inf. The clamp keeps NaN (see each path), and turns -inf into 0 and
 *      +inf into +inf without special cases.
 *   2. x = n·ln2 + r with n = round(x / ln2), |r| <= ln2/2 (Cody-Waite: ln2
 *      in two parts so that r is exact to about 2^-35).
 *   3. e^r = 1 + r + r²·P(r), P of degree 5 (the coefficients of Cephes'
 *      expf, a minimax fit on |r| <= ln2/2).
 *   4. e^x = e^r · 2^n, scaled so that a subnormal result is rounded once:
 *      AVX-512 has vscalefps for it; the other paths multiply by 2^(n/2)
 *      twice, the first product being exact.
 *
 * Accuracy is measured exhaustively, over every float, by `attn bench exp
 * --sweep`; the figures are in ak_exp's comment in softmax_kernels.h. */

#include <stdint.h>
#include <string.h>

#include "cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AK_X86 1
#define AK_AVX512 __attribute__((target("avx512f")))
#define AK_AVX2 __attribute__((target("avx2,fma")))
#endif

#define AK_EXP_LOWEST (-104.0f)
#define AK_EXP_HIGHEST (89.0f)
#define AK_LOG2E 1.44269504088896341f
/* ln2 split for fused multiply-add: the float nearest ln2, and the rest. */
#define AK_LN2_HI_FMA 0.693147182464599609375f
#define AK_LN2_LO_FMA -1.904654323148236e-09f
/* ln2 split for plain multiply-subtract: 0.693359375 has 9 significant
 * bits, so n·hi is exact for the |n| <= 150 reached here. */
#define AK_LN2_HI_CW 0.693359375f
#define AK_LN2_LO_CW -2.12194440e-4f
#define AK_EXP_P5 1.9875691500e-4f
#define AK_EXP_P4 1.3981999507e-3f
#define AK_EXP_P3 8.3334519073e-3f
#define AK_EXP_P2 4.1665795894e-2f
#define AK_EXP_P1 1.6666665459e-1f
#define AK_EXP_P0 5.0000001201e-1f

static inline float ak_float_from_bits(uint32_t bits) {
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static inline uint32_t ak_bits_from_float(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

/* Portable: plain float arithmetic without fma (an fmaf call would go to
 * libm on a baseline x86-64 build), so the compiler may vectorise loops
 * of it with whatever the target has. */
static inline float ak_exp_portable(float x) {
  /* Comparisons with NaN are false, so NaN passes both clamps. */
  x = x < AK_EXP_LOWEST ? AK_EXP_LOWEST : x;
  x = x > AK_EXP_HIGHEST ? AK_EXP_HIGHEST : x;
  /* Adding 1.5·2^23 rounds x/ln2 to an integer held in the low mantissa
   * bits (|x/ln2| < 2^22 here); subtracting it back gives n as a float. */
  const float shifter = 12582912.0f;
  float shifted = x * AK_LOG2E + shifter;
  float n = shifted - shifter;
  float r = x - n * AK_LN2_HI_CW;
  r = r - n * AK_LN2_LO_CW;
  float p = AK_EXP_P5;
  p = p * r + AK_EXP_P4;
  p = p * r + AK_EXP_P3;
  p = p * r + AK_EXP_P2;
  p = p * r + AK_EXP_P1;
  p = p * r + AK_EXP_P0;
  float expR = (p * (r * r) + r) + 1.0f;
  /* n in [-150, 128]: 2^n as two powers of 2 that are normal floats. */
  int32_t ni = (int32_t)(ak_bits_from_float(shifted) - ak_bits_from_float(shifter));
  int32_t half = ni >> 1;
  int32_t rest = ni - half;
  float scaleHalf = ak_float_from_bits((uint32_t)(half + 127) << 23);
  float scaleRest = ak_float_from_bits((uint32_t)(rest + 127) << 23);
  return (expR * scaleHalf) * scaleRest;
}

#if AK_X86

/* AVX2 + FMA, eight lanes. MAXPS/MINPS return their second operand when
 * either is NaN, so x goes second to keep NaN. */
AK_AVX2 static inline __m256 ak_exp_avx2(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(AK_EXP_LOWEST), x);
  x = _mm256_min_ps(_mm256_set1_ps(AK_EXP_HIGHEST), x);
  __m256 n = _mm256_round_ps(
      _mm256_mul_ps(x, _mm256_set1_ps(AK_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(AK_LN2_HI_FMA), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(AK_LN2_LO_FMA), r);
  __m256 p = _mm256_set1_ps(AK_EXP_P5);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(AK_EXP_P4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(AK_EXP_P3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(AK_EXP_P2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(AK_EXP_P1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(AK_EXP_P0));
  __m256 expR = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
  /* NaN converts to INT_MIN; the scale is then garbage, but expR is NaN. */
  __m256i ni = _mm256_cvtps_epi32(n);
  __m256i half = _mm256_srai_epi32(ni, 1);
  __m256i rest = _mm256_sub_epi32(ni, half);
  __m256i bias = _mm256_set1_epi32(127);
  __m256 scaleHalf = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
  __m256 scaleRest = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(rest, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(expR, scaleHalf), scaleRest);
}

/* AVX-512F, sixteen lanes; vscalefps multiplies by 2^n with one rounding,
 * into the subnormals and to ±inf as needed. */
AK_AVX512 static inline __m512 ak_exp_avx512(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(AK_EXP_LOWEST), x);
  x = _mm512_min_ps(_mm512_set1_ps(AK_EXP_HIGHEST), x);
  __m512 n = _mm512_roundscale_ps(
      _mm512_mul_ps(x, _mm512_set1_ps(AK_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(AK_LN2_HI_FMA), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(AK_LN2_LO_FMA), r);
  __m512 p = _mm512_set1_ps(AK_EXP_P5);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(AK_EXP_P4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(AK_EXP_P3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(AK_EXP_P2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(AK_EXP_P1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(AK_EXP_P0));
  __m512 expR = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(expR, n);
}

#endif /* AK_X86 */

/* The widest instruction set this CPU runs, ignoring the AK_ISA cap, so
 * that tests can force each path the hardware has. */
static inline ak_isa ak_hardware_isa(void) {
  static int cached = -1;
  int isa = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (isa < 0) {
    isa = AK_ISA_PORTABLE;
#if AK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      isa = __builtin_cpu_supports("avx512f") ? AK_ISA_AVX512F : AK_ISA_AVX2_FMA;
    }
#endif
    __atomic_store_n(&cached, isa, __ATOMIC_RELAXED);
  }
  return (ak_isa)isa;
}

/* `requested`, lowered to what the hardware runs. */
static inline ak_isa ak_runnable_isa(ak_isa requested) {
  ak_isa hardware = ak_hardware_isa();
  return requested < hardware ? requested : hardware;
}

#endif
