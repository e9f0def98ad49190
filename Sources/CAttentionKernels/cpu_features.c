#include "cpu_features.h"

#include <stdlib.h>
#include <string.h>

static ak_isa detect(void) {
  ak_isa isa = AK_ISA_PORTABLE;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) isa = AK_ISA_AVX2_FMA;
  if (isa == AK_ISA_AVX2_FMA && __builtin_cpu_supports("avx512f")) isa = AK_ISA_AVX512F;
#endif
  const char *requested = getenv("AK_ISA");
  if (requested != NULL) {
    ak_isa cap = isa;
    if (strcmp(requested, "portable") == 0) cap = AK_ISA_PORTABLE;
    else if (strcmp(requested, "avx2") == 0) cap = AK_ISA_AVX2_FMA;
    else if (strcmp(requested, "avx512") == 0) cap = AK_ISA_AVX512F;
    if (cap < isa) isa = cap;
  }
  return isa;
}

ak_isa ak_detected_isa(void) {
  static int cached = -1;
  if (cached < 0) cached = (int)detect();
  return (ak_isa)cached;
}
