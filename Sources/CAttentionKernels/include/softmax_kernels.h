#ifndef ATTENTIONKIT_SOFTMAX_KERNELS_H
#define ATTENTIONKIT_SOFTMAX_KERNELS_H

#include <stddef.h>

#include "cpu_features.h"

/* The logit d2l's masked_softmax puts at masked positions. */
#define AK_MASKED_LOGIT (-1e6f)

/* e^x elementwise, with the instruction set `isa` (lowered to what the CPU
 * runs; AK_ISA is not consulted, callers pass ak_detected_isa() for that).
 *
 * Accuracy, against exp in double precision rounded to float, measured over
 * every one of the 2^32 float inputs (`attn bench exp --sweep`), in ulps of
 * the correctly rounded result:
 *   AVX-512F      max 1.013 ulp (at x = 59.306); 1.010 ulp for x <= 0
 *   AVX2 + FMA    max 1.013 ulp (at x = 59.306); 1.010 ulp for x <= 0
 *   portable      max 0.990 ulp (at x = 70.403); 0.982 ulp for x <= 0
 * Subnormal results are rounded once, not flushed; x < -104 gives 0 (the
 * exact result is below half the smallest subnormal), x > 89 gives +inf,
 * -inf gives 0, +inf gives +inf, NaN gives NaN.
 *
 *   input:  (count,)
 *   output: (count,); may be the same memory as input. */
void ak_exp(ak_isa isa, const float *input, float *output, size_t count);

/* Softmax over each row of a (rows, row_length) matrix, each element read
 * from memory once and written once: a max pass over the row, an exp-and-sum
 * pass over the now cache-resident row, and a scaling pass.
 *
 * With valid_lengths, the elements of row r at index >= valid_lengths[r]
 * count as AK_MASKED_LOGIT whatever input holds there (d2l's
 * masked_softmax: a row with valid length 0 becomes uniform).
 *
 * A row holding NaN or +inf, or only -inf, becomes NaN (as in PyTorch).
 *
 * streaming_stores != 0 writes the output with non-temporal stores, which
 * skip reading the output's cache lines from memory first; right for outputs
 * larger than the caches, wrong for small ones read again soon.
 *
 *   input:         (rows, row_length)
 *   output:        (rows, row_length); may be the same memory as input
 *   valid_lengths: (rows,), each in 0...row_length, or NULL */
void ak_softmax_rows(
    ak_isa isa, const float *input, float *output, size_t rows, size_t row_length,
    const ptrdiff_t *valid_lengths, int streaming_stores);

/* Whether this CPU runs `isa`, whatever AK_ISA says. */
int ak_isa_runs_here(ak_isa isa);

/* Asks the kernel to back [start, start + bytes) with transparent huge
 * pages where it can (Linux, madvise mode): a fresh output of tens of MiB
 * then takes one page fault per 2 MiB instead of one per 4 KiB. Does
 * nothing elsewhere or for small buffers. Call before the first write. */
void ak_advise_huge_pages(void *start, size_t bytes);

#endif
