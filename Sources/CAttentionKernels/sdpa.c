/* Scaled dot-product attention, forward, FlashAttention-2 style.
 *
 * A work item is one (batch, head) and a block of AK_SDPA_QUERY_BLOCK
 * queries. It walks the keys in blocks: scores of the block, masks, one step
 * of the online softmax (running maximum m and sum l per query), and the
 * probabilities times the values added into an accumulator that the step
 * rescales by exp(m_old - m_new). The accumulator is divided by l once at
 * the end. Scratch memory per worker is a few tiles, whatever Lq and Lk.
 *
 * When the weights are asked for (or two_pass is set), a first pass over
 * the keys finds m and l of every query, and a second recomputes the scores
 * and writes the final probabilities, so the weights and the output come
 * from the same numbers. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sdpa_tiles.h"

#define LOG2E 1.44269504088896341f

/* Per-worker scratch, every buffer 64-byte aligned. */
typedef struct {
  float *queries_t;   /* (D, LANES): the queries of the item, transposed and scaled */
  float *scores;      /* (key_block, LANES): scores, then probabilities, of a tile */
  float *output_t;    /* (Dv, LANES): the unnormalised output, transposed */
  float *running_max; /* (LANES) */
  float *running_sum; /* (LANES) */
  float *alpha;       /* (LANES) */
  float *inverse_sum; /* (LANES) */
  int32_t *limits;    /* (LANES): keys visible to each query */
  void *memory;
} workspace;

/* The part of the work item that masks need to find their elements. */
typedef struct {
  long batch_index, head_index, first_query, query_count;
  /* Keys [0, full_end) are visible to every query of the item. */
  long full_end;
} item_position;

long ak_sdpa_item_count(const ak_sdpa_problem *problem) {
  long blocks = (problem->query_count + AK_LANES - 1) / AK_LANES;
  return problem->batch * problem->heads * blocks;
}

static const ak_sdpa_tiles *tiles_for(ak_isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  if (isa >= AK_ISA_AVX512F) return &ak_sdpa_tiles_avx512;
  if (isa >= AK_ISA_AVX2_FMA) return &ak_sdpa_tiles_avx2;
#else
  (void)isa;
#endif
  return &ak_sdpa_tiles_portable;
}

static size_t rounded_up(size_t floats) { return (floats + 15) / 16 * 16; }

static int workspace_allocate(workspace *ws, const ak_sdpa_problem *p) {
  size_t depth = rounded_up((size_t)p->depth * AK_LANES);
  size_t scores = rounded_up((size_t)p->key_block * AK_LANES);
  size_t output = rounded_up((size_t)p->value_depth * AK_LANES);
  size_t total = depth + scores + output + 5 * AK_LANES;
  ws->memory = aligned_alloc(64, total * sizeof(float));
  if (ws->memory == NULL) return -1;
  float *next = ws->memory;
  ws->queries_t = next, next += depth;
  ws->scores = next, next += scores;
  ws->output_t = next, next += output;
  ws->running_max = next, next += AK_LANES;
  ws->running_sum = next, next += AK_LANES;
  ws->alpha = next, next += AK_LANES;
  ws->inverse_sum = next, next += AK_LANES;
  ws->limits = (int32_t *)next;
  return 0;
}

/* The masks on a tile of keys [first_key, first_key + key_count): scores
 * of hidden keys become -inf (after any bias, so a hidden key stays hidden
 * whatever bias it has). Masks stored along the keys, one row per query or
 * one row for all, take vector paths; other broadcasts a plain loop. */
static void apply_masks(
    const ak_sdpa_problem *p, const ak_sdpa_tiles *tiles, const workspace *ws, const item_position *at,
    long first_key, long key_count) {
  float *s = ws->scores;
  const long lanes = at->query_count;
  if (p->bias != NULL) {
    const long *st = p->bias_strides;
    const float *origin = p->bias + at->batch_index * st[0] + at->head_index * st[1] +
                          at->first_query * st[2] + first_key * st[3];
    if (st[2] == 0) {
      for (long j = 0; j < key_count; j++) {
        const float value = origin[j * st[3]] * LOG2E;
        for (int lane = 0; lane < AK_LANES; lane++) s[j * AK_LANES + lane] += value;
      }
    } else if (st[3] == 1) {
      tiles->add_bias(s, key_count, lanes, origin, st[2], LOG2E);
    } else {
      for (long lane = 0; lane < lanes; lane++) {
        for (long j = 0; j < key_count; j++) {
          s[j * AK_LANES + lane] += origin[lane * st[2] + j * st[3]] * LOG2E;
        }
      }
    }
  }
  if (p->allowed != NULL) {
    const long *st = p->allowed_strides;
    const uint8_t *origin = p->allowed + at->batch_index * st[0] + at->head_index * st[1] +
                            at->first_query * st[2] + first_key * st[3];
    if (st[2] == 0) {
      for (long j = 0; j < key_count; j++) {
        if (origin[j * st[3]] != 0) continue;
        for (int lane = 0; lane < AK_LANES; lane++) s[j * AK_LANES + lane] = -INFINITY;
      }
    } else if (st[3] == 1) {
      tiles->mask_disallowed(s, key_count, lanes, origin, st[2]);
    } else {
      for (long lane = 0; lane < lanes; lane++) {
        for (long j = 0; j < key_count; j++) {
          if (origin[lane * st[2] + j * st[3]] == 0) s[j * AK_LANES + lane] = -INFINITY;
        }
      }
    }
  }
  if (p->key_limits != NULL && first_key + key_count > at->full_end) {
    const int32_t *limits = ws->limits;
    for (long j = 0; j < key_count; j++) {
      float *row = s + j * AK_LANES;
      int32_t key = (int32_t)(first_key + j);
      for (int lane = 0; lane < AK_LANES; lane++) row[lane] = key < limits[lane] ? row[lane] : -INFINITY;
    }
  }
}

/* Each lane's key limit into ws->limits; at->full_end becomes the
 * smallest limit of the item's queries. Returns the largest: the keys the
 * item needs. */
static long load_limits(const ak_sdpa_problem *p, workspace *ws, item_position *at) {
  const long key_count = p->key_count, lanes = at->query_count;
  if (p->key_limits == NULL) return key_count;
  const int32_t *given = p->key_limits + at->batch_index * p->query_count + at->first_query;
  long smallest = key_count, largest = 0;
  for (long lane = 0; lane < AK_LANES; lane++) {
    long limit = lane < lanes ? given[lane] : key_count;
    if (limit < 0) limit = 0;
    if (limit > key_count) limit = key_count;
    ws->limits[lane] = (int32_t)limit;
    if (lane < lanes && limit < smallest) smallest = limit;
    if (lane < lanes && limit > largest) largest = limit;
  }
  at->full_end = smallest;
  return largest;
}

/* The final maximum and 1 / sum of the item's queries, when asked for. */
static void store_row_statistics(const ak_sdpa_problem *p, const workspace *ws, long first_row, long lanes) {
  if (p->row_max == NULL || p->row_inverse_sum == NULL) return;
  for (long lane = 0; lane < lanes; lane++) {
    p->row_max[first_row + lane] = ws->running_max[lane];
    p->row_inverse_sum[first_row + lane] = ws->inverse_sum[lane];
  }
}

static void run_item(const ak_sdpa_problem *p, const ak_sdpa_tiles *tiles, workspace *ws, long item) {
  const long depth = p->depth, value_depth = p->value_depth;
  const long query_count = p->query_count, key_count = p->key_count;
  const long blocks = (query_count + AK_LANES - 1) / AK_LANES;
  /* Items of one matrix follow each other, so the workers share its keys
   * and values in cache; within it the last query blocks come first, since
   * under a causal mask they see the most keys, and starting the longest
   * items first evens out the workers' load. */
  const long matrix = item / blocks;
  const long block = blocks - 1 - item % blocks;
  item_position at = {
      .batch_index = matrix / p->heads,
      .head_index = matrix % p->heads,
      .first_query = block * AK_LANES,
      .query_count = query_count - block * AK_LANES < AK_LANES ? query_count - block * AK_LANES : AK_LANES,
      .full_end = key_count,
  };
  const long lanes = at.query_count;
  const float *queries = p->queries + (matrix * query_count + at.first_query) * depth; /* (lanes, D) */
  const float *keys = p->keys + matrix * key_count * depth;                           /* (Lk, D) */
  const float *values = p->values + matrix * key_count * value_depth;                 /* (Lk, Dv) */
  float *output = p->output + (matrix * query_count + at.first_query) * value_depth;  /* (lanes, Dv) */
  float *weights =
      p->weights == NULL ? NULL : p->weights + (matrix * query_count + at.first_query) * key_count;

  /* 1. The queries transposed, times scale * log2(e) so that the softmax
   *    can use exp2; lanes past the last query hold zeros. */
  tiles->pack_queries(queries, lanes, depth, p->scale * LOG2E, ws->queries_t);

  /* 2. The keys the item needs: up to the largest limit of its queries;
   *    tiles below the smallest limit need no limit masking. */
  const long key_end = load_limits(p, ws, &at);

  for (int lane = 0; lane < AK_LANES; lane++) {
    ws->running_max[lane] = -INFINITY;
    ws->running_sum[lane] = 0;
  }
  const long key_block = p->key_block;

  if (weights == NULL && !p->two_pass) {
    /* 3. One pass: scores, masks, online softmax, rescaled accumulation. */
    for (long first = 0; first < key_end; first += key_block) {
      long count = key_end - first < key_block ? key_end - first : key_block;
      tiles->scores(keys + first * depth, count, depth, ws->queries_t, ws->scores);
      apply_masks(p, tiles, ws, &at, first, count);
      tiles->online_softmax(ws->scores, count, ws->running_max, ws->running_sum, ws->alpha);
      tiles->accumulate_values(
          values + first * value_depth, count, value_depth, ws->scores, ws->alpha, first == 0, ws->output_t);
    }
    /* 4. Divide by the sum once; a row with no visible key is zero. */
    for (int lane = 0; lane < AK_LANES; lane++) {
      float sum = ws->running_sum[lane];
      ws->inverse_sum[lane] = sum == 0 ? 0.0f : 1.0f / sum;
    }
    store_row_statistics(p, ws, matrix * query_count + at.first_query, lanes);
    tiles->store_transposed(ws->output_t, lanes, value_depth, ws->inverse_sum, output, value_depth);
    return;
  }

  /* 3'. With weights: the first pass finds m and l of every query... */
  for (long first = 0; first < key_end; first += key_block) {
    long count = key_end - first < key_block ? key_end - first : key_block;
    tiles->scores(keys + first * depth, count, depth, ws->queries_t, ws->scores);
    apply_masks(p, tiles, ws, &at, first, count);
    tiles->online_softmax(ws->scores, count, ws->running_max, ws->running_sum, ws->alpha);
  }
  for (int lane = 0; lane < AK_LANES; lane++) {
    float sum = ws->running_sum[lane];
    ws->inverse_sum[lane] = sum == 0 ? 0.0f : 1.0f / sum;
  }
  store_row_statistics(p, ws, matrix * query_count + at.first_query, lanes);
  /* ...the second writes the final probabilities and pools the values. */
  for (long first = 0; first < key_end; first += key_block) {
    long count = key_end - first < key_block ? key_end - first : key_block;
    tiles->scores(keys + first * depth, count, depth, ws->queries_t, ws->scores);
    apply_masks(p, tiles, ws, &at, first, count);
    tiles->probabilities(ws->scores, count, ws->running_max, ws->inverse_sum);
    if (weights != NULL) tiles->store_transposed(ws->scores, lanes, count, NULL, weights + first, key_count);
    tiles->accumulate_values(
        values + first * value_depth, count, value_depth, ws->scores, NULL, first == 0, ws->output_t);
  }
  /* The output is normalised already; a row with no visible key is zero. */
  for (int lane = 0; lane < AK_LANES; lane++) ws->alpha[lane] = ws->running_sum[lane] == 0 ? 0.0f : 1.0f;
  for (long lane = 0; weights != NULL && lane < lanes; lane++) {
    float *row = weights + lane * key_count;
    for (long j = key_end; j < key_count; j++) row[j] = 0;
  }
  tiles->store_transposed(ws->output_t, lanes, value_depth, ws->alpha, output, value_depth);
}

int ak_sdpa_work(ak_sdpa_problem *problem, ak_isa isa) {
  const ak_sdpa_tiles *tiles = tiles_for(isa);
  const long items = ak_sdpa_item_count(problem);
  long item = __atomic_fetch_add(&problem->next_item, 1, __ATOMIC_RELAXED);
  if (item >= items) return 0;
  workspace ws;
  if (workspace_allocate(&ws, problem) != 0) return -1;
  for (; item < items; item = __atomic_fetch_add(&problem->next_item, 1, __ATOMIC_RELAXED)) {
    run_item(problem, tiles, &ws, item);
  }
  free(ws.memory);
  return 0;
}

int ak_sdpa_weights_block(
    const ak_sdpa_problem *problem, ak_isa isa, long matrix, long query_start, long query_count, long key_start,
    long key_count, float *block, long row_stride) {
  const ak_sdpa_tiles *tiles = tiles_for(isa);
  const ak_sdpa_problem *p = problem;
  if (query_count <= 0 || key_count <= 0) return 0;
  workspace ws;
  if (workspace_allocate(&ws, p) != 0) return -1;
  const long depth = p->depth, all_queries = p->query_count;
  for (long first_query = query_start; first_query < query_start + query_count; first_query += AK_LANES) {
    const long left = query_start + query_count - first_query, lanes = left < AK_LANES ? left : AK_LANES;
    item_position at = {
        .batch_index = matrix / p->heads,
        .head_index = matrix % p->heads,
        .first_query = first_query,
        .query_count = lanes,
        .full_end = p->key_count,
    };
    tiles->pack_queries(p->queries + (matrix * all_queries + first_query) * depth, lanes, depth, p->scale * LOG2E,
                        ws.queries_t);
    load_limits(p, &ws, &at);
    /* The run's statistics; the lanes past the block's queries read as a
     * row that sees nothing, and their columns are never stored. */
    for (long lane = 0; lane < AK_LANES; lane++) {
      ws.running_max[lane] = lane < lanes ? p->row_max[matrix * all_queries + first_query + lane] : -INFINITY;
      ws.inverse_sum[lane] = lane < lanes ? p->row_inverse_sum[matrix * all_queries + first_query + lane] : 0;
    }
    const float *keys = p->keys + matrix * p->key_count * depth;
    float *rows = block + (first_query - query_start) * row_stride;
    for (long first = key_start; first < key_start + key_count; first += p->key_block) {
      const long rest = key_start + key_count - first, count = rest < p->key_block ? rest : p->key_block;
      tiles->scores(keys + first * depth, count, depth, ws.queries_t, ws.scores);
      /* Past a query's limit the masks give -inf, so 0, as the run wrote there. */
      apply_masks(p, tiles, &ws, &at, first, count);
      tiles->probabilities(ws.scores, count, ws.running_max, ws.inverse_sum);
      tiles->store_transposed(ws.scores, lanes, count, NULL, rows + (first - key_start), row_stride);
    }
  }
  free(ws.memory);
  return 0;
}
