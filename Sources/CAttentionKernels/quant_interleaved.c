/* The interleaved layouts of quant_kernels.h (AK_QUANT_INTERLEAVED8): the
 * copy into them and back, and their portable products on 16-bit
 * activations, which sum each output's blocks in order. */

#include <string.h>

#include "quant_blocks.h"
#include "quant_kernels.h"
#include "quant_tiles.h"

int ak_quant_can_interleave(int type, long outputs, long inputs) {
  if (outputs < 0 || outputs % 8 != 0 || inputs < 0 || inputs % AK_QK != 0) return 0;
  if (type == AK_QTYPE_Q8_0) return 1;
  if (type == AK_QTYPE_Q4_1) return inputs / AK_QK % 2 == 0;
  return 0;
}

/* Element k (0..31) of a Q4_1 block's 4-bit weights. */
static int q4_1_element(const ak_block_q4_1 *block, int k) {
  return k < AK_QK / 2 ? block->qs[k] & 0x0F : block->qs[k - AK_QK / 2] >> 4;
}

static void set_q4_1_element(ak_block_q4_1 *block, int k, int value) {
  uint8_t *byte = &block->qs[k % (AK_QK / 2)];
  *byte = k < AK_QK / 2 ? (uint8_t)((*byte & 0xF0) | value) : (uint8_t)((*byte & 0x0F) | (value << 4));
}

int ak_quant_interleave(int type, const void *source, long outputs, long inputs, void *destination, int forward) {
  if (!ak_quant_can_interleave(type, outputs, inputs)) return -2;
  const long blocks = inputs / AK_QK;
  for (long g = 0; g < outputs / 8; g++) {
    if (type == AK_QTYPE_Q8_0) {
      ak_block_q8_0 *plain = (ak_block_q8_0 *)(forward ? source : destination) + g * 8 * blocks;
      uint8_t *group = (uint8_t *)(forward ? destination : source) + g * 8 * blocks * sizeof(ak_block_q8_0);
      for (long b = 0; b < blocks; b++) {
        uint8_t *at = group + b * AK_Q8_0X8_BLOCK_BYTES;
        for (int r = 0; r < 8; r++) {
          ak_block_q8_0 *block = plain + r * blocks + b;
          if (forward) {
            memcpy(at + 2 * r, &block->d, 2);
            memcpy(at + 16 + 32 * r, block->qs, AK_QK);
          } else {
            memcpy(&block->d, at + 2 * r, 2);
            memcpy(block->qs, at + 16 + 32 * r, AK_QK);
          }
        }
      }
    } else {
      ak_block_q4_1 *plain = (ak_block_q4_1 *)(forward ? source : destination) + g * 8 * blocks;
      uint8_t *group = (uint8_t *)(forward ? destination : source) + g * 8 * blocks * sizeof(ak_block_q4_1);
      for (long p = 0; p < blocks / 2; p++) {
        uint8_t *at = group + p * AK_Q4_1X8_PAIR_BYTES;
        for (int r = 0; r < 8; r++) {
          ak_block_q4_1 *even = plain + r * blocks + 2 * p, *odd = even + 1;
          uint8_t *bytes = at + 64 + 32 * r;
          if (forward) {
            memcpy(at + 2 * r, &even->d, 2);
            memcpy(at + 16 + 2 * r, &even->m, 2);
            memcpy(at + 32 + 2 * r, &odd->d, 2);
            memcpy(at + 48 + 2 * r, &odd->m, 2);
            for (int k = 0; k < AK_QK; k++) {
              bytes[k] = (uint8_t)(q4_1_element(even, k) | (q4_1_element(odd, k) << 4));
            }
          } else {
            memcpy(&even->d, at + 2 * r, 2);
            memcpy(&even->m, at + 16 + 2 * r, 2);
            memcpy(&odd->d, at + 32 + 2 * r, 2);
            memcpy(&odd->m, at + 48 + 2 * r, 2);
            for (int k = 0; k < AK_QK; k++) {
              set_q4_1_element(even, k, bytes[k] & 0x0F);
              set_q4_1_element(odd, k, bytes[k] >> 4);
            }
          }
        }
      }
    }
  }
  return 0;
}

static float half_at(const uint8_t *at) {
  ak_f16 half;
  memcpy(&half, at, 2);
  return ak_f16_to_f32(half);
}

void ak_q8_0x8_tile_portable(const quant_tile *tile) {
  const long blocks = tile->blocks;
  for (long g = 0; g < tile->outputs / 8; g++) {
    const uint8_t *group = tile->weights + g * 8 * tile->row_bytes;
    for (long n = 0; n < tile->rows; n++) {
      const int16_t *x = tile->qs16 + n * blocks * AK_QK;
      const float *d = tile->d + n * blocks;
      for (int r = 0; r < 8; r++) {
        float sum = 0.0f;
        for (long b = 0; b < blocks; b++) {
          const uint8_t *at = group + b * AK_Q8_0X8_BLOCK_BYTES;
          const int8_t *w = (const int8_t *)(at + 16 + 32 * r);
          int dot = 0;
          for (int j = 0; j < AK_QK; j++) dot += w[j] * x[b * AK_QK + AK_Q16_SLOT(j)];
          sum += half_at(at + 2 * r) * d[b] * (float)dot;
        }
        tile->output[n * tile->output_stride + 8 * g + r] = sum;
      }
    }
  }
}

void ak_q4_1x8_tile_portable(const quant_tile *tile) {
  const long blocks = tile->blocks;
  for (long g = 0; g < tile->outputs / 8; g++) {
    const uint8_t *group = tile->weights + g * 8 * tile->row_bytes;
    for (long n = 0; n < tile->rows; n++) {
      const int16_t *x = tile->qs16 + n * blocks * AK_QK;
      const float *d = tile->d + n * blocks, *s = tile->s + n * blocks;
      for (int r = 0; r < 8; r++) {
        float sum = 0.0f;
        for (long b = 0; b < blocks; b++) {
          const uint8_t *at = group + b / 2 * AK_Q4_1X8_PAIR_BYTES;
          const uint8_t *bytes = at + 64 + 32 * r;
          const int shift = 4 * (int)(b % 2);
          int dot = 0;
          for (int j = 0; j < AK_QK; j++) dot += ((bytes[j] >> shift) & 0x0F) * x[b * AK_QK + AK_Q16_SLOT(j)];
          const uint8_t *scales = at + 32 * (b % 2);
          sum += half_at(scales + 2 * r) * d[b] * (float)dot + half_at(scales + 16 + 2 * r) * s[b];
        }
        tile->output[n * tile->output_stride + 8 * g + r] = sum;
      }
    }
  }
}

#if !(defined(__x86_64__) || defined(__i386__))
void ak_q8_0x8_tile_avx2(const quant_tile *tile) { ak_q8_0x8_tile_portable(tile); }
void ak_q4_1x8_tile_avx2(const quant_tile *tile) { ak_q4_1x8_tile_portable(tile); }
/* Never chosen off x86 (use_avx2 is 0); defined so that the table links. */
void ak_dequantize_panel_avx2(
    int q4_1, const uint8_t *groups, long row_bytes, long columns, long inputs, float *panel, long panel_width) {
  (void)q4_1, (void)groups, (void)row_bytes, (void)columns, (void)inputs, (void)panel, (void)panel_width;
}
#endif
