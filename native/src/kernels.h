/* The kernels other than the GEMM, and the table that names them (kernel-table.c). */
#ifndef SPT_KERNELS_H
#define SPT_KERNELS_H

#include "spt-native.h"

#define SPT_KERNEL(name) const char *name(const void *uv, spt_buf *b, uint32_t z, char *err, size_t errlen)
SPT_KERNEL(spt_ln_fwd);
SPT_KERNEL(spt_ln_bwd);
SPT_KERNEL(spt_softmax_fwd);
SPT_KERNEL(spt_softmax_bwd);
SPT_KERNEL(spt_patchify);
SPT_KERNEL(spt_token_rows);
SPT_KERNEL(spt_reduce_rows0);
SPT_KERNEL(spt_reduce_rows1);
SPT_KERNEL(spt_pool_fwd);
SPT_KERNEL(spt_pool_bwd);
SPT_KERNEL(spt_cross_entropy);
SPT_KERNEL(spt_adamw);
SPT_KERNEL(spt_all_finite);

/* Scratch of `floats` for every thread of the pool, allocated by the caller before a dispatch runs. */
int spt_scratch_all(size_t floats);

#endif
