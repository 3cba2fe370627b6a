/* AdamW over the flat trainable values and the finite check (wgsl-kernels.ts: adamw, all-finite). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernels.h"
#include "rows.h"

typedef struct {
  const spt_adamw_u *u;
  float *PRM, *M, *V;
  const float *GRAD;
  long chunks;
} adamw_k;

SPT_HOT static void adamw_range(const spt_adamw_u *u, float *prm, const float *grad, float *m, float *v,
                                long i0, long i1) {
  for (long i = i0; i < i1; i++) {
    float decay = (uint64_t)i < u->end0 ? u->decay0 : (uint64_t)i < u->end1 ? u->decay1 : u->decay2;
    float g = grad[i];
    float m1 = m[i] * u->beta1 + g * u->oneMinusBeta1;
    float v1 = v[i] * u->beta2 + (g * g) * u->oneMinusBeta2;
    float denom = sqrtf(v1) / u->sqrtBc2 + u->eps;
    prm[i] = prm[i] * decay - (m1 / denom) * u->stepSize;
    m[i] = m1;
    v[i] = v1;
  }
}

static void adamw_item(void *kv, long item, int tid) {
  (void)tid;
  const adamw_k *k = kv;
  const long n = (long)k->u->n;
  adamw_range(k->u, k->PRM, k->GRAD, k->M, k->V, item * n / k->chunks, (item + 1) * n / k->chunks);
}

const char *spt_adamw(const void *uv, spt_buf *b, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_adamw_u *u = uv;
  for (int i = 0; i < 4; i++)
    if (!spt_fits(0, u->n, b[i].n)) return SPT_ERR("adamw: %u values past a buffer", u->n);
  adamw_k k = {u, b[0].p, b[2].p, b[3].p, b[1].p, spt_pool_chunks(u->n, 12.0)};
  spt_pool_run(k.chunks, adamw_item, &k);
  return NULL;
}

/* STATS[at] = 1 when every value is finite, else 0 (exponent bits: no reliance on isnan/isinf). */
const char *spt_all_finite(const void *uv, spt_buf *b, uint32_t z, char *err, size_t errlen) {
  (void)z;
  const spt_all_finite_u *u = uv;
  if (!spt_fits(0, u->n, b[0].n) || !spt_fits(u->at, 1, b[1].n))
    return SPT_ERR("all-finite: %u values or flag %u past a buffer", u->n, u->at);
  uint32_t bad = 0;
  for (uint32_t i = 0; i < u->n; i++) {
    uint32_t bits;
    memcpy(&bits, &b[0].p[i], sizeof bits);
    bad |= (bits & 0x7fffffffu) >= 0x7f800000u;
  }
  b[1].p[u->at] = bad ? 0.0f : 1.0f;
  return NULL;
}
