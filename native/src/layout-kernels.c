/* The embedding's layout kernels and the batch sums (wgsl-kernels.ts: patchify, token-rows,
 * reduce-rows:0 and :1). */
#include <stdio.h>
#include <string.h>

#include "kernels.h"
#include "rows.h"

/* ---- patchify: IMG NHWC [b, S, S, C] -> OUT [b * T, C * P * P] in (c, ph, pw) order ---- */
typedef struct {
  const spt_patchify_u *u;
  const float *IMG;
  float *OUT;
  uint64_t cpp;
} patchify_k;

static void patchify_row(const void *kv, long prow, int tid) {
  (void)tid;
  const patchify_k *k = kv;
  const spt_patchify_u *u = k->u;
  const uint64_t T = (uint64_t)u->g * u->g;
  const uint64_t b = prow / T, t = prow % T, gy = t / u->g, gx = t % u->g;
  const uint64_t first = prow * k->cpp;
  uint64_t end = first + k->cpp;
  if (end > u->total) end = u->total;
  for (uint64_t i = first; i < end; i++) {
    uint64_t col = i - first;
    uint64_t c = col / ((uint64_t)u->P * u->P), ph = (col / u->P) % u->P, pw = col % u->P;
    uint64_t y = gy * u->P + ph, x = gx * u->P + pw;
    k->OUT[i] = k->IMG[((b * u->S + y) * u->S + x) * u->C + c];
  }
}

const char *spt_patchify(const void *uv, spt_buf *bf, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_patchify_u *u = uv;
  if (u->total == 0) return NULL;
  const uint64_t cpp = (uint64_t)u->C * u->P * u->P;
  if (cpp == 0 || u->g == 0) return SPT_ERR("patchify: C, P or g is 0");
  const uint64_t rows = (u->total + cpp - 1) / cpp;
  const uint64_t T = (uint64_t)u->g * u->g;
  const uint64_t bMax = (rows - 1) / T, side = (uint64_t)u->g * u->P - 1;
  const uint64_t imgMax = ((bMax * u->S + side) * u->S + side) * u->C + u->C - 1;
  if (!spt_fits(0, imgMax + 1, bf[0].n) || !spt_fits(0, u->total, bf[1].n))
    return SPT_ERR("patchify: %u values past a buffer", u->total);
  patchify_k k = {u, bf[0].p, bf[1].p, cpp};
  spt_for_rows((long)rows, (double)cpp, patchify_row, &k);
  return NULL;
}

/* ---- token-rows: CLS [D], POS [1 + T, D], PRM (set at promptOff), X [b, L, D] ---- */
typedef struct {
  const spt_token_rows_u *u;
  const float *CLS, *POS, *PRM;
  float *X;
} token_rows_k;

static void token_rows_image(const void *kv, long b, int tid) {
  (void)tid;
  const token_rows_k *k = kv;
  const spt_token_rows_u *u = k->u;
  const size_t D = u->D, L = u->L;
  if (u->withCls == 1)
    for (size_t d = 0; d < D; d++) k->X[b * L * D + d] = k->CLS[d] + k->POS[d];
  if (u->N) memcpy(k->X + (b * L + 1) * D, k->PRM + u->promptOff, sizeof(float) * u->N * D);
}

const char *spt_token_rows(const void *uv, spt_buf *bf, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_token_rows_u *u = uv;
  if (u->withCls > 1) return SPT_ERR("token-rows: withCls is %u (0 or 1)", u->withCls);
  if (u->b == 0 || (u->withCls + u->N) == 0 || u->D == 0) return NULL;
  if (u->L < 1 + u->N) return SPT_ERR("token-rows: %u prompt rows do not fit %u tokens", u->N, u->L);
  const uint64_t xSpan = (uint64_t)u->b * u->L * u->D;
  if (!spt_fits(0, u->withCls ? u->D : 0, bf[0].n) || !spt_fits(0, u->withCls ? u->D : 0, bf[1].n) ||
      !spt_fits(u->promptOff, (uint64_t)u->N * u->D, bf[2].n) || !spt_fits(0, xSpan, bf[3].n))
    return SPT_ERR("token-rows: %u images past a buffer", u->b);
  token_rows_k k = {u, bf[0].p, bf[1].p, bf[2].p, bf[3].p};
  spt_for_rows(u->b, (double)(u->withCls + u->N) * u->D, token_rows_image, &k);
  return NULL;
}

/* ---- reduce-rows: OUT[outOff + j] += sum over r < R of IN[inOff + r * stride + j] (then IN = 0) ---- */
typedef struct {
  const spt_reduce_rows_u *u;
  float *IN, *OUT;
  int clear;
  long chunks;
} reduce_k;

SPT_HOT static void add_row(float *acc, const float *x, long n) {
  for (long j = 0; j < n; j++) acc[j] += x[j];
}

static void reduce_item(void *kv, long item, int tid) {
  const reduce_k *k = kv;
  const spt_reduce_rows_u *u = k->u;
  const long j0 = item * (long)u->W / k->chunks, j1 = (item + 1) * (long)u->W / k->chunks;
  const long n = j1 - j0;
  if (n <= 0) return;
  float *acc = spt_scratch(tid, (size_t)n); /* allocated for every thread before the items ran */
  memset(acc, 0, sizeof(float) * n);
  for (uint64_t r = 0; r < u->R; r++) {
    float *row = k->IN + u->inOff + r * u->stride + j0;
    add_row(acc, row, n);
    if (k->clear) memset(row, 0, sizeof(float) * n);
  }
  add_row(k->OUT + u->outOff + j0, acc, n);
}

static const char *reduce_rows(int clear, const void *uv, spt_buf *bf, char *err, size_t errlen) {
  const spt_reduce_rows_u *u = uv;
  if (u->W == 0) return NULL;
  const uint64_t inSpan = u->R ? (uint64_t)(u->R - 1) * u->stride + u->W : 0;
  if (!spt_fits(u->inOff, inSpan, bf[0].n) || !spt_fits(u->outOff, u->W, bf[1].n))
    return SPT_ERR("reduce-rows: %u rows of %u past a buffer", u->R, u->W);
  if (u->R > 1 && u->stride < u->W) return SPT_ERR("reduce-rows: stride %u under the width %u", u->stride, u->W);
  reduce_k k = {u, bf[0].p, bf[1].p, clear, spt_pool_chunks(u->W, (double)u->R)};
  if (!spt_scratch_all((size_t)(u->W + k.chunks - 1) / k.chunks + 1)) return SPT_ERR("reduce-rows: out of memory");
  spt_pool_run(k.chunks, reduce_item, &k);
  return NULL;
}

const char *spt_reduce_rows0(const void *uv, spt_buf *bf, uint32_t z, char *err, size_t errlen) {
  (void)z;
  return reduce_rows(0, uv, bf, err, errlen);
}

const char *spt_reduce_rows1(const void *uv, spt_buf *bf, uint32_t z, char *err, size_t errlen) {
  (void)z;
  return reduce_rows(1, uv, bf, err, errlen);
}
