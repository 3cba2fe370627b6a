/* Row-parallel loops and the reductions of the row kernels (see rows.h). */
#include "rows.h"

#include "spt-native.h"

typedef struct {
  spt_row_fn row;
  const void *k;
  long rows, chunks;
} rows_job;

static void rows_item(void *ctx, long item, int tid) {
  const rows_job *j = ctx;
  long r0 = item * j->rows / j->chunks, r1 = (item + 1) * j->rows / j->chunks;
  for (long r = r0; r < r1; r++) j->row(j->k, r, tid);
}

void spt_for_rows(long rows, double cost, spt_row_fn row, const void *k) {
  if (rows <= 0) return;
  rows_job j = {row, k, rows, spt_pool_chunks(rows, cost)};
  spt_pool_run(j.chunks, rows_item, &j);
}

static inline float fold8(const float *acc) {
  return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

SPT_HOT float spt_sum(const float *x, int n) {
  float acc[8] = {0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) acc[l] += x[i + l];
  for (int l = 0; i < n; i++, l++) acc[l] += x[i];
  return fold8(acc);
}

SPT_HOT float spt_sum_sq_dev(const float *x, int n, float c) {
  float acc[8] = {0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) {
      float d = x[i + l] - c;
      acc[l] += d * d;
    }
  for (int l = 0; i < n; i++, l++) {
    float d = x[i] - c;
    acc[l] += d * d;
  }
  return fold8(acc);
}

SPT_HOT float spt_dot(const float *a, const float *b, int n) {
  float acc[8] = {0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) acc[l] += a[i + l] * b[i + l];
  for (int l = 0; i < n; i++, l++) acc[l] += a[i] * b[i];
  return fold8(acc);
}

SPT_HOT float spt_max(const float *x, int n) {
  float acc[8];
  for (int l = 0; l < 8; l++) acc[l] = -3.4028234663852886e38f;
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) acc[l] = x[i + l] > acc[l] ? x[i + l] : acc[l];
  for (int l = 0; i < n; i++, l++) acc[l] = x[i] > acc[l] ? x[i] : acc[l];
  float m = acc[0];
  for (int l = 1; l < 8; l++) m = acc[l] > m ? acc[l] : m;
  return m;
}
