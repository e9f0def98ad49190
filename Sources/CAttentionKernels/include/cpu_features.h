#ifndef ATTENTIONKIT_CPU_FEATURES_H
#define ATTENTIONKIT_CPU_FEATURES_H

/* The widest instruction set the kernels may use on this CPU. */
typedef enum {
  AK_ISA_PORTABLE = 0,
  AK_ISA_AVX2_FMA = 1,
  AK_ISA_AVX512F = 2,
} ak_isa;

/* Detected once; AK_ISA (environment: portable, avx2, avx512) can lower it,
 * so every path can be tested on a machine that has the widest one. */
ak_isa ak_detected_isa(void);

#endif
