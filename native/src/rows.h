/* Row-parallel loops and the deterministic reductions the row kernels share (rows.c). */
#ifndef SPT_ROWS_H
#define SPT_ROWS_H

#include <stddef.h>

typedef void (*spt_row_fn)(const void *k, long row, int tid);

/* Runs row(k, r, tid) for every r < rows on the pool; `cost` is a row's work in flops (for chunking). */
void spt_for_rows(long rows, double cost, spt_row_fn row, const void *k);

/* Sums in 8 interleaved lanes, then the lanes in a fixed tree: the same order on any thread count. */
float spt_sum(const float *x, int n);
/* sum of (x[i] - c)^2 */
float spt_sum_sq_dev(const float *x, int n, float c);
/* sum of a[i] * b[i] */
float spt_dot(const float *a, const float *b, int n);
float spt_max(const float *x, int n);

#define SPT_ERR(...) (snprintf(err, errlen, __VA_ARGS__), err)

#endif
