#ifndef ATTENTIONKIT_ATTENTION_KERNELS_H
#define ATTENTIONKIT_ATTENTION_KERNELS_H

/* Hot loops of AttentionCore in C, so that wide SIMD can be chosen per
 * function (__attribute__((target(...)))) after a runtime CPU check, without
 * compiler flags that would make the package unusable as a dependency. */

#include "cpu_features.h"
#include "decode_attention.h"
#include "decoder_kernels.h"
#include "dense_kernels.h"
#include "quant_blocks.h"
#include "quant_kernels.h"
#include "sdpa_kernels.h"
#include "softmax_kernels.h"

#endif
