/* ak_decode_attention: see decode_attention.h. A portable path and an AVX2
 * one: the AVX2 scores take four keys at a time (one horizontal reduction
 * for the four), the softmax runs 8 keys to a register, and the output
 * keeps 32 of its d floats in registers while the keys stream past. */

#include "decode_attention.h"

#include <math.h>
#include <stdlib.h>

#include "exp_simd.h"
#include "worker_pool.h"

/* Below this many multiply-adds the rows run on the calling thread. */
#define MINIMUM_PARALLEL_WORK (1L << 18)

typedef struct {
  const ak_decode_attention_problem *problem;
  int avx2;
  _Alignas(64) long next_item; /* on its own cache line: taking an item evicts nothing else */
  char pad[56];
} decode_job;

/* --- Portable ------------------------------------------------------------ */

static void row_portable(const float *q, const float *keys, const float *values, long n, long d, float scale,
                         float *w, float *out) {
  float maximum = -INFINITY;
  for (long j = 0; j < n; j++) {
    const float *k = keys + j * d;
    float dot = 0.0f;
    for (long e = 0; e < d; e++) dot += q[e] * k[e];
    w[j] = dot * scale;
    maximum = fmaxf(maximum, w[j]);
  }
  float sum = 0.0f;
  for (long j = 0; j < n; j++) {
    w[j] = ak_exp_portable(w[j] - maximum);
    sum += w[j];
  }
  float inverse = 1.0f / sum;
  for (long j = 0; j < n; j++) w[j] *= inverse;
  for (long e = 0; e < d; e++) out[e] = 0.0f;
  for (long j = 0; j < n; j++) {
    const float *v = values + j * d;
    for (long e = 0; e < d; e++) out[e] += w[j] * v[e];
  }
}

/* --- AVX2 ---------------------------------------------------------------- */

#if defined(AK_X86)

AK_AVX2 static inline float sum_avx2(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

AK_AVX2 static inline float max_avx2(__m256 v) {
  __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_max_ps(x, _mm_movehl_ps(x, x));
  x = _mm_max_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

/* w[j] = scale * q . k_j for j < n. */
AK_AVX2 static void scores_avx2(const float *q, const float *keys, long n, long d, float scale, float *w) {
  const long vector_end = d / 8 * 8;
  long j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *k = keys + j * d;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    for (long e = 0; e < vector_end; e += 8) {
      __m256 qv = _mm256_loadu_ps(q + e);
      acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(k + e), qv, acc0);
      acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(k + d + e), qv, acc1);
      acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(k + 2 * d + e), qv, acc2);
      acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(k + 3 * d + e), qv, acc3);
    }
    /* Lanes: the four keys' sums over the low halves, then the high halves. */
    __m256 sums = _mm256_hadd_ps(_mm256_hadd_ps(acc0, acc1), _mm256_hadd_ps(acc2, acc3));
    __m128 four = _mm_add_ps(_mm256_castps256_ps128(sums), _mm256_extractf128_ps(sums, 1));
    float dots[4];
    _mm_storeu_ps(dots, four);
    for (int r = 0; r < 4; r++) {
      for (long e = vector_end; e < d; e++) dots[r] += q[e] * k[r * d + e];
      w[j + r] = dots[r] * scale;
    }
  }
  for (; j < n; j++) {
    const float *k = keys + j * d;
    __m256 acc = _mm256_setzero_ps();
    for (long e = 0; e < vector_end; e += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(k + e), _mm256_loadu_ps(q + e), acc);
    float dot = sum_avx2(acc);
    for (long e = vector_end; e < d; e++) dot += q[e] * k[e];
    w[j] = dot * scale;
  }
}

/* w = softmax(w) over its n entries. */
AK_AVX2 static void softmax_avx2(float *w, long n) {
  const long vector_end = n / 8 * 8;
  __m256 most = _mm256_set1_ps(-INFINITY);
  for (long j = 0; j < vector_end; j += 8) most = _mm256_max_ps(most, _mm256_loadu_ps(w + j));
  float maximum = max_avx2(most);
  for (long j = vector_end; j < n; j++) maximum = fmaxf(maximum, w[j]);
  const __m256 shift = _mm256_set1_ps(maximum);
  __m256 total = _mm256_setzero_ps();
  for (long j = 0; j < vector_end; j += 8) {
    __m256 p = ak_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(w + j), shift));
    _mm256_storeu_ps(w + j, p);
    total = _mm256_add_ps(total, p);
  }
  float sum = sum_avx2(total);
  for (long j = vector_end; j < n; j++) {
    w[j] = ak_exp_portable(w[j] - maximum);
    sum += w[j];
  }
  const float inverse = 1.0f / sum;
  const __m256 factor = _mm256_set1_ps(inverse);
  for (long j = 0; j < vector_end; j += 8) _mm256_storeu_ps(w + j, _mm256_mul_ps(_mm256_loadu_ps(w + j), factor));
  for (long j = vector_end; j < n; j++) w[j] *= inverse;
}

/* out = sum_j w[j] v_j, 32 floats of the row at a time in registers. */
AK_AVX2 static void mix_avx2(const float *w, const float *values, long n, long d, float *out) {
  long e = 0;
  for (; e + 32 <= d; e += 32) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    for (long j = 0; j < n; j++) {
      const float *v = values + j * d + e;
      __m256 p = _mm256_broadcast_ss(w + j);
      acc0 = _mm256_fmadd_ps(p, _mm256_loadu_ps(v), acc0);
      acc1 = _mm256_fmadd_ps(p, _mm256_loadu_ps(v + 8), acc1);
      acc2 = _mm256_fmadd_ps(p, _mm256_loadu_ps(v + 16), acc2);
      acc3 = _mm256_fmadd_ps(p, _mm256_loadu_ps(v + 24), acc3);
    }
    _mm256_storeu_ps(out + e, acc0);
    _mm256_storeu_ps(out + e + 8, acc1);
    _mm256_storeu_ps(out + e + 16, acc2);
    _mm256_storeu_ps(out + e + 24, acc3);
  }
  for (; e + 8 <= d; e += 8) {
    __m256 acc = _mm256_setzero_ps();
    for (long j = 0; j < n; j++) acc = _mm256_fmadd_ps(_mm256_broadcast_ss(w + j), _mm256_loadu_ps(values + j * d + e), acc);
    _mm256_storeu_ps(out + e, acc);
  }
  for (; e < d; e++) {
    float acc = 0.0f;
    for (long j = 0; j < n; j++) acc += w[j] * values[j * d + e];
    out[e] = acc;
  }
}

AK_AVX2 static void row_avx2(const float *q, const float *keys, const float *values, long n, long d, float scale,
                             float *w, float *out) {
  scores_avx2(q, keys, n, d, scale, w);
  softmax_avx2(w, n);
  mix_avx2(w, values, n, d, out);
}

#endif

/* --- Dispatch ------------------------------------------------------------ */

static int decode_work(void *context) {
  decode_job *job = context;
  const ak_decode_attention_problem *p = job->problem;
  const long items = p->count * p->heads, group = p->heads / p->kv_heads, d = p->depth;
  float *scratch = NULL;
  for (;;) {
    long item = __atomic_fetch_add(&job->next_item, 1, __ATOMIC_RELAXED);
    if (item >= items) break;
    const long token = item / p->heads, head = item % p->heads;
    const long position = p->start + token, n = position + 1;
    const float *keys = p->keys + head / group * p->capacity * d;
    const float *values = p->values + head / group * p->capacity * d;
    float *w;
    if (p->weights != NULL) {
      w = p->weights + head * p->head_stride + position * p->row_stride;
    } else {
      if (scratch == NULL && (scratch = malloc((size_t)p->capacity * sizeof(float))) == NULL) return -1;
      w = scratch;
    }
    const float *q = p->queries + item * d;
    float *out = p->output + item * d;
#if defined(AK_X86)
    if (job->avx2) {
      row_avx2(q, keys, values, n, d, p->scale, w, out);
      continue;
    }
#endif
    row_portable(q, keys, values, n, d, p->scale, w, out);
  }
  free(scratch);
  return 0;
}

int ak_decode_attention(const ak_decode_attention_problem *p, ak_isa isa, int threads) {
  if (p->count < 1 || p->heads < 1 || p->kv_heads < 1 || p->depth < 1 || p->start < 0 ||
      p->heads % p->kv_heads != 0 || p->capacity < p->start + p->count) {
    return -2;
  }
  decode_job job = {.problem = p, .avx2 = isa >= AK_ISA_AVX2_FMA, .next_item = 0};
  const long items = p->count * p->heads;
  const double work = (double)items * (double)(p->start + p->count) * (double)p->depth;
  if (work < (double)MINIMUM_PARALLEL_WORK || threads < 1) threads = 1;
  if (threads > items) threads = (int)items;
  return ak_pool_run(decode_work, &job, threads);
}
