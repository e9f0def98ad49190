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

/* Rows interleaved by 8, for the products of a single activation row (a
 * written token), which otherwise spend more instructions on each weight
 * row's scales and sums than on its products: `type | AK_QUANT_INTERLEAVED8`
 * names a matrix whose rows are stored in groups of 8, group g (rows 8g ..
 * 8g + 7) taking the bytes of those 8 rows, in this order:
 *   Q8_0: per block b, the 8 rows' d (f16), then the 8 rows' 32 qs;
 *   Q4_1: per pair of blocks 2p, 2p + 1, the 8 rows' d of block 2p, their
 *         m, the 8 d of block 2p + 1, their m (f16 each), then 32 bytes a
 *         row whose byte k holds element k of block 2p in its low nibble
 *         and element k of block 2p + 1 in its high one.
 * So one load brings a scale of 8 rows, and each row's block becomes int32
 * sums that 8 rows reduce together into one vector, one lane a row. The
 * size is unchanged; the outputs must be a multiple of 8 and, for Q4_1,
 * the blocks of a row even.
 *
 * These products quantize the activations to 16 bits per block of 32
 * (ak_quantize_activations16), not 8: the weights widen to int16 and meet
 * them in _mm256_madd_epi16, exact in int32 (|sum| <= 32 · 128 · 32767).
 * An activation then moves by at most max|x| / 65534 of its block, 258
 * times less than with 8 bits, so the logits stay near the float32
 * product's, where 8-bit activations (ggml's scheme) move them by up to 2
 * on SmolLM2 and change the greedy choice at 1 token in 25. */
#define AK_QUANT_INTERLEAVED8 0x100

/* From this many activation rows on (a prompt), the interleaved layouts'
 * products dequantize each panel of 64 weight rows to float32 once and
 * multiply it with the float activations on the dense kernel: the float
 * product, no activation rounding, at the speed of a float GEMM. */
#define AK_QUANT_DENSE_ROWS 16

/* Whether a [outputs, inputs] matrix of `type` can be interleaved (1) or not (0). */
int ak_quant_can_interleave(int type, long outputs, long inputs);

/* Copies the matrix from ggml's row-major blocks into the interleaved
 * layout (forward nonzero) or back. Returns 0, or -2 when it cannot be
 * interleaved. source and destination do not overlap. */
int ak_quant_interleave(int type, const void *source, long outputs, long inputs, void *destination, int forward);

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

/* The activation rows as the interleaved layouts read them: 16 bits per
 * element, d = max|x| / 32767 per block of 32, q = round-to-nearest-even(x / d)
 * (at most 32767 in magnitude), s = d · sum q. qs: (N, I), each block of
 * 32 holding its 16 even elements, then its 16 odd ones: element j at slot
 * AK_Q16_SLOT(j). So a weight vector read as 16-bit lanes (two elements a
 * lane) meets the activations with shifts alone. Every `isa` (up to
 * ak_detected_isa(); AVX2 or portable) writes the same bits. */
#define AK_Q16_SLOT(j) ((j) % 2 == 0 ? (j) / 2 : 16 + (j) / 2)
void ak_quantize_activations16(
    const float *input, long rows, long inputs, short *qs, float *d, float *s, ak_isa isa);

/* Several weight matrices of one type and input width against the same
 * input, as one call: the input is quantized once and the parts' tiles
 * share the pool's threads (a decoder layer's query, key and value, or its
 * gate and up projections). A part with 0 outputs is skipped. */
#define AK_QUANT_MAX_PARTS 4

typedef struct {
  const void *weights; /* (O_p, I) in blocks of the call's type */
  long outputs;        /* O_p */
  float *output;       /* (N, O_p), written, never read */
} ak_quant_part;

/* ak_quant_matmul for each of the `part_count` (1 ..= AK_QUANT_MAX_PARTS)
 * parts; the scratch is the same as for one matrix. Returns as
 * ak_quant_matmul does, -2 also for a part count out of range or a
 * negative part size. */
int ak_quant_matmul_parts(
    int type, const ak_quant_part *parts, int part_count, long inputs, const float *input, long rows,
    void *scratch, ak_isa isa, int threads);

/* The activation rows as the integer products read them: for each of the
 * `rows` rows and each block b of 32, qs[row][32b..32b+32), d[row][b] and
 * s[row][b] = d · sum of the block's q. qs: (N, I); d, s: (N, I / 32).
 * `inputs` must be a multiple of 32. */
void ak_quantize_activations(const float *input, long rows, long inputs, signed char *qs, float *d, float *s);

#endif
