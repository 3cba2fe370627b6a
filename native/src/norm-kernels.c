/*
 * LayerNorm forward and input gradient, and pooling + the final norm with its backward
 * (wgsl-kernels.ts: ln-fwd, ln-bwd, pool-fwd, pool-bwd). One row (image, for pooling) per work unit.
 */
#include <math.h>
#include <stdio.h>

#include "kernels.h"
#include "rows.h"

/* Y = (x - mean) * rstd * g + b over one row; returns (mean, rstd). */
SPT_HOT static void norm_row(const float *x, const float *g, const float *bt, float *y, int D, float eps,
                             float *mean_out, float *rstd_out) {
  float mean = spt_sum(x, D) / (float)D;
  float rstd = 1.0f / sqrtf(spt_sum_sq_dev(x, D, mean) / (float)D + eps);
  for (int d = 0; d < D; d++) y[d] = ((x[d] - mean) * rstd) * g[d] + bt[d];
  *mean_out = mean;
  *rstd_out = rstd;
}

/* The LayerNorm input gradient of one row (frozen g): ((g dy - m1) - xhat m2) * rstd [+ dres]. */
SPT_HOT static void norm_grad_row(const float *dy, const float *x, const float *g, const float *dres, float *dx,
                                  int D, float mean, float rstd) {
  float acc1[8] = {0}, acc2[8] = {0};
  int d = 0;
  for (; d + 8 <= D; d += 8)
    for (int l = 0; l < 8; l++) {
      float gg = dy[d + l] * g[d + l];
      acc1[l] += gg;
      acc2[l] += gg * ((x[d + l] - mean) * rstd);
    }
  for (int l = 0; d < D; d++, l++) {
    float gg = dy[d] * g[d];
    acc1[l] += gg;
    acc2[l] += gg * ((x[d] - mean) * rstd);
  }
  float s1 = ((acc1[0] + acc1[4]) + (acc1[2] + acc1[6])) + ((acc1[1] + acc1[5]) + (acc1[3] + acc1[7]));
  float s2 = ((acc2[0] + acc2[4]) + (acc2[2] + acc2[6])) + ((acc2[1] + acc2[5]) + (acc2[3] + acc2[7]));
  float m1 = s1 / (float)D, m2 = s2 / (float)D;
  for (d = 0; d < D; d++) {
    float gg = dy[d] * g[d];
    float xhat = (x[d] - mean) * rstd;
    float v = ((gg - m1) - xhat * m2) * rstd;
    dx[d] = dres ? dres[d] + v : v;
  }
}

/* ---- ln-fwd: X, G, Bt, Y, S ---- */
typedef struct {
  const spt_ln_fwd_u *u;
  const float *X, *G, *B;
  float *Y, *S;
} ln_fwd_k;

static void ln_fwd_row(const void *kv, long r, int tid) {
  (void)tid;
  const ln_fwd_k *k = kv;
  const size_t D = k->u->D;
  norm_row(k->X + r * D, k->G, k->B, k->Y + r * D, (int)D, k->u->eps, &k->S[2 * r], &k->S[2 * r + 1]);
}

const char *spt_ln_fwd(const void *uv, spt_buf *b, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_ln_fwd_u *u = uv;
  const uint64_t n = (uint64_t)u->rows * u->D;
  if (u->D == 0) return u->rows ? SPT_ERR("ln-fwd: D is 0") : NULL;
  if (!spt_fits(0, n, b[0].n) || !spt_fits(0, u->D, b[1].n) || !spt_fits(0, u->D, b[2].n) ||
      !spt_fits(0, n, b[3].n) || !spt_fits(0, 2ull * u->rows, b[4].n))
    return SPT_ERR("ln-fwd: %u rows of %u past a buffer", u->rows, u->D);
  ln_fwd_k k = {u, b[0].p, b[1].p, b[2].p, b[3].p, b[4].p};
  spt_for_rows(u->rows, 8.0 * u->D, ln_fwd_row, &k);
  return NULL;
}

/* ---- ln-bwd: DY, X, S, G, DRES, DX ---- */
typedef struct {
  const spt_ln_bwd_u *u;
  const float *DY, *X, *S, *G, *DRES;
  float *DX;
} ln_bwd_k;

static void ln_bwd_row(const void *kv, long r, int tid) {
  (void)tid;
  const ln_bwd_k *k = kv;
  const size_t D = k->u->D;
  norm_grad_row(k->DY + r * D, k->X + r * D, k->G, k->DRES + r * D, k->DX + r * D, (int)D, k->S[2 * r],
                k->S[2 * r + 1]);
}

const char *spt_ln_bwd(const void *uv, spt_buf *b, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_ln_bwd_u *u = uv;
  const uint64_t n = (uint64_t)u->rows * u->D;
  if (u->D == 0) return u->rows ? SPT_ERR("ln-bwd: D is 0") : NULL;
  if (!spt_fits(0, n, b[0].n) || !spt_fits(0, n, b[1].n) || !spt_fits(0, 2ull * u->rows, b[2].n) ||
      !spt_fits(0, u->D, b[3].n) || !spt_fits(0, n, b[4].n) || !spt_fits(0, n, b[5].n))
    return SPT_ERR("ln-bwd: %u rows of %u past a buffer", u->rows, u->D);
  ln_bwd_k k = {u, b[0].p, b[1].p, b[2].p, b[3].p, b[4].p, b[5].p};
  spt_for_rows(u->rows, 12.0 * u->D, ln_bwd_row, &k);
  return NULL;
}

/* ---- pool-fwd: X [b, L, D], G, Bt, PIN [b, D], POOL [b, D], S [b, 2] ---- */
typedef struct {
  const spt_pool_fwd_u *u;
  const float *X, *G, *B;
  float *PIN, *POOL, *S;
} pool_fwd_k;

static void pool_fwd_row(const void *kv, long r, int tid) {
  (void)tid;
  const pool_fwd_k *k = kv;
  const size_t L = k->u->L, D = k->u->D;
  const float *x = k->X + r * L * D;
  float *pin = k->PIN + r * D;
  if (k->u->mean == 1) {
    for (size_t d = 0; d < D; d++) pin[d] = 0.0f;
    for (size_t l = 1; l < L; l++)
      for (size_t d = 0; d < D; d++) pin[d] += x[l * D + d];
    for (size_t d = 0; d < D; d++) pin[d] = pin[d] / (float)(L - 1);
  } else {
    for (size_t d = 0; d < D; d++) pin[d] = x[d];
  }
  norm_row(pin, k->G, k->B, k->POOL + r * D, (int)D, k->u->eps, &k->S[2 * r], &k->S[2 * r + 1]);
}

const char *spt_pool_fwd(const void *uv, spt_buf *b, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_pool_fwd_u *u = uv;
  if (u->b == 0) return NULL;
  if (u->D == 0 || (u->mean == 1 && u->L < 2) || u->L == 0) return SPT_ERR("pool-fwd: L %u, D %u", u->L, u->D);
  const uint64_t bd = (uint64_t)u->b * u->D;
  if (!spt_fits(0, bd * u->L, b[0].n) || !spt_fits(0, u->D, b[1].n) || !spt_fits(0, u->D, b[2].n) ||
      !spt_fits(0, bd, b[3].n) || !spt_fits(0, bd, b[4].n) || !spt_fits(0, 2ull * u->b, b[5].n))
    return SPT_ERR("pool-fwd: %u images past a buffer", u->b);
  pool_fwd_k k = {u, b[0].p, b[1].p, b[2].p, b[3].p, b[4].p, b[5].p};
  spt_for_rows(u->b, (u->mean == 1 ? (double)u->L : 1.0) * u->D + 8.0 * u->D, pool_fwd_row, &k);
  return NULL;
}

/* ---- pool-bwd: DPOOL [b, D], PIN, S, G, DX [b, L, D] ---- */
typedef struct {
  const spt_pool_bwd_u *u;
  const float *DPOOL, *PIN, *S, *G;
  float *DX;
} pool_bwd_k;

static void pool_bwd_row(const void *kv, long r, int tid) {
  const pool_bwd_k *k = kv;
  const size_t L = k->u->L, D = k->u->D;
  float *dpin = spt_scratch(tid, D); /* allocated for every thread before the rows ran */
  norm_grad_row(k->DPOOL + r * D, k->PIN + r * D, k->G, NULL, dpin, (int)D, k->S[2 * r], k->S[2 * r + 1]);
  float *dx = k->DX + r * L * D;
  if (k->u->mean == 1) {
    for (size_t d = 0; d < D; d++) {
      float share = dpin[d] / (float)(L - 1);
      dx[d] = 0.0f;
      for (size_t l = 1; l < L; l++) dx[l * D + d] = share;
    }
  } else {
    for (size_t d = 0; d < D; d++) dx[d] = dpin[d];
    for (size_t l = 1; l < L; l++)
      for (size_t d = 0; d < D; d++) dx[l * D + d] = 0.0f;
  }
}

const char *spt_pool_bwd(const void *uv, spt_buf *b, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_pool_bwd_u *u = uv;
  if (u->b == 0) return NULL;
  if (u->D == 0 || (u->mean == 1 && u->L < 2) || u->L == 0) return SPT_ERR("pool-bwd: L %u, D %u", u->L, u->D);
  const uint64_t bd = (uint64_t)u->b * u->D;
  if (!spt_fits(0, bd, b[0].n) || !spt_fits(0, bd, b[1].n) || !spt_fits(0, 2ull * u->b, b[2].n) ||
      !spt_fits(0, u->D, b[3].n) || !spt_fits(0, bd * u->L, b[4].n))
    return SPT_ERR("pool-bwd: %u images past a buffer", u->b);
  if (!spt_scratch_all(u->D)) return SPT_ERR("pool-bwd: out of memory");
  pool_bwd_k k = {u, b[0].p, b[1].p, b[2].p, b[3].p, b[4].p};
  spt_for_rows(u->b, 12.0 * u->D + (double)u->L * u->D, pool_bwd_row, &k);
  return NULL;
}
