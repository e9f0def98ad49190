/* ak_quant_matmul: the activation rows are quantized once (in parallel,
 * for the integer products), then a work item is a tile of OUTPUT_CHUNK
 * weight rows against ROW_CHUNK activation rows, taken from a counter by
 * the pool's threads. A tile's activations (ROW_CHUNK · I bytes and two
 * floats a block) stay in L2 while its weight rows stream through once per
 * ROW_CHUNK rows; the kernels decode each weight block once for a strip of
 * activation rows. Types without an integer product dequantize up to 4
 * weight rows of a tile at a time into a per-thread buffer and multiply
 * them in float32 with the float input rows. */

#include "quant_kernels.h"

#include "dense_kernels.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quant_blocks.h"
#include "quant_tiles.h"
#include "worker_pool.h"

#define ROW_CHUNK 64
#define OUTPUT_CHUNK 64
#define ALIGN 64
/* Weight rows a float-product thread dequantizes at a time. */
#define FLOAT_ROWS 4

/* The integer products, by weight type: a new one is a row here. */
static const struct {
  int type;
  quant_tile_fn portable, avx2;
} integer_products[] = {
    {AK_QTYPE_Q8_0, ak_q8_0_tile_portable, ak_q8_0_tile_avx2},
    {AK_QTYPE_Q4_1, ak_q4_1_tile_portable, ak_q4_1_tile_avx2},
    {AK_QTYPE_Q4_K, ak_q4_K_tile_portable, ak_q4_K_tile_avx2},
    {AK_QTYPE_Q6_K, ak_q6_K_tile_portable, ak_q6_K_tile_avx2},
    {AK_QTYPE_Q8_0 | AK_QUANT_INTERLEAVED8, ak_q8_0x8_tile_portable, ak_q8_0x8_tile_avx2},
    {AK_QTYPE_Q4_1 | AK_QUANT_INTERLEAVED8, ak_q4_1x8_tile_portable, ak_q4_1x8_tile_avx2},
};

static int integer_product(int type) {
  for (int k = 0; k < (int)(sizeof integer_products / sizeof integer_products[0]); k++) {
    if (integer_products[k].type == type) return k;
  }
  return -1;
}

int ak_quant_has_integer_product(int type) { return integer_product(type) >= 0; }

static long round_up(long bytes) { return (bytes + ALIGN - 1) / ALIGN * ALIGN; }

/* Sizes of the scratch parts: activations qs, d, s (integer products) or
 * per-thread float rows; -1 on overflow or a bad shape. */
static long scratch_parts(int type, long inputs, long rows, int threads, long *qs_bytes, long *scale_bytes) {
  /* An interleaved type without an integer product is no type. */
  if ((type & AK_QUANT_INTERLEAVED8) && integer_product(type) < 0) return -1;
  long elements = ak_qtype_block_elements(type & ~AK_QUANT_INTERLEAVED8);
  if (elements == 0 || inputs < 0 || rows < 0 || inputs % elements != 0) return -1;
  long product;
  if (integer_product(type) >= 0) {
    if (__builtin_mul_overflow(rows, inputs, &product) || product > (LONG_MAX / 4)) return -1;
    /* The interleaved layouts read 16-bit activations. */
    *qs_bytes = round_up((type & AK_QUANT_INTERLEAVED8) ? 2 * product : product);
    *scale_bytes = round_up(product / AK_QK * (long)sizeof(float));
    return *qs_bytes + 2 * *scale_bytes;
  }
  if (threads < 1) threads = 1;
  if (__builtin_mul_overflow(inputs, (long)(FLOAT_ROWS * sizeof(float)), &product)) return -1;
  *qs_bytes = round_up(product);
  *scale_bytes = 0;
  if (__builtin_mul_overflow(*qs_bytes, (long)threads, &product)) return -1;
  return product;
}

long ak_quant_scratch_bytes(int type, long outputs, long inputs, long rows, int threads) {
  (void)outputs;
  long qs_bytes, scale_bytes;
  return scratch_parts(type, inputs, rows, threads, &qs_bytes, &scale_bytes);
}

/* One block of 32: d = max|x| / 127, q = x / d rounded to nearest even
 * (as the AVX2 conversion rounds), s = d · sum q. */
static void quantize_block(const float *x, int8_t *qs, float *d, float *s) {
  float amax = 0.0f;
  for (int j = 0; j < AK_QK; j++) amax = fmaxf(amax, fabsf(x[j]));
  float scale = amax / 127.0f;
  float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
  int sum = 0;
  for (int j = 0; j < AK_QK; j++) {
    int q = (int)lrintf(x[j] * inverse);
    qs[j] = (int8_t)q;
    sum += q;
  }
  *d = scale;
  *s = scale * (float)sum;
}

void ak_quantize_activations(const float *input, long rows, long inputs, signed char *qs, float *d, float *s) {
  long blocks = inputs / AK_QK;
  for (long b = 0; b < rows * blocks; b++) {
    quantize_block(input + b * AK_QK, (int8_t *)qs + b * AK_QK, d + b, s + b);
  }
}

/* The same with 16 bits: d = max|x| / 32767. */
static void quantize_block16(const float *x, int16_t *qs, float *d, float *s) {
  float amax = 0.0f;
  for (int j = 0; j < AK_QK; j++) amax = fmaxf(amax, fabsf(x[j]));
  float scale = amax / 32767.0f;
  float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
  /* Adding and taking off 1.5 · 2^23 rounds to nearest even, as lrintf
   * does, for |v| < 2^22, without a library call per element. The product
   * is its own statement, so that it is rounded before the sum (no FMA). */
  const float magic = 12582912.0f;
  int sum = 0;
  for (int j = 0; j < AK_QK; j++) {
    float scaled = x[j] * inverse;
    int q = (int)((scaled + magic) - magic);
    /* x · (1/d) may round past 32767 by an ulp; the largest stays 32767. */
    if (q > 32767) q = 32767;
    if (q < -32767) q = -32767;
    qs[AK_Q16_SLOT(j)] = (int16_t)q;
    sum += q;
  }
  *d = scale;
  *s = scale * (float)sum;
}

void ak_quantize_activations16(
    const float *input, long rows, long inputs, short *qs, float *d, float *s, ak_isa isa) {
  long blocks = inputs / AK_QK;
#if defined(__x86_64__) || defined(__i386__)
  if (isa >= AK_ISA_AVX2_FMA && isa <= ak_detected_isa()) {
    ak_quantize_blocks16_avx2(input, rows * blocks, (int16_t *)qs, d, s);
    return;
  }
#endif
  (void)isa;
  for (long b = 0; b < rows * blocks; b++) {
    quantize_block16(input + b * AK_QK, (int16_t *)qs + b * AK_QK, d + b, s + b);
  }
}

typedef struct {
  int type;
  quant_tile_fn tile_fn; /* NULL: the float product */
  int avx2;
  const ak_quant_part *parts;
  int part_count;
  /* first_chunk[p]: the first output chunk of part p in the item order;
   * first_chunk[part_count] = output_chunks. */
  long first_chunk[AK_QUANT_MAX_PARTS + 1];
  long row_bytes, inputs, rows, blocks;
  const float *input;
  int8_t *qs;
  int16_t *qs16; /* the interleaved layouts' activations, in place of qs */
  float *d, *s;
  float *float_rows; /* per thread: FLOAT_ROWS · I floats, float_stride bytes apart */
  long float_stride;
  long output_chunk, output_chunks, row_chunks, item_count;
  /* The counters the threads take from, each on its own cache line: a
   * taken item then does not evict the fields every thread reads. */
  _Alignas(64) long next_item;
  _Alignas(64) long next_slot;
  char pad[56];
} quant_job;

static int quantize_work(void *context) {
  quant_job *job = context;
  for (;;) {
    long chunk = __atomic_fetch_add(&job->next_item, 1, __ATOMIC_RELAXED);
    long first = chunk * ROW_CHUNK;
    if (first >= job->rows) return 0;
    long count = job->rows - first < ROW_CHUNK ? job->rows - first : ROW_CHUNK;
    if (job->qs16 != NULL) {
      ak_quantize_activations16(
          job->input + first * job->inputs, count, job->inputs, job->qs16 + first * job->inputs,
          job->d + first * job->blocks, job->s + first * job->blocks, job->avx2 ? AK_ISA_AVX2_FMA : AK_ISA_PORTABLE);
      continue;
    }
    ak_quantize_activations(
        job->input + first * job->inputs, count, job->inputs, (signed char *)job->qs + first * job->inputs,
        job->d + first * job->blocks, job->s + first * job->blocks);
  }
}

static void float_tile(quant_job *job, quant_tile *tile, float *rows_f32) {
  long total = tile->outputs;
  for (long first = 0; first < total; first += FLOAT_ROWS) {
    int count = total - first < FLOAT_ROWS ? (int)(total - first) : FLOAT_ROWS;
    for (int r = 0; r < count; r++) {
      ak_dequantize(
          job->type, tile->weights + (first + r) * job->row_bytes, rows_f32 + r * job->inputs, job->inputs);
    }
    quant_tile part = *tile;
    part.output = tile->output + first;
    if (job->avx2) ak_float_rows_avx2(&part, rows_f32, count);
    else ak_float_rows_portable(&part, rows_f32, count);
  }
}

static int product_work(void *context) {
  quant_job *job = context;
  float *rows_f32 = NULL;
  if (job->tile_fn == NULL) {
    long slot = __atomic_fetch_add(&job->next_slot, 1, __ATOMIC_RELAXED);
    rows_f32 = (float *)((char *)job->float_rows + slot * job->float_stride);
  }
  for (;;) {
    long item = __atomic_fetch_add(&job->next_item, 1, __ATOMIC_RELAXED);
    if (item >= job->item_count) return 0;
    /* Output chunks vary fastest, so that the threads share a row chunk's
     * activations in the last-level cache. */
    long chunk = item % job->output_chunks;
    int p = 0;
    while (chunk >= job->first_chunk[p + 1]) p++;
    const ak_quant_part *part = &job->parts[p];
    long first_output = (chunk - job->first_chunk[p]) * job->output_chunk;
    long first_row = item / job->output_chunks * ROW_CHUNK;
    quant_tile tile = {
        .weights = (const uint8_t *)part->weights + first_output * job->row_bytes,
        .row_bytes = job->row_bytes,
        .blocks = job->blocks,
        .inputs = job->inputs,
        .rows = job->rows - first_row < ROW_CHUNK ? job->rows - first_row : ROW_CHUNK,
        .outputs = part->outputs - first_output < job->output_chunk ? part->outputs - first_output : job->output_chunk,
        .output = part->output + first_row * part->outputs + first_output,
        .output_stride = part->outputs,
    };
    if (job->tile_fn != NULL) {
      if (job->qs16 != NULL) tile.qs16 = job->qs16 + first_row * job->inputs;
      else tile.qs = job->qs + first_row * job->inputs;
      tile.d = job->d + first_row * job->blocks;
      tile.s = job->s + first_row * job->blocks;
      job->tile_fn(&tile);
    } else {
      tile.input = job->input + first_row * job->inputs;
      float_tile(job, &tile, rows_f32);
    }
  }
}

/* AVX2 needs F16C too for the kernels' scales; every AVX2 CPU has it. */
static int use_avx2(ak_isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  return isa >= AK_ISA_AVX2_FMA && __builtin_cpu_supports("f16c");
#else
  (void)isa;
  return 0;
#endif
}

/* The interleaved layouts' products with AK_QUANT_DENSE_ROWS activation
 * rows or more, blocked as a float32 GEMM: a work item is one block width
 * of outputs (ak_dense_block_width: 16 on AVX2, where an item costs the
 * same per weight however wide, and narrow ones leave the last thread
 * little to finish alone) of one part against a chunk of activation rows.
 * Along the contraction, DENSE_STEPS inputs at a time, the item dequantizes
 * its weights into a per-thread panel ([step][lane], 12 KiB on AVX2, 48 KiB
 * on AVX-512), and ak_dense_block runs every strip of its rows over it
 * while it is in L1; the rows' slice of the activations (at most
 * DENSE_ITEM_ROWS x DENSE_STEPS floats) stays in L2. The first block of
 * steps writes the outputs, the others add to them. Each weight is
 * dequantized once per chunk of rows. */
/* A multiple of 64, so that a block starts on a pair of Q4_1 blocks. */
#define DENSE_STEPS 192
#define DENSE_ITEM_ROWS 256
typedef struct {
  int type; /* the plain type, without the layout flag */
  const ak_quant_part *parts;
  int part_count;
  long first_unit[AK_QUANT_MAX_PARTS + 1]; /* items of one block width of outputs before each part */
  long row_bytes, inputs, rows, item_rows, row_chunks;
  const float *input;
  ak_isa isa;
  _Alignas(64) long next_item; /* on its own cache line, as quant_job's */
  char pad[56];
} dense_quant_job;

static float half_at(const uint8_t *at) {
  ak_f16 half;
  memcpy(&half, at, 2);
  return ak_f16_to_f32(half);
}

/* panel[i * width + lane] = W[lane][i] for i < inputs and the `columns`
 * rows (a multiple of 8) of the interleaved groups at `groups`, whose rows
 * are row_bytes long; `groups` may point into the rows at a whole block
 * (Q8_0) or pair of blocks (Q4_1). */
static void dequantize_panel(
    int type, const uint8_t *groups, long row_bytes, long columns, long inputs, float *panel, long width, int avx2) {
  const long blocks = inputs / AK_QK;
  if (avx2) {
    ak_dequantize_panel_avx2(type == AK_QTYPE_Q4_1, groups, row_bytes, columns, inputs, panel, width);
    return;
  }
  for (long g = 0; g < columns / 8; g++) {
    const uint8_t *group = groups + g * 8 * row_bytes;
    for (long b = 0; b < blocks; b++) {
      float d[8], m[8];
      const uint8_t *bytes;
      int shift = 0;
      if (type == AK_QTYPE_Q8_0) {
        const uint8_t *at = group + b * AK_Q8_0X8_BLOCK_BYTES;
        for (int r = 0; r < 8; r++) {
          d[r] = half_at(at + 2 * r);
          m[r] = 0.0f;
        }
        bytes = at + 16;
      } else {
        const uint8_t *at = group + b / 2 * AK_Q4_1X8_PAIR_BYTES, *scales = at + 32 * (b % 2);
        for (int r = 0; r < 8; r++) {
          d[r] = half_at(scales + 2 * r);
          m[r] = half_at(scales + 16 + 2 * r);
        }
        bytes = at + 64;
        shift = 4 * (int)(b % 2);
      }
      float *out = panel + b * AK_QK * width + 8 * g;
      for (int j = 0; j < AK_QK; j++) {
        for (int r = 0; r < 8; r++) {
          int q = type == AK_QTYPE_Q8_0 ? (int8_t)bytes[32 * r + j] : (bytes[32 * r + j] >> shift) & 0x0F;
          out[j * width + r] = d[r] * (float)q + m[r];
        }
      }
    }
  }
}

static int dense_quant_work(void *context) {
  dense_quant_job *job = context;
  const long width = ak_dense_block_width(job->isa);
  const int avx2 = use_avx2(job->isa);
  /* Bytes of one interleaved group of 8 rows per input, for the offset of a block of steps. */
  const long group_bytes_per_block = 8 * ak_qtype_block_bytes(job->type);
  void *memory = NULL;
  if (posix_memalign(&memory, ALIGN, (size_t)(width * DENSE_STEPS) * sizeof(float)) != 0) return -1;
  float *panel = memory;
  /* Lanes past a panel's columns are multiplied and dropped: they only need to be finite. */
  memset(panel, 0, (size_t)(width * DENSE_STEPS) * sizeof(float));
  const long items = job->first_unit[job->part_count] * job->row_chunks;
  for (;;) {
    long item = __atomic_fetch_add(&job->next_item, 1, __ATOMIC_RELAXED);
    if (item >= items) break;
    long unit = item / job->row_chunks, first_row = item % job->row_chunks * job->item_rows;
    long rows = job->rows - first_row < job->item_rows ? job->rows - first_row : job->item_rows;
    int p = 0;
    while (unit >= job->first_unit[p + 1]) p++;
    const ak_quant_part *part = &job->parts[p];
    long first_output = (unit - job->first_unit[p]) * width;
    long columns = part->outputs - first_output < width ? part->outputs - first_output : width;
    const uint8_t *groups = (const uint8_t *)part->weights + first_output * job->row_bytes;
    const float *input = job->input + first_row * job->inputs;
    float *output = part->output + first_row * part->outputs + first_output;
    for (long first_step = 0; first_step < job->inputs; first_step += DENSE_STEPS) {
      long steps = job->inputs - first_step < DENSE_STEPS ? job->inputs - first_step : DENSE_STEPS;
      dequantize_panel(
          job->type, groups + first_step / AK_QK * group_bytes_per_block, job->row_bytes, columns, steps, panel,
          width, avx2);
      ak_dense_block(
          input + first_step, rows, job->inputs, steps, panel, columns, output, part->outputs, first_step > 0,
          job->isa);
    }
  }
  free(memory);
  return 0;
}

int ak_quant_matmul(
    int type, const void *weights, long outputs, long inputs, const float *input, long rows, float *output,
    void *scratch, ak_isa isa, int threads) {
  ak_quant_part part = {.weights = weights, .outputs = outputs, .output = output};
  return ak_quant_matmul_parts(type, &part, 1, inputs, input, rows, scratch, isa, threads);
}

int ak_quant_matmul_parts(
    int type, const ak_quant_part *parts, int part_count, long inputs, const float *input, long rows,
    void *scratch, ak_isa isa, int threads) {
  long qs_bytes, scale_bytes;
  if (threads < 1) threads = 1;
  long scratch_bytes = scratch_parts(type, inputs, rows, threads, &qs_bytes, &scale_bytes);
  if (scratch_bytes < 0 || part_count < 1 || part_count > AK_QUANT_MAX_PARTS) return -2;
  long outputs = 0;
  for (int p = 0; p < part_count; p++) {
    if (parts[p].outputs < 0) return -2;
    if ((type & AK_QUANT_INTERLEAVED8) && !ak_quant_can_interleave(type & ~AK_QUANT_INTERLEAVED8, parts[p].outputs, inputs)) {
      return -2;
    }
    outputs += parts[p].outputs;
  }
  if (rows == 0 || outputs == 0) return 0;
  if (inputs == 0) {
    for (int p = 0; p < part_count; p++) memset(parts[p].output, 0, (size_t)(rows * parts[p].outputs) * sizeof(float));
    return 0;
  }
  if ((type & AK_QUANT_INTERLEAVED8) && rows >= AK_QUANT_DENSE_ROWS) {
    dense_quant_job dense = {
        .type = type & ~AK_QUANT_INTERLEAVED8,
        .parts = parts,
        .part_count = part_count,
        .row_bytes = inputs / AK_QK * ak_qtype_block_bytes(type & ~AK_QUANT_INTERLEAVED8),
        .inputs = inputs,
        .rows = rows,
        .input = input,
        .isa = isa < ak_detected_isa() ? isa : ak_detected_isa(),
    };
    /* Rows in chunks of at most DENSE_ITEM_ROWS. */
    long width = ak_dense_block_width(dense.isa);
    dense.first_unit[0] = 0;
    for (int p = 0; p < part_count; p++) {
      dense.first_unit[p + 1] = dense.first_unit[p] + (parts[p].outputs + width - 1) / width;
    }
    long chunks = (rows + DENSE_ITEM_ROWS - 1) / DENSE_ITEM_ROWS;
    dense.item_rows = (rows + chunks - 1) / chunks;
    dense.row_chunks = (rows + dense.item_rows - 1) / dense.item_rows;
    long items = dense.first_unit[part_count] * dense.row_chunks;
    return ak_pool_run(dense_quant_work, &dense, threads < items ? threads : (int)items);
  }
  void *owned = NULL;
  if (scratch == NULL) {
    if (posix_memalign(&owned, ALIGN, (size_t)scratch_bytes) != 0) return -1;
    scratch = owned;
  }
  int product = integer_product(type);
  quant_job job = {
      .type = type,
      .avx2 = use_avx2(isa),
      .parts = parts,
      .part_count = part_count,
      .row_bytes = inputs / ak_qtype_block_elements(type & ~AK_QUANT_INTERLEAVED8) *
                   ak_qtype_block_bytes(type & ~AK_QUANT_INTERLEAVED8),
      .inputs = inputs,
      .rows = rows,
      .blocks = inputs / AK_QK,
      .input = input,
  };
  if (product >= 0) {
    job.tile_fn = job.avx2 ? integer_products[product].avx2 : integer_products[product].portable;
    if (type & AK_QUANT_INTERLEAVED8) job.qs16 = scratch;
    else job.qs = scratch;
    job.d = (float *)((char *)scratch + qs_bytes);
    job.s = (float *)((char *)scratch + qs_bytes + scale_bytes);
    long row_chunks = (rows + ROW_CHUNK - 1) / ROW_CHUNK;
    job.next_item = 0;
    int quantizers = threads < row_chunks ? threads : (int)row_chunks;
    ak_pool_run(quantize_work, &job, quantizers);
  } else {
    job.float_rows = scratch;
    job.float_stride = qs_bytes;
  }
  /* Chunks small enough that every thread gets several, so that one
   * token's product (a single row chunk) still splits evenly; powers of
   * two from 8, so whole groups of an interleaved matrix. */
  long chunk = OUTPUT_CHUNK;
  while (chunk > 8 && (outputs + chunk - 1) / chunk < 8L * threads) chunk /= 2;
  job.output_chunk = chunk;
  job.first_chunk[0] = 0;
  for (int p = 0; p < part_count; p++) {
    job.first_chunk[p + 1] = job.first_chunk[p] + (parts[p].outputs + chunk - 1) / chunk;
  }
  job.output_chunks = job.first_chunk[part_count];
  job.row_chunks = (rows + ROW_CHUNK - 1) / ROW_CHUNK;
  job.item_count = job.output_chunks * job.row_chunks;
  job.next_item = 0;
  job.next_slot = 0;
  if (threads > job.item_count) threads = (int)job.item_count;
  int status = ak_pool_run(product_work, &job, threads);
  free(owned);
  return status;
}

/* The portable kernels: one weight row against one activation row, block
 * by block, in the order ggml's reference dot products sum. */

void ak_q8_0_tile_portable(const quant_tile *tile) {
  for (long o = 0; o < tile->outputs; o++) {
    const ak_block_q8_0 *w = (const ak_block_q8_0 *)(tile->weights + o * tile->row_bytes);
    for (long n = 0; n < tile->rows; n++) {
      const int8_t *x = tile->qs + n * tile->blocks * AK_QK;
      const float *d = tile->d + n * tile->blocks;
      float sum = 0.0f;
      for (long b = 0; b < tile->blocks; b++) {
        int dot = 0;
        for (int j = 0; j < AK_QK; j++) dot += w[b].qs[j] * x[b * AK_QK + j];
        sum += ak_f16_to_f32(w[b].d) * d[b] * (float)dot;
      }
      tile->output[n * tile->output_stride + o] = sum;
    }
  }
}

void ak_q4_1_tile_portable(const quant_tile *tile) {
  for (long o = 0; o < tile->outputs; o++) {
    const ak_block_q4_1 *w = (const ak_block_q4_1 *)(tile->weights + o * tile->row_bytes);
    for (long n = 0; n < tile->rows; n++) {
      const int8_t *x = tile->qs + n * tile->blocks * AK_QK;
      const float *d = tile->d + n * tile->blocks, *s = tile->s + n * tile->blocks;
      float sum = 0.0f;
      for (long b = 0; b < tile->blocks; b++) {
        const int8_t *xb = x + b * AK_QK;
        int dot = 0;
        for (int j = 0; j < AK_QK / 2; j++) {
          dot += (w[b].qs[j] & 0x0F) * xb[j] + (w[b].qs[j] >> 4) * xb[j + AK_QK / 2];
        }
        sum += ak_f16_to_f32(w[b].d) * d[b] * (float)dot + ak_f16_to_f32(w[b].m) * s[b];
      }
      tile->output[n * tile->output_stride + o] = sum;
    }
  }
}

/* Activation blocks of 32 per super-block of the k-quants. */
#define K_BLOCKS (AK_QK_K / AK_QK)

/* Q4_K: activation block j of a super-block meets the 32 weights of
 * sub-block j, d · sc_j · q − dmin · m_j with q the nibbles of 32 bytes
 * (low for even j, high for odd j), so that its product is
 *   d · sc_j · dx · (q · qx) − dmin · m_j · (dx · sum qx). */
void ak_q4_K_tile_portable(const quant_tile *tile) {
  const long super_blocks = tile->blocks / K_BLOCKS;
  for (long o = 0; o < tile->outputs; o++) {
    const ak_block_q4_K *w = (const ak_block_q4_K *)(tile->weights + o * tile->row_bytes);
    for (long n = 0; n < tile->rows; n++) {
      const int8_t *x = tile->qs + n * tile->blocks * AK_QK;
      const float *d = tile->d + n * tile->blocks, *s = tile->s + n * tile->blocks;
      float sum = 0.0f;
      for (long k = 0; k < super_blocks; k++) {
        float wd = ak_f16_to_f32(w[k].d), wmin = ak_f16_to_f32(w[k].dmin);
        for (int j = 0; j < K_BLOCKS; j++) {
          int scale, minimum;
          ak_k4_scale_min(j, w[k].scales, &scale, &minimum);
          const uint8_t *q = w[k].qs + AK_QK * (j / 2);
          const int shift = 4 * (j % 2);
          const long b = k * K_BLOCKS + j;
          const int8_t *xb = x + b * AK_QK;
          int dot = 0;
          for (int l = 0; l < AK_QK; l++) dot += ((q[l] >> shift) & 0x0F) * xb[l];
          sum += wd * (float)scale * d[b] * (float)dot - wmin * (float)minimum * s[b];
        }
      }
      tile->output[n * tile->output_stride + o] = sum;
    }
  }
}

/* Q6_K: activation block j of a super-block (half h = j / 4 of it, group
 * g = j % 4 of the half) meets 32 six-bit weights: the low nibbles (g < 2)
 * or high nibbles of ql[64h + 32(g % 2) ..], bits 2g of qh[32h ..], minus
 * 32. Its first 16 weights have scale sc_2j, the next 16 sc_2j+1:
 *   d · dx · (sc_2j · (q · qx)_first16 + sc_2j+1 · (q · qx)_second16). */
void ak_q6_K_tile_portable(const quant_tile *tile) {
  const long super_blocks = tile->blocks / K_BLOCKS;
  for (long o = 0; o < tile->outputs; o++) {
    const ak_block_q6_K *w = (const ak_block_q6_K *)(tile->weights + o * tile->row_bytes);
    for (long n = 0; n < tile->rows; n++) {
      const int8_t *x = tile->qs + n * tile->blocks * AK_QK;
      const float *d = tile->d + n * tile->blocks;
      float sum = 0.0f;
      for (long k = 0; k < super_blocks; k++) {
        float wd = ak_f16_to_f32(w[k].d);
        for (int j = 0; j < K_BLOCKS; j++) {
          const int half = j / 4, group = j % 4;
          const uint8_t *ql = w[k].ql + 64 * half + AK_QK * (group % 2), *qh = w[k].qh + AK_QK * half;
          const int low_shift = 4 * (group / 2), high_shift = 2 * group;
          const long b = k * K_BLOCKS + j;
          const int8_t *xb = x + b * AK_QK;
          int dots[2] = {0, 0};
          for (int l = 0; l < AK_QK; l++) {
            int q = (((ql[l] >> low_shift) & 0x0F) | (((qh[l] >> high_shift) & 3) << 4)) - 32;
            dots[l / 16] += q * xb[l];
          }
          sum += wd * d[b] * (float)(w[k].scales[2 * j] * dots[0] + w[k].scales[2 * j + 1] * dots[1]);
        }
      }
      tile->output[n * tile->output_stride + o] = sum;
    }
  }
}

void ak_float_rows_portable(const quant_tile *tile, const float *rows_f32, int count) {
  for (long n = 0; n < tile->rows; n++) {
    const float *x = tile->input + n * tile->inputs;
    for (int r = 0; r < count; r++) {
      const float *w = rows_f32 + r * tile->inputs;
      float sum = 0.0f;
      for (long i = 0; i < tile->inputs; i++) sum += w[i] * x[i];
      tile->output[n * tile->output_stride + r] = sum;
    }
  }
}

#if !(defined(__x86_64__) || defined(__i386__))
/* Never chosen off x86 (use_avx2 is 0); defined so that the table links. */
void ak_q8_0_tile_avx2(const quant_tile *tile) { ak_q8_0_tile_portable(tile); }
void ak_q4_1_tile_avx2(const quant_tile *tile) { ak_q4_1_tile_portable(tile); }
void ak_q4_K_tile_avx2(const quant_tile *tile) { ak_q4_K_tile_portable(tile); }
void ak_q6_K_tile_avx2(const quant_tile *tile) { ak_q6_K_tile_portable(tile); }
void ak_float_rows_avx2(const quant_tile *tile, const float *rows_f32, int count) {
  ak_float_rows_portable(tile, rows_f32, count);
}
#endif
