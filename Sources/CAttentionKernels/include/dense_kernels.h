#ifndef ATTENTIONKIT_DENSE_KERNELS_H
#define ATTENTIONKIT_DENSE_KERNELS_H

/* The product of a fully connected layer, output = input . weight^T + bias,
 * with the weight packed once into panels of AK_DENSE_PANEL output columns
 * stored along the input axis, so that the inner loop reads one contiguous
 * row of a panel per step of the contraction.
 *
 * Legend: N rows, I input width, O output width. Every tensor is float32,
 * row-major, contiguous. */

#include "cpu_features.h"

#define AK_DENSE_PANEL 64

/* Floats of the packed weight: ceil(O / AK_DENSE_PANEL) * AK_DENSE_PANEL * I. */
long ak_dense_packed_count(long inputs, long outputs);

/* packed[(p * I + i) * AK_DENSE_PANEL + lane] = weight[p * AK_DENSE_PANEL + lane][i],
 * and 0 for the lanes past O. weight: (O, I), as nn.Linear stores it. */
void ak_dense_pack(const float *weight, long inputs, long outputs, float *packed);

/* output[n][o] = sum_i input[n][i] * weight[o][i] (+ bias[o]) on `threads`
 * threads (the calling one and helpers of the pool that ak_sdpa_run uses).
 * input: (N, I); packed: from ak_dense_pack; bias: (O), or NULL for none;
 * output: (N, O), written, never read. `isa` must not exceed
 * ak_detected_isa(). Returns 0. */
int ak_dense_run(
    const float *input, long rows, long inputs, const float *packed, long outputs, const float *bias,
    float *output, ak_isa isa, int threads);

/* One panel (one AK_DENSE_PANEL-column piece of ak_dense_pack's output,
 * `columns` <= AK_DENSE_PANEL of its lanes wanted, the rest 0) against
 * `rows` input rows, on the calling thread: output[n * output_row + c] =
 * sum_i input[n][i] * panel[i * AK_DENSE_PANEL + c], c < columns. */
void ak_dense_panel(
    const float *input, long rows, long inputs, const float *panel, long columns, float *output, long output_row,
    ak_isa isa);

/* Lanes of a panel for ak_dense_block on `isa`: 16 (portable, AVX2) or
 * AK_DENSE_PANEL (AVX-512). */
long ak_dense_block_width(ak_isa isa);

/* One block of a blocked product, on the calling thread: for r < rows and
 * c < columns (columns <= ak_dense_block_width(isa)),
 *   out[r * out_row + c] (+)= sum_{t < steps} a[r * a_row + t] * panel[t * width + c],
 * added to out's value when accumulate is nonzero, written over it
 * otherwise. panel is [steps][width]; its lanes past columns are read and
 * must be finite. */
void ak_dense_block(
    const float *a, long rows, long a_row, long steps, const float *panel, long columns, float *out, long out_row,
    int accumulate, ak_isa isa);

/* The same, then GELU (the exact, erf form, through a rational erf within
 * 3.7e-7) on every output when gelu is nonzero: y = GELU(x·Wᵀ + b). */
int ak_dense_run_gelu(
    const float *input, long rows, long inputs, const float *packed, long outputs, const float *bias,
    float *output, int gelu, ak_isa isa, int threads);

#endif
