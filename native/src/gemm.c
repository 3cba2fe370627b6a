/*
 * The step engine's GEMM (src/engine/webgpu/wgsl-gemm.ts is the specification): for every batch index
 * z < Z (the dispatch's workgroups[2]) with zo = z / batchInner, zi = z % batchInner,
 *
 *   C_z = epilogue(op(A_z) @ op(B_z) [+ bias]),  X_z = X + xOff + zo * xOuter + zi * xInner (row stride ldx)
 *
 * with A optionally passed through GELU as it is read, and the epilogue storing, accumulating (C +=),
 * adding a residual R, or multiplying by GELU'(R). Each product is one cblas_sgemm (OpenBLAS, one
 * thread per call) on the operands in place; GELU(A) is written to a per-thread scratch first; bias
 * rows are put in C before the product (beta = 1: C = bias + A B, the WGSL's acc + bias), the
 * residual and GELU' epilogues run on each block of rows right after its product, while it is in cache.
 * Work items are whole products when the batch has enough of them for every thread, else row blocks.
 */
#include <stdio.h>

#include "spt-math.h"
#include "spt-native.h"

#ifdef SPT_ACCELERATE
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

typedef struct {
  const spt_gemm_u *u;
  int transA, transB, geluA, bias, epi;
  const float *A, *B, *Bias, *R;
  float *C;
  long mchunks;
} gemm_ctx;

SPT_HOT static void gelu_rows(float *dst, const float *a, size_t lda, int rows, int K, int trans) {
  if (!trans) {
    for (int m = 0; m < rows; m++) {
      const float *src = a + (size_t)m * lda;
      float *out = dst + (size_t)m * K;
      for (int k = 0; k < K; k++) out[k] = spt_gelu(src[k]);
    }
  } else {
    /* A stored [K, M]: element (m, k) at k * lda + m */
    for (int m = 0; m < rows; m++)
      for (int k = 0; k < K; k++) dst[(size_t)m * K + k] = spt_gelu(a[(size_t)k * lda + m]);
  }
}

SPT_HOT static void rows_bias(float *c, size_t ldc, int rows, int N, const float *bias, int add) {
  for (int m = 0; m < rows; m++) {
    float *row = c + (size_t)m * ldc;
    if (add)
      for (int n = 0; n < N; n++) row[n] += bias[n];
    else
      for (int n = 0; n < N; n++) row[n] = bias[n];
  }
}

SPT_HOT static void rows_residual(float *c, size_t ldc, const float *r, size_t ldr, int rows, int N) {
  for (int m = 0; m < rows; m++) {
    float *row = c + (size_t)m * ldc;
    const float *rr = r + (size_t)m * ldr;
    for (int n = 0; n < N; n++) row[n] = row[n] + rr[n];
  }
}

SPT_HOT static void rows_gelu_grad(float *c, size_t ldc, const float *r, size_t ldr, int rows, int N) {
  for (int m = 0; m < rows; m++) {
    float *row = c + (size_t)m * ldc;
    const float *rr = r + (size_t)m * ldr;
    for (int n = 0; n < N; n++) row[n] = row[n] * spt_gelu_grad(rr[n]);
  }
}

static void gemm_item(void *vctx, long item, int tid) {
  const gemm_ctx *g = vctx;
  const spt_gemm_u *u = g->u;
  const long z = item / g->mchunks, chunk = item % g->mchunks;
  const long m0 = chunk * (long)u->M / g->mchunks, m1 = (chunk + 1) * (long)u->M / g->mchunks;
  const int rows = (int)(m1 - m0);
  if (rows <= 0) return;
  const uint64_t zo = (uint64_t)z / u->batchInner, zi = (uint64_t)z % u->batchInner;
  const size_t aBase = u->aOff + zo * u->aOuter + zi * u->aInner;
  const size_t bBase = u->bOff + zo * u->bOuter + zi * u->bInner;
  const size_t cBase = u->cOff + zo * u->cOuter + zi * u->cInner;
  const size_t rBase = u->rOff + zo * u->rOuter + zi * u->rInner;
  const int N = (int)u->N, K = (int)u->K;
  const float *a;
  int lda, ta = g->transA;
  if (g->geluA) {
    float *s = spt_scratch(tid, (size_t)rows * K); /* allocated before the items ran */
    gelu_rows(s, g->A + aBase + (ta ? (size_t)m0 : (size_t)m0 * u->lda), u->lda, rows, K, ta);
    a = s;
    lda = K;
    ta = 0;
  } else {
    a = g->A + aBase + (ta ? (size_t)m0 : (size_t)m0 * u->lda);
    lda = (int)u->lda;
  }
  float *c = g->C + cBase + (size_t)m0 * u->ldc;
  float beta = g->epi == SPT_EPI_ACCUMULATE ? 1.0f : 0.0f;
  if (g->bias) {
    rows_bias(c, u->ldc, rows, N, g->Bias + u->biasOff, beta == 1.0f);
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, g->transB ? CblasTrans : CblasNoTrans, rows, N, K,
              1.0f, a, lda, g->B + bBase, (int)u->ldb, beta, c, (int)u->ldc);
  if (g->epi == SPT_EPI_RESIDUAL)
    rows_residual(c, u->ldc, g->R + rBase + (size_t)m0 * u->ldr, u->ldr, rows, N);
  else if (g->epi == SPT_EPI_GELU_GRAD)
    rows_gelu_grad(c, u->ldc, g->R + rBase + (size_t)m0 * u->ldr, u->ldr, rows, N);
}

/* The largest zo * outer + zi * inner over z < Z. */
static uint64_t max_batch_offset(uint64_t Z, uint64_t bi, uint64_t outer, uint64_t inner) {
  uint64_t last = Z - 1;
  uint64_t best = (last / bi) * outer + (last % bi) * inner;
  if (last / bi > 0) {
    uint64_t alt = (last / bi - 1) * outer + (bi - 1) * inner;
    if (alt > best) best = alt;
  }
  return best;
}

const char *spt_gemm(int variant, const void *uniform, spt_buf *bufs, uint32_t Z, char *err, size_t errlen) {
  const spt_gemm_u *u = uniform;
  gemm_ctx g = {.u = u,
               .transA = variant & 1,
               .transB = (variant >> 1) & 1,
               .geluA = (variant >> 2) & 1,
               .bias = (variant >> 3) & 1,
               .epi = (variant >> 4) & 3};
  const int hasR = g.epi == SPT_EPI_RESIDUAL || g.epi == SPT_EPI_GELU_GRAD;
  if (Z == 0 || u->M == 0 || u->N == 0) return NULL;
  if (u->batchInner == 0) return snprintf(err, errlen, "gemm: batchInner is 0"), err;
  if (u->M > 0x7fffffffu || u->N > 0x7fffffffu || u->K > 0x7fffffffu)
    return snprintf(err, errlen, "gemm: M, N or K over 2^31"), err;
  /* BLAS reads rows that do not overlap: the leading dimensions must cover a row */
  if (u->lda < (g.transA ? u->M : u->K) || u->ldb < (g.transB ? u->K : u->N) || u->ldc < u->N)
    return snprintf(err, errlen, "gemm: lda %u, ldb %u or ldc %u shorter than a row (M %u, N %u, K %u)", u->lda,
                    u->ldb, u->ldc, u->M, u->N, u->K),
           err;
  const uint64_t M = u->M, N = u->N, K = u->K;
  int b = 3;
  spt_buf *A = &bufs[0], *B = &bufs[1], *C = &bufs[2];
  spt_buf *Bias = g.bias ? &bufs[b++] : NULL;
  spt_buf *R = hasR ? &bufs[b++] : NULL;
  const uint64_t spanA = K == 0 ? 0 : g.transA ? (K - 1) * u->lda + M : (M - 1) * u->lda + K;
  const uint64_t spanB = K == 0 ? 0 : g.transB ? (N - 1) * u->ldb + K : (K - 1) * u->ldb + N;
  const uint64_t spanC = (M - 1) * u->ldc + N;
  if (!spt_fits(u->aOff + max_batch_offset(Z, u->batchInner, u->aOuter, u->aInner), spanA, A->n))
    return snprintf(err, errlen, "gemm: A read past its buffer (%zu floats)", A->n), err;
  if (!spt_fits(u->bOff + max_batch_offset(Z, u->batchInner, u->bOuter, u->bInner), spanB, B->n))
    return snprintf(err, errlen, "gemm: B read past its buffer (%zu floats)", B->n), err;
  if (!spt_fits(u->cOff + max_batch_offset(Z, u->batchInner, u->cOuter, u->cInner), spanC, C->n))
    return snprintf(err, errlen, "gemm: C written past its buffer (%zu floats)", C->n), err;
  if (Bias && !spt_fits(u->biasOff, N, Bias->n))
    return snprintf(err, errlen, "gemm: bias read past its buffer (%zu floats)", Bias->n), err;
  if (R && !spt_fits(u->rOff + max_batch_offset(Z, u->batchInner, u->rOuter, u->rInner), (M - 1) * u->ldr + N, R->n))
    return snprintf(err, errlen, "gemm: R read past its buffer (%zu floats)", R->n), err;
  g.A = A->p;
  g.B = B->p;
  g.C = C->p;
  g.Bias = Bias ? Bias->p : NULL;
  g.R = R ? R->p : NULL;
  /* Whole products per item when there are enough of them; else blocks of rows of each. */
  const int T = spt_pool_threads();
  g.mchunks = 1;
  if (T > 1 && Z < 2u * (uint32_t)T) {
    long want = (4L * T + Z - 1) / Z;
    long byRows = (long)(M / 32);
    double flops = 2.0 * (double)M * N * (K ? K : 1);
    long byWork = (long)(flops / 2e5); /* a block of rows is worth a hand-off above ~0.2 MFLOP */
    g.mchunks = want;
    if (g.mchunks > byRows) g.mchunks = byRows;
    if (g.mchunks > byWork) g.mchunks = byWork;
    if (g.mchunks < 1) g.mchunks = 1;
  }
  if (g.geluA) {
    const size_t rowsMax = (size_t)((M + g.mchunks - 1) / g.mchunks);
    for (int t = 0; t < T; t++)
      if (!spt_scratch(t, rowsMax * K)) return snprintf(err, errlen, "gemm: out of memory for GELU(A)"), err;
  }
  spt_pool_run((long)Z * g.mchunks, gemm_item, &g);
  return NULL;
}
