/* ak_dense_run: a work item is one panel of AK_DENSE_PANEL output columns
 * for a chunk of rows. The micro-kernels keep a block of up to 6 rows x
 * one panel (AVX-512: 64 lanes in 24 zmm registers; AVX2: 16 lanes of it
 * at a time in 12 ymm registers) while they stream the contraction axis,
 * reading the input rows by broadcast and the panel row by row. The bias is
 * added as the block is stored. */

#include "dense_kernels.h"

#include <string.h>

#include "worker_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#define INLINE static inline __attribute__((always_inline))
#define ROWS 6
/* Rows of a work item: a multiple of ROWS, and small enough that a model's
 * 128-token pass still gives each thread a few items of its own. */
#define ROW_CHUNK 66

long ak_dense_packed_count(long inputs, long outputs) {
  return (outputs + AK_DENSE_PANEL - 1) / AK_DENSE_PANEL * AK_DENSE_PANEL * inputs;
}

void ak_dense_pack(const float *weight, long inputs, long outputs, float *packed) {
  long panels = (outputs + AK_DENSE_PANEL - 1) / AK_DENSE_PANEL;
  for (long p = 0; p < panels; p++) {
    float *panel = packed + p * inputs * AK_DENSE_PANEL;
    for (long i = 0; i < inputs; i++) {
      for (long lane = 0; lane < AK_DENSE_PANEL; lane++) {
        long o = p * AK_DENSE_PANEL + lane;
        panel[i * AK_DENSE_PANEL + lane] = o < outputs ? weight[o * inputs + i] : 0.0f;
      }
    }
  }
}

/* Rows of the next strip when `remaining` rows are left: full strips, but
 * 7 or 8 rows split 4 + 3 or 4 + 4, as a strip of 1 or 2 rows streams the
 * whole panel for a third of the work. */
INLINE long strip_rows(long remaining) {
  if (remaining == ROWS + 1 || remaining == ROWS + 2) return 4;
  return remaining < ROWS ? remaining : ROWS;
}

/* Each ISA defines panel_product_<isa>(input, rows, inputs, panel, columns,
 * bias, output, output_row): output[r][0..columns) for r < rows, from one
 * panel; columns <= AK_DENSE_PANEL, bias and output already offset to the
 * panel's first column. */

/* The strips below share one contract: c[r][lane] for r < rows and lane <
 * columns becomes sum_t a[r * a_row + t] * b[t * b_row + lane] (t < steps),
 * plus bias[lane] when bias is not NULL, plus c's own value when
 * accumulate is nonzero. b_row is the panel's width, at least columns; the
 * lanes of b past columns are read and must hold finite numbers. */
static void strip_portable(
    int rows, long steps, const float *a, long a_row, const float *b, long b_row, long columns, const float *bias,
    float *c, long c_row, int accumulate) {
  float acc[ROWS][AK_DENSE_PANEL];
  memset(acc, 0, sizeof acc);
  long width = b_row < AK_DENSE_PANEL ? b_row : AK_DENSE_PANEL;
  for (long t = 0; t < steps; t++) {
    const float *lanes = b + t * b_row;
    for (int r = 0; r < rows; r++) {
      float a_value = a[r * a_row + t];
      for (long lane = 0; lane < width; lane++) acc[r][lane] += a_value * lanes[lane];
    }
  }
  for (int r = 0; r < rows; r++) {
    for (long lane = 0; lane < columns; lane++) {
      float value = acc[r][lane] + (bias != NULL ? bias[lane] : 0.0f);
      c[r * c_row + lane] = accumulate ? c[r * c_row + lane] + value : value;
    }
  }
}

static void panel_product_portable(
    const float *input, long rows, long inputs, const float *panel, long columns, const float *bias,
    float *output, long output_row) {
  for (long first = 0, count; first < rows; first += count) {
    count = strip_rows(rows - first);
    strip_portable(
        (int)count, inputs, input + first * inputs, inputs, panel, AK_DENSE_PANEL, columns, bias,
        output + first * output_row, output_row, 0);
  }
}

#if defined(__x86_64__) || defined(__i386__)

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f")))

/* 16 lanes of a panel: b points at the lanes' first column in panel row 0. */
INLINE AVX2 void strip_avx2(
    int rows, long steps, const float *a, long a_row, const float *b, long b_row, long columns, const float *bias,
    float *c, long c_row, int accumulate) {
  __m256 acc[ROWS][2];
  for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (long t = 0; t < steps; t++) {
    __m256 b0 = _mm256_loadu_ps(b + t * b_row), b1 = _mm256_loadu_ps(b + t * b_row + 8);
    for (int r = 0; r < rows; r++) {
      __m256 a_value = _mm256_broadcast_ss(a + r * a_row + t);
      acc[r][0] = _mm256_fmadd_ps(a_value, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a_value, b1, acc[r][1]);
    }
  }
  if (columns >= 16) {
    __m256 bias0 = bias != NULL ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    __m256 bias1 = bias != NULL ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
    for (int r = 0; r < rows; r++) {
      __m256 low = _mm256_add_ps(acc[r][0], bias0), high = _mm256_add_ps(acc[r][1], bias1);
      if (accumulate) {
        low = _mm256_add_ps(_mm256_loadu_ps(c + r * c_row), low);
        high = _mm256_add_ps(_mm256_loadu_ps(c + r * c_row + 8), high);
      }
      _mm256_storeu_ps(c + r * c_row, low);
      _mm256_storeu_ps(c + r * c_row + 8, high);
    }
    return;
  }
  float row[16];
  for (int r = 0; r < rows; r++) {
    _mm256_storeu_ps(row, acc[r][0]);
    _mm256_storeu_ps(row + 8, acc[r][1]);
    for (long lane = 0; lane < columns; lane++) {
      float value = row[lane] + (bias != NULL ? bias[lane] : 0.0f);
      c[r * c_row + lane] = accumulate ? c[r * c_row + lane] + value : value;
    }
  }
}

/* Every strip of `rows` rows against one panel of b_row lanes; inlined
 * into each caller, so that b_row and accumulate stay constants. */
INLINE AVX2 void strips_avx2(
    const float *a, long rows, long a_row, long steps, const float *b, long b_row, long columns, const float *bias,
    float *c, long c_row, int accumulate) {
  for (long first = 0, count; first < rows; first += count) {
    count = strip_rows(rows - first);
    const float *strip_a = a + first * a_row;
    float *strip_c = c + first * c_row;
    /* A constant row count lets the compiler keep the block in registers. */
    switch (count) {
      case 6: strip_avx2(6, steps, strip_a, a_row, b, b_row, columns, bias, strip_c, c_row, accumulate); break;
      case 5: strip_avx2(5, steps, strip_a, a_row, b, b_row, columns, bias, strip_c, c_row, accumulate); break;
      case 4: strip_avx2(4, steps, strip_a, a_row, b, b_row, columns, bias, strip_c, c_row, accumulate); break;
      case 3: strip_avx2(3, steps, strip_a, a_row, b, b_row, columns, bias, strip_c, c_row, accumulate); break;
      case 2: strip_avx2(2, steps, strip_a, a_row, b, b_row, columns, bias, strip_c, c_row, accumulate); break;
      default: strip_avx2(1, steps, strip_a, a_row, b, b_row, columns, bias, strip_c, c_row, accumulate); break;
    }
  }
}

static AVX2 void panel_product_avx2(
    const float *input, long rows, long inputs, const float *panel, long columns, const float *bias,
    float *output, long output_row) {
  for (long lanes = 0; lanes < columns; lanes += 16) {
    strips_avx2(
        input, rows, inputs, inputs, panel + lanes, AK_DENSE_PANEL, columns - lanes,
        bias != NULL ? bias + lanes : NULL, output + lanes, output_row, 0);
  }
}

INLINE AVX512 void strip_avx512(
    int rows, long steps, const float *a, long a_row, const float *b, long b_row, long columns, const float *bias,
    float *c, long c_row, int accumulate) {
  __m512 acc[ROWS][4];
  for (int r = 0; r < rows; r++) {
    for (int k = 0; k < 4; k++) acc[r][k] = _mm512_setzero_ps();
  }
  for (long t = 0; t < steps; t++) {
    const float *lanes = b + t * b_row;
    __m512 b0 = _mm512_loadu_ps(lanes), b1 = _mm512_loadu_ps(lanes + 16);
    __m512 b2 = _mm512_loadu_ps(lanes + 32), b3 = _mm512_loadu_ps(lanes + 48);
    for (int r = 0; r < rows; r++) {
      __m512 a_value = _mm512_set1_ps(a[r * a_row + t]);
      acc[r][0] = _mm512_fmadd_ps(a_value, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(a_value, b1, acc[r][1]);
      acc[r][2] = _mm512_fmadd_ps(a_value, b2, acc[r][2]);
      acc[r][3] = _mm512_fmadd_ps(a_value, b3, acc[r][3]);
    }
  }
  for (int k = 0; k < 4; k++) {
    long lanes = columns - 16 * k;
    if (lanes <= 0) break;
    __mmask16 mask = lanes >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << lanes) - 1);
    __m512 lane_bias = bias != NULL ? _mm512_maskz_loadu_ps(mask, bias + 16 * k) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
      __m512 value = _mm512_add_ps(acc[r][k], lane_bias);
      if (accumulate) value = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, c + r * c_row + 16 * k), value);
      _mm512_mask_storeu_ps(c + r * c_row + 16 * k, mask, value);
    }
  }
}

/* As strips_avx2, 64 lanes at a time. */
INLINE AVX512 void strips_avx512(
    const float *a, long rows, long a_row, long steps, const float *b, long columns, const float *bias, float *c,
    long c_row, int accumulate) {
  for (long first = 0, count; first < rows; first += count) {
    count = strip_rows(rows - first);
    const float *strip_a = a + first * a_row;
    float *strip_c = c + first * c_row;
    switch (count) {
      case 6: strip_avx512(6, steps, strip_a, a_row, b, 64, columns, bias, strip_c, c_row, accumulate); break;
      case 5: strip_avx512(5, steps, strip_a, a_row, b, 64, columns, bias, strip_c, c_row, accumulate); break;
      case 4: strip_avx512(4, steps, strip_a, a_row, b, 64, columns, bias, strip_c, c_row, accumulate); break;
      case 3: strip_avx512(3, steps, strip_a, a_row, b, 64, columns, bias, strip_c, c_row, accumulate); break;
      case 2: strip_avx512(2, steps, strip_a, a_row, b, 64, columns, bias, strip_c, c_row, accumulate); break;
      default: strip_avx512(1, steps, strip_a, a_row, b, 64, columns, bias, strip_c, c_row, accumulate); break;
    }
  }
}

static AVX512 void panel_product_avx512(
    const float *input, long rows, long inputs, const float *panel, long columns, const float *bias,
    float *output, long output_row) {
  strips_avx512(input, rows, inputs, inputs, panel, columns, bias, output, output_row, 0);
}

#endif

/* ak_dense_block: strips of up to ROWS rows against one panel of
 * ak_dense_block_width lanes, [steps][width]: AVX2 and the portable strip
 * take 16 lanes (a panel row is one 64-byte line, and a panel of 192
 * steps, 12 KiB, stays in L1 while every strip passes over it), AVX-512
 * takes 64. */
long ak_dense_block_width(ak_isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  if (isa == AK_ISA_AVX512F) return AK_DENSE_PANEL;
#endif
  (void)isa;
  return 16;
}

#if defined(__x86_64__) || defined(__i386__)
static AVX2 void block_avx2(
    const float *a, long rows, long a_row, long steps, const float *b, long columns, float *c, long c_row,
    int accumulate) {
  if (accumulate) strips_avx2(a, rows, a_row, steps, b, 16, columns, NULL, c, c_row, 1);
  else strips_avx2(a, rows, a_row, steps, b, 16, columns, NULL, c, c_row, 0);
}

static AVX512 void block_avx512(
    const float *a, long rows, long a_row, long steps, const float *b, long columns, float *c, long c_row,
    int accumulate) {
  if (accumulate) strips_avx512(a, rows, a_row, steps, b, columns, NULL, c, c_row, 1);
  else strips_avx512(a, rows, a_row, steps, b, columns, NULL, c, c_row, 0);
}
#endif

void ak_dense_block(
    const float *a, long rows, long a_row, long steps, const float *b, long columns, float *c, long c_row,
    int accumulate, ak_isa isa) {
  switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
    case AK_ISA_AVX512F: block_avx512(a, rows, a_row, steps, b, columns, c, c_row, accumulate); return;
    case AK_ISA_AVX2_FMA: block_avx2(a, rows, a_row, steps, b, columns, c, c_row, accumulate); return;
#endif
    default: break;
  }
  for (long first = 0, count; first < rows; first += count) {
    count = strip_rows(rows - first);
    strip_portable(
        (int)count, steps, a + first * a_row, a_row, b, 16, columns, NULL, c + first * c_row, c_row, accumulate);
  }
}

typedef struct {
  const float *input;
  long rows, inputs;
  const float *packed;
  long outputs;
  const float *bias;
  float *output;
  ak_isa isa;
  int gelu;
  long panel_count, item_count;
  _Alignas(64) long next_item; /* on its own cache line: taking an item evicts nothing else */
  char pad[56];
} dense_job;

/* erf(x) as x·P(x²)/Q(x²) on [-4, 4], within 3.7e-7 of erf in float32 (the
 * fit of scripts/reference/bert_fixtures.py erf-fit, the same as
 * TransformerModels' GELU.erf); clamped to [-1, 1]; NaN stays NaN. */
static inline float rational_erf(float x) {
  float clamped = x < -4.0f ? -4.0f : (x > 4.0f ? 4.0f : x);
  float t = clamped * clamped;
  float numerator = 1.9156806e-08f;
  numerator = numerator * t - 1.964869e-06f;
  numerator = numerator * t + 1.5118509e-04f;
  numerator = numerator * t + 4.133062e-03f;
  numerator = numerator * t + 5.1949713e-02f;
  numerator = numerator * t + 2.103397e-01f;
  numerator = numerator * t + 1.1283789f;
  float denominator = 1.0574329e-03f;
  denominator = denominator * t + 1.5236213e-02f;
  denominator = denominator * t + 1.1930148e-01f;
  denominator = denominator * t + 5.197381e-01f;
  denominator = denominator * t + 1.0f;
  float value = clamped * numerator / denominator;
  return value < -1.0f ? -1.0f : (value > 1.0f ? 1.0f : value);
}

/* x·½·(1 + erf(x/√2)) over a block of the output, while it is in cache. */
static void gelu_block(float *c, long rows, long columns, long c_row) {
  for (long r = 0; r < rows; r++) {
    float *row = c + r * c_row;
    for (long lane = 0; lane < columns; lane++) {
      float x = row[lane];
      row[lane] = x * 0.5f * (1.0f + rational_erf(x * 0.70710677f));
    }
  }
}

static int dense_work(void *context) {
  dense_job *job = context;
  for (;;) {
    long item = __atomic_fetch_add(&job->next_item, 1, __ATOMIC_RELAXED);
    if (item >= job->item_count) return 0;
    long panel = item % job->panel_count, first_row = item / job->panel_count * ROW_CHUNK;
    long rows = job->rows - first_row < ROW_CHUNK ? job->rows - first_row : ROW_CHUNK;
    long first_column = panel * AK_DENSE_PANEL;
    long columns = job->outputs - first_column < AK_DENSE_PANEL ? job->outputs - first_column : AK_DENSE_PANEL;
    const float *input = job->input + first_row * job->inputs;
    const float *panel_start = job->packed + panel * job->inputs * AK_DENSE_PANEL;
    const float *bias = job->bias != NULL ? job->bias + first_column : NULL;
    float *output = job->output + first_row * job->outputs + first_column;
    switch (job->isa) {
#if defined(__x86_64__) || defined(__i386__)
      case AK_ISA_AVX512F:
        panel_product_avx512(input, rows, job->inputs, panel_start, columns, bias, output, job->outputs);
        break;
      case AK_ISA_AVX2_FMA:
        panel_product_avx2(input, rows, job->inputs, panel_start, columns, bias, output, job->outputs);
        break;
#endif
      default:
        panel_product_portable(input, rows, job->inputs, panel_start, columns, bias, output, job->outputs);
        break;
    }
    if (job->gelu) gelu_block(output, rows, columns, job->outputs);
  }
}

void ak_dense_panel(
    const float *input, long rows, long inputs, const float *panel, long columns, float *output, long output_row,
    ak_isa isa) {
  switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
    case AK_ISA_AVX512F: panel_product_avx512(input, rows, inputs, panel, columns, NULL, output, output_row); break;
    case AK_ISA_AVX2_FMA: panel_product_avx2(input, rows, inputs, panel, columns, NULL, output, output_row); break;
#endif
    default: panel_product_portable(input, rows, inputs, panel, columns, NULL, output, output_row); break;
  }
}

int ak_dense_run(
    const float *input, long rows, long inputs, const float *packed, long outputs, const float *bias,
    float *output, ak_isa isa, int threads) {
  return ak_dense_run_gelu(input, rows, inputs, packed, outputs, bias, output, 0, isa, threads);
}

int ak_dense_run_gelu(
    const float *input, long rows, long inputs, const float *packed, long outputs, const float *bias,
    float *output, int gelu, ak_isa isa, int threads) {
  if (rows <= 0 || outputs <= 0) return 0;
  long panel_count = (outputs + AK_DENSE_PANEL - 1) / AK_DENSE_PANEL;
  long chunk_count = (rows + ROW_CHUNK - 1) / ROW_CHUNK;
  dense_job job = {
      .input = input, .rows = rows, .inputs = inputs, .packed = packed, .outputs = outputs, .bias = bias,
      .output = output, .isa = isa, .gelu = gelu, .panel_count = panel_count, .item_count = panel_count * chunk_count,
      .next_item = 0};
  if (threads > job.item_count) threads = (int)job.item_count;
  return ak_pool_run(dense_work, &job, threads);
}
