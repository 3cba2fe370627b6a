/* The kernels by key, with their uniform fields and buffer counts as the TypeScript plan declares them
 * (src/engine/webgpu/wgsl-kernels.ts); the executor compares both lists when it compiles a program. */
#include "kernels.h"

const spt_kernel_def spt_row_kernels[] = {
    {"ln-fwd", "rows,D,eps:f,pad", 5, spt_ln_fwd},
    {"ln-bwd", "rows,D,pad0,pad1", 6, spt_ln_bwd},
    {"softmax-fwd", "rows,W,pad0,pad1", 1, spt_softmax_fwd},
    {"softmax-bwd", "rows,W,pad0,pad1", 2, spt_softmax_bwd},
    {"patchify", "total,S,P,C,g,pad0,pad1,pad2", 2, spt_patchify},
    {"token-rows", "b,L,D,N,withCls,promptOff,pad0,pad1", 4, spt_token_rows},
    {"reduce-rows:0", "W,R,stride,inOff,outOff,pad0,pad1,pad2", 2, spt_reduce_rows0},
    {"reduce-rows:1", "W,R,stride,inOff,outOff,pad0,pad1,pad2", 2, spt_reduce_rows1},
    {"pool-fwd", "b,L,D,mean,eps:f,pad0,pad1,pad2", 6, spt_pool_fwd},
    {"pool-bwd", "b,L,D,mean", 5, spt_pool_bwd},
    {"cross-entropy", "b,C,rowOff,predOff,scale:f,pad0,pad1,pad2", 4, spt_cross_entropy},
    {"adamw",
     "n,end0,end1,pad0,decay0:f,decay1:f,decay2:f,beta1:f,oneMinusBeta1:f,beta2:f,oneMinusBeta2:f,sqrtBc2:f,eps:f,"
     "stepSize:f,pad1,pad2",
     4, spt_adamw},
    {"all-finite", "n,at,pad0,pad1", 2, spt_all_finite},
};
const int spt_row_kernel_count = sizeof spt_row_kernels / sizeof spt_row_kernels[0];
