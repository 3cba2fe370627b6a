/*
 * The native CPU step engine's kernels (docs/ARCHITECTURE.md, "The native CPU step engine"). Each kernel
 * has exactly the semantics of its WGSL source in src/engine/webgpu/wgsl-gemm.ts and wgsl-kernels.ts:
 * the uniform block arrives packed as the GPU gets it (src/engine/webgpu/gpu-program.ts packUniform: one
 * u32 or f32 per field, in the field order), and the buffers in binding order, each a Float32Array of
 * the engine's stand-in device (src/engine/native/cpu-executor.ts). Tensors never move: the kernels
 * read and write those arrays in place.
 */
#ifndef SPT_NATIVE_H
#define SPT_NATIVE_H

#include <stddef.h>
#include <stdint.h>

/* One buffer of a dispatch: its floats and their count (bounds are checked before any access). */
typedef struct {
  float *p;
  size_t n;
} spt_buf;

/* A kernel: returns NULL, or an error message written into err (nothing was touched then). */
typedef const char *(*spt_kernel_fn)(const void *uniform, spt_buf *bufs, uint32_t z, char *err,
                                     size_t errlen);

typedef struct {
  const char *key;    /* the KernelSource key (src/engine/webgpu/wgsl-kernels.ts) */
  const char *fields; /* its uniform fields, comma-separated, `:f` for f32 (checked against the TS side) */
  int buffers;        /* bindings after the uniform */
  spt_kernel_fn fn;
} spt_kernel_def;

/* ---- uniform blocks: the WGSL `struct Params` of each kernel, field for field ---- */
typedef struct {
  uint32_t M, N, K, batchInner, lda, ldb, ldc, ldr, aOff, aOuter, aInner, biasOff, bOff, bOuter, bInner,
      pad0, cOff, cOuter, cInner, pad1, rOff, rOuter, rInner, pad2;
} spt_gemm_u;
typedef struct {
  uint32_t rows, D;
  float eps;
  uint32_t pad;
} spt_ln_fwd_u;
typedef struct {
  uint32_t rows, D, pad0, pad1;
} spt_ln_bwd_u;
typedef struct {
  uint32_t rows, W, pad0, pad1;
} spt_softmax_u;
typedef struct {
  uint32_t total, S, P, C, g, pad0, pad1, pad2;
} spt_patchify_u;
typedef struct {
  uint32_t b, L, D, N, withCls, promptOff, pad0, pad1;
} spt_token_rows_u;
typedef struct {
  uint32_t W, R, stride, inOff, outOff, pad0, pad1, pad2;
} spt_reduce_rows_u;
typedef struct {
  uint32_t b, L, D, mean;
  float eps;
  uint32_t pad0, pad1, pad2;
} spt_pool_fwd_u;
typedef struct {
  uint32_t b, L, D, mean;
} spt_pool_bwd_u;
typedef struct {
  uint32_t b, C, rowOff, predOff;
  float scale;
  uint32_t pad0, pad1, pad2;
} spt_ce_u;
typedef struct {
  uint32_t n, end0, end1, pad0;
  float decay0, decay1, decay2, beta1, oneMinusBeta1, beta2, oneMinusBeta2, sqrtBc2, eps, stepSize;
  uint32_t pad1, pad2;
} spt_adamw_u;
typedef struct {
  uint32_t n, at, pad0, pad1;
} spt_all_finite_u;

/* ---- the thread pool (pool.c): `items` work items over the caller and pool_threads() - 1 workers ---- */
typedef void (*spt_task)(void *ctx, long item, int tid);
void spt_pool_run(long items, spt_task fn, void *ctx);
int spt_pool_set_threads(int n); /* returns 0, or an errno when a worker could not start */
int spt_pool_threads(void);
/* Items for `n` units of work of `unitCost` flops each: one per thread when small, more for balance. */
long spt_pool_chunks(long n, double unitCost);

/* Per-thread scratch of at least `floats` floats (grown on demand; NULL when out of memory). */
float *spt_scratch(int tid, size_t floats);
#define SPT_MAX_THREADS 64

/* ---- kernels ---- */
/* The GEMM variant in a kernel code: bit 0 transA, 1 transB, 2 geluA, 3 bias, bits 4-5 the epilogue. */
enum { SPT_EPI_STORE = 0, SPT_EPI_ACCUMULATE = 1, SPT_EPI_RESIDUAL = 2, SPT_EPI_GELU_GRAD = 3 };
const char *spt_gemm(int variant, const void *uniform, spt_buf *bufs, uint32_t z, char *err, size_t errlen);
extern const spt_kernel_def spt_row_kernels[];
extern const int spt_row_kernel_count;

/* Bounds: is [off, off + span) inside a buffer of n floats? (u64 arithmetic: no overflow for u32 inputs) */
static inline int spt_fits(uint64_t off, uint64_t span, size_t n) { return span == 0 || off + span <= (uint64_t)n; }

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* Hot loops get an x86-64-v3 (AVX2, FMA) clone chosen at load time; every x86-64 CPU runs the default. */
#define SPT_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SPT_HOT
#endif

#endif
