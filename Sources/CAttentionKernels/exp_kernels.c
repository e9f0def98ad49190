#include "softmax_kernels.h"

#include "exp_simd.h"

static void exp_portable(const float *input, float *output, size_t count) {
  /* output[i] depends on input[i] only, even when output is input. */
#pragma clang loop vectorize(assume_safety)
  for (size_t i = 0; i < count; i++) output[i] = ak_exp_portable(input[i]);
}

#if AK_X86

AK_AVX2 static void exp_avx2(const float *input, float *output, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    _mm256_storeu_ps(output + i, ak_exp_avx2(_mm256_loadu_ps(input + i)));
  }
  if (i < count) {
    /* The last few through a full register, so they get the same rounding. */
    float tail[8] = {0};
    memcpy(tail, input + i, (count - i) * sizeof(float));
    _mm256_storeu_ps(tail, ak_exp_avx2(_mm256_loadu_ps(tail)));
    memcpy(output + i, tail, (count - i) * sizeof(float));
  }
}

AK_AVX512 static void exp_avx512(const float *input, float *output, size_t count) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    _mm512_storeu_ps(output + i, ak_exp_avx512(_mm512_loadu_ps(input + i)));
  }
  if (i < count) {
    __mmask16 lanes = (__mmask16)((1u << (count - i)) - 1);
    _mm512_mask_storeu_ps(output + i, lanes, ak_exp_avx512(_mm512_maskz_loadu_ps(lanes, input + i)));
  }
}

#endif

void ak_exp(ak_isa isa, const float *input, float *output, size_t count) {
  switch (ak_runnable_isa(isa)) {
#if AK_X86
  case AK_ISA_AVX512F: exp_avx512(input, output, count); return;
  case AK_ISA_AVX2_FMA: exp_avx2(input, output, count); return;
#endif
  default: exp_portable(input, output, count); return;
  }
}

int ak_isa_runs_here(ak_isa isa) { return isa <= ak_hardware_isa(); }
