#ifndef ATTENTIONKIT_QUANT_BLOCKS_H
#define ATTENTIONKIT_QUANT_BLOCKS_H

/* The tensor types of GGUF files (ggml's numbering, which GGUF stores) and
 * the byte layout of their quantized blocks, as ggml defines them. A row of
 * a quantized matrix is a run of whole blocks; element k of a row lives in
 * block k / AK_QK (or AK_QK_K) of it.
 *
 * Every multi-byte field is little-endian, as GGUF files are; f16 fields
 * are IEEE half-precision bit patterns. */

#include <stddef.h>
#include <stdint.h>

typedef enum {
  AK_QTYPE_F32 = 0,
  AK_QTYPE_F16 = 1,
  AK_QTYPE_Q4_0 = 2,
  AK_QTYPE_Q4_1 = 3,
  AK_QTYPE_Q5_0 = 6,
  AK_QTYPE_Q5_1 = 7,
  AK_QTYPE_Q8_0 = 8,
  AK_QTYPE_Q8_1 = 9,
  AK_QTYPE_Q2_K = 10,
  AK_QTYPE_Q3_K = 11,
  AK_QTYPE_Q4_K = 12,
  AK_QTYPE_Q5_K = 13,
  AK_QTYPE_Q6_K = 14,
  AK_QTYPE_Q8_K = 15,
  AK_QTYPE_BF16 = 30,
} ak_qtype;

/* Elements per block of the 32-element formats and of the k-quants. */
#define AK_QK 32
#define AK_QK_K 256
/* The k-quants' 6-bit scale and minimum pairs, packed into 12 bytes. */
#define AK_K_SCALE_SIZE 12

typedef uint16_t ak_f16;

/* x = d * (q - 8), q the 4-bit value; elements 0..15 in the low nibbles of
 * qs, 16..31 in the high nibbles. */
typedef struct { ak_f16 d; uint8_t qs[AK_QK / 2]; } ak_block_q4_0;
/* x = d * q + m. */
typedef struct { ak_f16 d; ak_f16 m; uint8_t qs[AK_QK / 2]; } ak_block_q4_1;
/* x = d * (q - 16), the fifth bit of element j in bit j of qh. */
typedef struct { ak_f16 d; uint8_t qh[4]; uint8_t qs[AK_QK / 2]; } ak_block_q5_0;
/* x = d * q + m. */
typedef struct { ak_f16 d; ak_f16 m; uint8_t qh[4]; uint8_t qs[AK_QK / 2]; } ak_block_q5_1;
/* x = d * q. */
typedef struct { ak_f16 d; int8_t qs[AK_QK]; } ak_block_q8_0;
/* x = d * q, with s = d * sum(q): the activations of products with Q4_1 and Q5_1. */
typedef struct { ak_f16 d; ak_f16 s; int8_t qs[AK_QK]; } ak_block_q8_1;
/* 16 groups of 16: 4-bit scale and 4-bit minimum per group, 2-bit values. */
typedef struct { uint8_t scales[AK_QK_K / 16]; uint8_t qs[AK_QK_K / 4]; ak_f16 d; ak_f16 dmin; } ak_block_q2_K;
/* 16 groups of 16: 6-bit scales, 2 low bits in qs and the high bit in hmask. */
typedef struct { uint8_t hmask[AK_QK_K / 8]; uint8_t qs[AK_QK_K / 4]; uint8_t scales[12]; ak_f16 d; } ak_block_q3_K;
/* 8 groups of 32: 6-bit scale and minimum per group, 4-bit values. */
typedef struct { ak_f16 d; ak_f16 dmin; uint8_t scales[AK_K_SCALE_SIZE]; uint8_t qs[AK_QK_K / 2]; } ak_block_q4_K;
/* As Q4_K with a fifth bit per value in qh. */
typedef struct {
  ak_f16 d; ak_f16 dmin; uint8_t scales[AK_K_SCALE_SIZE]; uint8_t qh[AK_QK_K / 8]; uint8_t qs[AK_QK_K / 2];
} ak_block_q5_K;
/* 16 groups of 16: signed 8-bit scales, 6-bit values (4 low bits in ql, 2 high in qh), x = d * scale * (q - 32). */
typedef struct { uint8_t ql[AK_QK_K / 2]; uint8_t qh[AK_QK_K / 4]; int8_t scales[AK_QK_K / 16]; ak_f16 d; } ak_block_q6_K;
/* The activations of products with the k-quants: float scale, sums of each 16 values. */
typedef struct { float d; int8_t qs[AK_QK_K]; int16_t bsums[AK_QK_K / 16]; } ak_block_q8_K;

_Static_assert(sizeof(ak_block_q4_0) == 18, "Q4_0 block");
_Static_assert(sizeof(ak_block_q4_1) == 20, "Q4_1 block");
_Static_assert(sizeof(ak_block_q5_0) == 22, "Q5_0 block");
_Static_assert(sizeof(ak_block_q5_1) == 24, "Q5_1 block");
_Static_assert(sizeof(ak_block_q8_0) == 34, "Q8_0 block");
_Static_assert(sizeof(ak_block_q8_1) == 36, "Q8_1 block");
_Static_assert(sizeof(ak_block_q2_K) == 84, "Q2_K block");
_Static_assert(sizeof(ak_block_q3_K) == 110, "Q3_K block");
_Static_assert(sizeof(ak_block_q4_K) == 144, "Q4_K block");
_Static_assert(sizeof(ak_block_q5_K) == 176, "Q5_K block");
_Static_assert(sizeof(ak_block_q6_K) == 210, "Q6_K block");
_Static_assert(sizeof(ak_block_q8_K) == 292, "Q8_K block");

/* Elements per block of `type` (1 for F32, F16, BF16), or 0 for a type
 * not listed above. */
long ak_qtype_block_elements(int type);

/* Bytes per block of `type`, or 0 for a type not listed above. */
long ak_qtype_block_bytes(int type);

/* Writes the `count` float32 values of the blocks at `blocks`, exactly as
 * ggml's dequantization gives them (F16 exactly too: subnormals, infinities,
 * NaN payloads). `blocks` is aligned as its block struct (2 bytes, Q8_K 4).
 * Returns 0, or -1 for a type it does not read (Q8_1 and Q8_K are
 * activation formats and are read too) or a `count` that is not a multiple
 * of ak_qtype_block_elements(type). */
int ak_dequantize(int type, const void *blocks, float *output, long count);

#endif
