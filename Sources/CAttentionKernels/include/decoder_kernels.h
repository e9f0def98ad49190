#ifndef ATTENTIONKIT_DECODER_KERNELS_H
#define ATTENTIONKIT_DECODER_KERNELS_H

/* The element-wise steps of a decoder layer between its products: the
 * residual add with RMSNorm, and SwiGLU's gate. Every tensor is float32,
 * row-major, contiguous; `isa` must not exceed ak_detected_isa(). */

#include "cpu_features.h"

/* For each of `rows` rows of `width`: hidden += add (when add is not
 * NULL), then out = weight * (hidden / sqrt(mean(hidden^2) + eps)), as
 * Hugging Face's LlamaRMSNorm computes it in float32 (the mean's sum in
 * another order). out may not overlap hidden or add. */
void ak_rms_norm(
    float *hidden, const float *add, const float *weight, long rows, long width, float eps, float *out,
    ak_isa isa);

/* gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i]
 * for i < count, exp as ak_exp computes it. */
void ak_swiglu(float *gate, const float *up, long count, ak_isa isa);

#endif
