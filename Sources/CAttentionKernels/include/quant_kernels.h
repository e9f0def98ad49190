#ifndef ATTENTIONKIT_QUANT_KERNELS_H
#define ATTENTIONKIT_QUANT_KERNELS_H

/* Products with a weight matrix kept in ggml's quantized blocks, as GGUF
 * stores a [outputs, inputs] matrix: `outputs` rows of `inputs` elements,
 * each row a run of whole blocks (quant_blocks.h).
 *
 * Q8_0, Q4_1, Q4_K and Q6_K weights have integer products, as llama.cpp
 * computes them: every activation row is quantized once to 8 bits per block
 * of 32 (a float scale d = max|x| / 127 and q = round-to-nearest-even(x / d),
 * with d · sum(q) kept too for the types with a minimum), then each block
 * pair gives an exact integer dot product scaled in float:
 *   Q8_0: sum_b dw_b · dx_b · (qw · qx)_b
 *   Q4_1: sum_b dw_b · dx_b · (qw · qx)_b + mw_b · (dx · sum qx)_b
 *   Q4_K: sum_b d · sc_b · dx_b · (qw · qx)_b − dmin · m_b · (dx · sum qx)_b
 *   Q6_K: sum_b d · dx_b · (sc_2b · (qw · qx)_b,first 16 + sc_2b+1 · (qw · qx)_b,last 16)
 * where the k-quants' b runs over the 8 blocks of 32 in each super-block of
 * 256 (d, dmin per super-block; sc, m per sub-block of 32, Q6_K's sc per 16).
 * ggml quantizes the k-quants' activations per 256 (Q8_K); the blocks of 32
 * here are finer, which only lowers the rounding. ggml keeps the activation
 * scales as f16; here they stay float32, which only removes a rounding.
 * Every other type is dequantized a few weight rows at a time
 * (ak_dequantize) and multiplied in float32 with the float inputs.
 *
 * Legend: N rows of the input, I inputs, O outputs. Floats are row-major,
 * contiguous; inputs are finite. */

#include "cpu_features.h"

/* Whether `type` has an integer product here (1) or goes through the
 * dequantized float one (0). */
int ak_quant_has_integer_product(int type);

/* Bytes of scratch that ak_quant_matmul needs for these sizes and at most
 * `threads` threads, or -1 for a type it does not read, an `inputs` that is
 * not a whole number of blocks, or sizes whose scratch would overflow. */
long ak_quant_scratch_bytes(int type, long outputs, long inputs, long rows, int threads);

/* output[n][o] = sum_i input[n][i] * W[o][i].
 * weights: (O, I) in blocks of `type`, aligned as the block struct;
 * input: (N, I); output: (N, O), written, never read. scratch: at least
 * ak_quant_scratch_bytes(...) bytes, 64-byte aligned, or NULL to allocate
 * it here. Runs on `threads` threads of the pool that ak_dense_run uses;
 * `isa` must not exceed ak_detected_isa() (AVX-512 runs the AVX2 kernels).
 * Returns 0, -1 when the scratch cannot be allocated, -2 for a type it does
 * not read or an `inputs` that is not a whole number of its blocks. */
int ak_quant_matmul(
    int type, const void *weights, long outputs, long inputs, const float *input, long rows, float *output,
    void *scratch, ak_isa isa, int threads);

/* The activation rows as the integer products read them: for each of the
 * `rows` rows and each block b of 32, qs[row][32b..32b+32), d[row][b] and
 * s[row][b] = d · sum of the block's q. qs: (N, I); d, s: (N, I / 32).
 * `inputs` must be a multiple of 32. */
void ak_quantize_activations(const float *input, long rows, long inputs, signed char *qs, float *d, float *s);

#endif
