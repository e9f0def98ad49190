/* Dequantization of GGUF's tensor types, each written once and plainly as
 * ggml's dequantize_row_* computes it: the same float operations in the
 * same order, so that the values are bit for bit ggml's (and those of the
 * gguf Python package's numpy code, which does the same operations).
 *
 * Floating-point contraction is off in this file: a fused x*d + m rounds
 * once where ggml's (and numpy's) two operations round twice. */

#include <string.h>

#include "quant_blocks.h"
#include "quant_tiles.h"

#pragma STDC FP_CONTRACT OFF

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the block fields are read as little-endian, which GGUF stores"
#endif

/* IEEE half to single, exactly: subnormals become normal floats, infinities
 * stay infinite and a NaN keeps its sign and payload (numpy's conversion). */
float ak_f16_to_f32(ak_f16 half) {
  uint32_t sign = (uint32_t)(half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1Fu, mantissa = half & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else {
    /* mantissa · 2⁻²⁴, exact: a 10-bit integer times a power of two. */
    float magnitude = (float)mantissa * 0x1p-24f;
    memcpy(&bits, &magnitude, sizeof bits);
    bits |= sign;
  }
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static inline float bf16_to_f32(uint16_t brain) {
  uint32_t bits = (uint32_t)brain << 16;
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

long ak_qtype_block_elements(int type) {
  switch (type) {
    case AK_QTYPE_F32:
    case AK_QTYPE_F16:
    case AK_QTYPE_BF16: return 1;
    case AK_QTYPE_Q4_0:
    case AK_QTYPE_Q4_1:
    case AK_QTYPE_Q5_0:
    case AK_QTYPE_Q5_1:
    case AK_QTYPE_Q8_0:
    case AK_QTYPE_Q8_1: return AK_QK;
    case AK_QTYPE_Q2_K:
    case AK_QTYPE_Q3_K:
    case AK_QTYPE_Q4_K:
    case AK_QTYPE_Q5_K:
    case AK_QTYPE_Q6_K:
    case AK_QTYPE_Q8_K: return AK_QK_K;
    default: return 0;
  }
}

long ak_qtype_block_bytes(int type) {
  switch (type) {
    case AK_QTYPE_F32: return 4;
    case AK_QTYPE_F16:
    case AK_QTYPE_BF16: return 2;
    case AK_QTYPE_Q4_0: return sizeof(ak_block_q4_0);
    case AK_QTYPE_Q4_1: return sizeof(ak_block_q4_1);
    case AK_QTYPE_Q5_0: return sizeof(ak_block_q5_0);
    case AK_QTYPE_Q5_1: return sizeof(ak_block_q5_1);
    case AK_QTYPE_Q8_0: return sizeof(ak_block_q8_0);
    case AK_QTYPE_Q8_1: return sizeof(ak_block_q8_1);
    case AK_QTYPE_Q2_K: return sizeof(ak_block_q2_K);
    case AK_QTYPE_Q3_K: return sizeof(ak_block_q3_K);
    case AK_QTYPE_Q4_K: return sizeof(ak_block_q4_K);
    case AK_QTYPE_Q5_K: return sizeof(ak_block_q5_K);
    case AK_QTYPE_Q6_K: return sizeof(ak_block_q6_K);
    case AK_QTYPE_Q8_K: return sizeof(ak_block_q8_K);
    default: return 0;
  }
}

/* Each of these writes the AK_QK or AK_QK_K values of one block. */

static void dequantize_q4_0(const ak_block_q4_0 *block, float *y) {
  float d = ak_f16_to_f32(block->d);
  for (int j = 0; j < AK_QK / 2; j++) {
    int low = (block->qs[j] & 0x0F) - 8, high = (block->qs[j] >> 4) - 8;
    y[j] = low * d;
    y[j + AK_QK / 2] = high * d;
  }
}

static void dequantize_q4_1(const ak_block_q4_1 *block, float *y) {
  float d = ak_f16_to_f32(block->d), m = ak_f16_to_f32(block->m);
  for (int j = 0; j < AK_QK / 2; j++) {
    int low = block->qs[j] & 0x0F, high = block->qs[j] >> 4;
    y[j] = low * d + m;
    y[j + AK_QK / 2] = high * d + m;
  }
}

static void dequantize_q5_0(const ak_block_q5_0 *block, float *y) {
  float d = ak_f16_to_f32(block->d);
  uint32_t qh;
  memcpy(&qh, block->qh, sizeof qh);
  for (int j = 0; j < AK_QK / 2; j++) {
    int fifth_low = ((qh >> j) << 4) & 0x10, fifth_high = (qh >> (j + 12)) & 0x10;
    int low = ((block->qs[j] & 0x0F) | fifth_low) - 16, high = ((block->qs[j] >> 4) | fifth_high) - 16;
    y[j] = low * d;
    y[j + AK_QK / 2] = high * d;
  }
}

static void dequantize_q5_1(const ak_block_q5_1 *block, float *y) {
  float d = ak_f16_to_f32(block->d), m = ak_f16_to_f32(block->m);
  uint32_t qh;
  memcpy(&qh, block->qh, sizeof qh);
  for (int j = 0; j < AK_QK / 2; j++) {
    int fifth_low = ((qh >> j) << 4) & 0x10, fifth_high = (qh >> (j + 12)) & 0x10;
    int low = (block->qs[j] & 0x0F) | fifth_low, high = (block->qs[j] >> 4) | fifth_high;
    y[j] = low * d + m;
    y[j + AK_QK / 2] = high * d + m;
  }
}

static void dequantize_q8_0(const ak_block_q8_0 *block, float *y) {
  float d = ak_f16_to_f32(block->d);
  for (int j = 0; j < AK_QK; j++) y[j] = block->qs[j] * d;
}

/* The sum field s is redundant for the values. */
static void dequantize_q8_1(const ak_block_q8_1 *block, float *y) {
  float d = ak_f16_to_f32(block->d);
  for (int j = 0; j < AK_QK; j++) y[j] = block->qs[j] * d;
}

/* Groups of 16 in the order 0..15: group g's values are bits 2·(g/2 % 4)
 * of qs[32·(g/8) + 16·(g % 2) + l]. */
static void dequantize_q2_K(const ak_block_q2_K *block, float *y) {
  float d = ak_f16_to_f32(block->d), min = ak_f16_to_f32(block->dmin);
  const uint8_t *q = block->qs;
  int group = 0;
  for (int half = 0; half < AK_QK_K; half += 128, q += 32) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int part = 0; part < 2; part++) {
        uint8_t scale = block->scales[group++];
        float dl = d * (scale & 0xF), ml = min * (scale >> 4);
        for (int l = 0; l < 16; l++) *y++ = dl * ((int8_t)((q[16 * part + l] >> shift) & 3)) - ml;
      }
    }
  }
}

/* The 16 six-bit scales: low four bits in the nibbles of scales[0..7]
 * (0..7 low nibbles, 8..15 high), high two bits in the bit pairs of
 * scales[8..11] (scale s in bits 2·(s / 4) of byte 8 + s % 4). */
static void q3_K_scales(const uint8_t packed[12], int scales[16]) {
  for (int s = 0; s < 16; s++) {
    int low = (packed[s % 8] >> (4 * (s / 8))) & 0x0F;
    int high = (packed[8 + s % 4] >> (2 * (s / 4))) & 0x03;
    scales[s] = (low | (high << 4)) - 32;
  }
}

static void dequantize_q3_K(const ak_block_q3_K *block, float *y) {
  float d_all = ak_f16_to_f32(block->d);
  int scales[16];
  q3_K_scales(block->scales, scales);
  const uint8_t *q = block->qs, *hmask = block->hmask;
  uint8_t mask = 1;
  int group = 0;
  for (int half = 0; half < AK_QK_K; half += 128, q += 32) {
    for (int shift = 0; shift < 8; shift += 2, mask <<= 1) {
      for (int part = 0; part < 2; part++) {
        float dl = d_all * scales[group++];
        for (int l = 0; l < 16; l++) {
          int index = 16 * part + l;
          int value = (int8_t)((q[index] >> shift) & 3) - ((hmask[index] & mask) ? 0 : 4);
          *y++ = dl * value;
        }
      }
    }
  }
}

static void dequantize_q4_K(const ak_block_q4_K *block, float *y) {
  float d = ak_f16_to_f32(block->d), min = ak_f16_to_f32(block->dmin);
  const uint8_t *q = block->qs;
  for (int j = 0; j < AK_QK_K / 64; j++, q += 32) {
    int scale, minimum;
    ak_k4_scale_min(2 * j, block->scales, &scale, &minimum);
    float d1 = d * scale, m1 = min * minimum;
    ak_k4_scale_min(2 * j + 1, block->scales, &scale, &minimum);
    float d2 = d * scale, m2 = min * minimum;
    for (int l = 0; l < 32; l++) *y++ = d1 * (q[l] & 0xF) - m1;
    for (int l = 0; l < 32; l++) *y++ = d2 * (q[l] >> 4) - m2;
  }
}

static void dequantize_q5_K(const ak_block_q5_K *block, float *y) {
  float d = ak_f16_to_f32(block->d), min = ak_f16_to_f32(block->dmin);
  const uint8_t *ql = block->qs, *qh = block->qh;
  uint8_t bit_low = 1, bit_high = 2;
  for (int j = 0; j < AK_QK_K / 64; j++, ql += 32, bit_low <<= 2, bit_high <<= 2) {
    int scale, minimum;
    ak_k4_scale_min(2 * j, block->scales, &scale, &minimum);
    float d1 = d * scale, m1 = min * minimum;
    ak_k4_scale_min(2 * j + 1, block->scales, &scale, &minimum);
    float d2 = d * scale, m2 = min * minimum;
    for (int l = 0; l < 32; l++) *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & bit_low ? 16 : 0)) - m1;
    for (int l = 0; l < 32; l++) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & bit_high ? 16 : 0)) - m2;
  }
}

static void dequantize_q6_K(const ak_block_q6_K *block, float *y) {
  float d = ak_f16_to_f32(block->d);
  const uint8_t *ql = block->ql, *qh = block->qh;
  const int8_t *sc = block->scales;
  for (int half = 0; half < AK_QK_K; half += 128, y += 128, ql += 64, qh += 32, sc += 8) {
    for (int l = 0; l < 32; l++) {
      int is = l / 16;
      int q1 = (int8_t)((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      int q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      int q3 = (int8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      int q4 = (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      /* (d · scale) · q, left to right, as ggml writes d * sc[is] * q1. */
      y[l] = d * sc[is] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
  }
}

static void dequantize_q8_K(const ak_block_q8_K *block, float *y) {
  for (int j = 0; j < AK_QK_K; j++) y[j] = block->d * block->qs[j];
}

int ak_dequantize(int type, const void *blocks, float *output, long count) {
  long elements = ak_qtype_block_elements(type);
  if (elements == 0 || count < 0 || count % elements != 0) return -1;
  long block_count = count / elements;
  const uint8_t *bytes = blocks;
  switch (type) {
    case AK_QTYPE_F32: memcpy(output, blocks, (size_t)count * sizeof(float)); return 0;
    case AK_QTYPE_F16:
      for (long i = 0; i < count; i++) {
        ak_f16 half;
        memcpy(&half, bytes + 2 * i, sizeof half);
        output[i] = ak_f16_to_f32(half);
      }
      return 0;
    case AK_QTYPE_BF16:
      for (long i = 0; i < count; i++) {
        uint16_t brain;
        memcpy(&brain, bytes + 2 * i, sizeof brain);
        output[i] = bf16_to_f32(brain);
      }
      return 0;
    default: break;
  }
#define EACH_BLOCK(block_type, function)                                                   \
  for (long b = 0; b < block_count; b++) function((const block_type *)blocks + b, output + b * elements); \
  return 0
  switch (type) {
    case AK_QTYPE_Q4_0: EACH_BLOCK(ak_block_q4_0, dequantize_q4_0);
    case AK_QTYPE_Q4_1: EACH_BLOCK(ak_block_q4_1, dequantize_q4_1);
    case AK_QTYPE_Q5_0: EACH_BLOCK(ak_block_q5_0, dequantize_q5_0);
    case AK_QTYPE_Q5_1: EACH_BLOCK(ak_block_q5_1, dequantize_q5_1);
    case AK_QTYPE_Q8_0: EACH_BLOCK(ak_block_q8_0, dequantize_q8_0);
    case AK_QTYPE_Q8_1: EACH_BLOCK(ak_block_q8_1, dequantize_q8_1);
    case AK_QTYPE_Q2_K: EACH_BLOCK(ak_block_q2_K, dequantize_q2_K);
    case AK_QTYPE_Q3_K: EACH_BLOCK(ak_block_q3_K, dequantize_q3_K);
    case AK_QTYPE_Q4_K: EACH_BLOCK(ak_block_q4_K, dequantize_q4_K);
    case AK_QTYPE_Q5_K: EACH_BLOCK(ak_block_q5_K, dequantize_q5_K);
    case AK_QTYPE_Q6_K: EACH_BLOCK(ak_block_q6_K, dequantize_q6_K);
    case AK_QTYPE_Q8_K: EACH_BLOCK(ak_block_q8_K, dequantize_q8_K);
    default: return -1;
  }
#undef EACH_BLOCK
}
