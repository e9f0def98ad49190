#ifndef ATTENTIONKIT_QUANT_TILES_H
#define ATTENTIONKIT_QUANT_TILES_H

/* The per-tile kernels of quant_matmul.c, portable and AVX2.
 *
 * A tile is `outputs` weight rows against `rows` activation rows:
 * output[n * output_stride + o] for n < rows, o < outputs. */

#include <stdint.h>

typedef struct {
  /* Weight row o of the tile starts at weights + o * row_bytes. */
  const uint8_t *weights;
  long row_bytes;
  /* Blocks of 32 per row (integer products) or elements per row (float). */
  long blocks, inputs;
  /* Integer products: the activations of the tile's first row; rows are
   * blocks * 32 bytes (qs) and blocks floats (d, s) apart. */
  const int8_t *qs;
  /* The interleaved layouts' activations: 16 bits, d = max|x| / 32767. */
  const int16_t *qs16;
  const float *d, *s;
  /* Float products: the input rows of the tile, `inputs` floats apart. */
  const float *input;
  long rows, outputs;
  float *output;
  long output_stride;
} quant_tile;

/* An integer product: the whole tile. */
typedef void (*quant_tile_fn)(const quant_tile *tile);

void ak_q8_0_tile_portable(const quant_tile *tile);
void ak_q4_1_tile_portable(const quant_tile *tile);
void ak_q4_K_tile_portable(const quant_tile *tile);
void ak_q6_K_tile_portable(const quant_tile *tile);
void ak_q8_0_tile_avx2(const quant_tile *tile);
void ak_q4_1_tile_avx2(const quant_tile *tile);
void ak_q4_K_tile_avx2(const quant_tile *tile);
void ak_q6_K_tile_avx2(const quant_tile *tile);

/* The interleaved layouts (AK_QUANT_INTERLEAVED8): tile->outputs is a
 * multiple of 8 and tile->weights starts a group; row_bytes is the plain
 * layout's, so that group g starts at weights + 8 * g * row_bytes. */
void ak_q8_0x8_tile_portable(const quant_tile *tile);
void ak_q4_1x8_tile_portable(const quant_tile *tile);
void ak_q8_0x8_tile_avx2(const quant_tile *tile);
void ak_q4_1x8_tile_avx2(const quant_tile *tile);

/* panel[i * panel_width + lane] = W[lane][i] for the `columns` rows (a
 * multiple of 8) of the interleaved Q4_1 (q4_1 nonzero) or Q8_0 groups at
 * `groups`, each row `row_bytes` apart in the plain layout's count. */
void ak_dequantize_panel_avx2(
    int q4_1, const uint8_t *groups, long row_bytes, long columns, long inputs, float *panel, long panel_width);

/* Bytes of a Q4_1 interleaved pair of blocks of 8 rows: 4 x 8 f16 scales, 8 x 32 bytes. */
#define AK_Q4_1X8_PAIR_BYTES (4 * 8 * 2 + 8 * 32)
/* Bytes of a Q8_0 interleaved block of 8 rows: 8 f16 scales, 8 x 32 bytes. */
#define AK_Q8_0X8_BLOCK_BYTES (8 * 2 + 8 * 32)

/* The float product of `count` (<= 4) dequantized weight rows, `inputs`
 * floats apart in `rows_f32`, with every input row of the tile, written to
 * output columns 0..count of the tile. */
void ak_float_rows_portable(const quant_tile *tile, const float *rows_f32, int count);
void ak_float_rows_avx2(const quant_tile *tile, const float *rows_f32, int count);

/* ak_quantize_activations16 on AVX2, bit for bit the same: `blocks` blocks
 * of 32 from x. */
void ak_quantize_blocks16_avx2(const float *x, long blocks, int16_t *qs, float *d, float *s);

/* IEEE half to single, exact (quant_dequantize.c). */
float ak_f16_to_f32(uint16_t half);

/* Scale and minimum j (0..7) of Q4_K and Q5_K, ggml's get_scale_min_k4:
 * six bits each, j < 4 in the low six bits of bytes j and j + 4, j >= 4
 * split between the nibbles of byte j + 4 and the top two bits of bytes
 * j - 4 and j. */
static inline void ak_k4_scale_min(int j, const uint8_t *packed, int *scale, int *min) {
  if (j < 4) {
    *scale = packed[j] & 63;
    *min = packed[j + 4] & 63;
  } else {
    *scale = (packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4);
    *min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
  }
}

#endif
