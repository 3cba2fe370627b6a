/* Softmax forward (in place) and backward (in place on dP), and the softmax cross-entropy of the head
 * (wgsl-kernels.ts: softmax-fwd, softmax-bwd, cross-entropy). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernels.h"
#include "rows.h"
#include "spt-math.h"

/* ---- softmax-fwd: X [rows, W] in place ---- */
typedef struct {
  const spt_softmax_u *u;
  float *X;
} softmax_k;

SPT_HOT static float exp_shifted(float *x, int W, float mx) {
  float acc[8] = {0};
  int i = 0;
  for (; i + 8 <= W; i += 8)
    for (int l = 0; l < 8; l++) {
      float e = spt_expf(x[i + l] - mx);
      x[i + l] = e;
      acc[l] += e;
    }
  for (int l = 0; i < W; i++, l++) {
    float e = spt_expf(x[i] - mx);
    x[i] = e;
    acc[l] += e;
  }
  return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

SPT_HOT static void divide(float *x, int W, float total) {
  for (int i = 0; i < W; i++) x[i] = x[i] / total;
}

static void softmax_fwd_row(const void *kv, long r, int tid) {
  (void)tid;
  const softmax_k *k = kv;
  const int W = (int)k->u->W;
  float *x = k->X + r * (size_t)W;
  float total = exp_shifted(x, W, spt_max(x, W));
  divide(x, W, total);
}

const char *spt_softmax_fwd(const void *uv, spt_buf *b, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_softmax_u *u = uv;
  if (u->W > 0x7fffffffu) return SPT_ERR("softmax-fwd: W %u", u->W);
  if (!spt_fits(0, (uint64_t)u->rows * u->W, b[0].n))
    return SPT_ERR("softmax-fwd: %u rows of %u past the buffer", u->rows, u->W);
  if (u->W == 0) return NULL;
  softmax_k k = {u, b[0].p};
  spt_for_rows(u->rows, 30.0 * u->W, softmax_fwd_row, &k);
  return NULL;
}

/* ---- softmax-bwd: P, DP [rows, W]; DP = P * (DP - sum(DP * P)) ---- */
typedef struct {
  const spt_softmax_u *u;
  const float *P;
  float *DP;
} softmax_bwd_k;

SPT_HOT static void softmax_grad(const float *p, float *dp, int W, float dot) {
  for (int i = 0; i < W; i++) dp[i] = p[i] * (dp[i] - dot);
}

static void softmax_bwd_row(const void *kv, long r, int tid) {
  (void)tid;
  const softmax_bwd_k *k = kv;
  const int W = (int)k->u->W;
  const float *p = k->P + r * (size_t)W;
  float *dp = k->DP + r * (size_t)W;
  softmax_grad(p, dp, W, spt_dot(dp, p, W));
}

const char *spt_softmax_bwd(const void *uv, spt_buf *b, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_softmax_u *u = uv;
  const uint64_t n = (uint64_t)u->rows * u->W;
  if (u->W > 0x7fffffffu) return SPT_ERR("softmax-bwd: W %u", u->W);
  if (!spt_fits(0, n, b[0].n) || !spt_fits(0, n, b[1].n))
    return SPT_ERR("softmax-bwd: %u rows of %u past a buffer", u->rows, u->W);
  if (u->W == 0) return NULL;
  softmax_bwd_k k = {u, b[0].p, b[1].p};
  spt_for_rows(u->rows, 4.0 * u->W, softmax_bwd_row, &k);
  return NULL;
}

/* ---- cross-entropy: LOGITS [b, C], LABELS u32 [b], DLOGITS [b, C], STATS ---- */
const char *spt_cross_entropy(const void *uv, spt_buf *bf, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_ce_u *u = uv;
  const uint64_t n = (uint64_t)u->b * u->C;
  if (u->b == 0) return NULL;
  if (u->C == 0) return SPT_ERR("cross-entropy: no classes");
  if (!spt_fits(0, n, bf[0].n) || !spt_fits(0, u->b, bf[1].n) || !spt_fits(0, n, bf[2].n) ||
      !spt_fits(u->rowOff, u->b, bf[3].n) || !spt_fits(u->predOff, u->b, bf[3].n))
    return SPT_ERR("cross-entropy: %u rows of %u past a buffer", u->b, u->C);
  const float *logits = bf[0].p;
  float *dlogits = bf[2].p, *stats = bf[3].p;
  for (uint32_t r = 0; r < u->b; r++) {
    uint32_t y;
    memcpy(&y, &bf[1].p[r], sizeof y); /* the labels buffer holds u32 */
    if (y >= u->C) return SPT_ERR("cross-entropy: label %u of row %u is not below %u classes", y, r, u->C);
  }
  /* b rows of C classes: too little work to hand out */
  for (uint32_t r = 0; r < u->b; r++) {
    const float *l = logits + (size_t)r * u->C;
    float *dl = dlogits + (size_t)r * u->C;
    uint32_t y;
    memcpy(&y, &bf[1].p[r], sizeof y);
    float m = l[0];
    uint32_t arg = 0;
    for (uint32_t c = 1; c < u->C; c++)
      if (l[c] > m) {
        m = l[c];
        arg = c;
      }
    float s = 0.0f;
    for (uint32_t c = 0; c < u->C; c++) s += expf(l[c] - m);
    float lse = logf(s);
    stats[u->rowOff + r] = -((l[y] - m) - lse);
    stats[u->predOff + r] = (float)arg;
    for (uint32_t c = 0; c < u->C; c++) {
      float prob = expf(l[c] - m) / s;
      dl[c] = (prob - (c == y ? 1.0f : 0.0f)) * u->scale;
    }
  }
  return NULL;
}
