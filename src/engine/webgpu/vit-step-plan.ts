/**
 * The dispatch list of one training step of a prompted ViT on a frozen backbone: for each micro-batch
 * the forward pass (saving what the backward pass needs), the loss, the head's gradients and (with
 * prompts) the input-gradient backward pass through every frozen block down to the prompts; then one
 * AdamW update over all trainable parameters. Numbers as the tfjs path (vit.ts, frozen-block.ts): the
 * same operations in the same order per element; only the summation order inside products differs.
 *
 * Per block: 9-10 dispatches forward, 11-12 backward. Shapes: b images, L = 1 + N + T, D, H heads of
 * hd = D / H, M = b * L rows; qkv rows are [q | k | v], each head's slice read in place.
 */
import { type Dispatch, grid } from './gpu-program';
import type { SavedBlock, VitBuffers } from './vit-buffers';
import {
  GEMM_UNIFORM_FIELDS,
  type GemmUniform,
  type GemmVariant,
  gemmBindings,
  gemmKey,
  gemmShader,
} from './wgsl-gemm';
import {
  adamw,
  allFinite,
  crossEntropy,
  type KernelSource,
  layerNormBackward,
  layerNormForward,
  patchify,
  poolBackward,
  poolForward,
  reduceRows,
  softmaxBackward,
  softmaxForward,
  writeTokenRows,
} from './wgsl-kernels';

const gemmKernels = new Map<string, KernelSource>();

function gemmKernel(v: GemmVariant): KernelSource {
  const key = gemmKey(v);
  let k = gemmKernels.get(key);
  if (!k) {
    k = { key, code: gemmShader(v), bindings: gemmBindings(v), fields: [...GEMM_UNIFORM_FIELDS] };
    gemmKernels.set(key, k);
  }
  return k;
}

type Buf = VitBuffers['params'];

interface GemmCall {
  A: Buf;
  B: Buf;
  C: Buf;
  bias?: Buf;
  R?: Buf;
  M: number;
  N: number;
  K: number;
  batch?: number;
  u: Partial<GemmUniform>;
}

const NO_GELU: Pick<GemmVariant, 'geluA'> = { geluA: false };

function gemm(variant: Partial<GemmVariant> & Pick<GemmVariant, 'epilogue'>, c: GemmCall): Dispatch {
  const v: GemmVariant = { transA: false, transB: false, bias: !!c.bias, ...NO_GELU, ...variant };
  const kernel = gemmKernel(v);
  const uniform: Record<string, number> = {
    batchInner: 1,
    lda: c.K,
    ldb: c.N,
    ldc: c.N,
    ldr: c.N,
    ...c.u,
    M: c.M,
    N: c.N,
    K: c.K,
  };
  const buffers = [c.A, c.B, c.C];
  if (c.bias) buffers.push(c.bias);
  if (v.epilogue === 'residual' || v.epilogue === 'geluGrad') {
    if (!c.R) throw new Error(`${kernel.key}: needs R`);
    buffers.push(c.R);
  }
  return {
    kernel,
    buffers,
    uniform,
    workgroups: [Math.ceil(c.N / 64), Math.ceil(c.M / 64), c.batch ?? 1],
  };
}

const rows = (n: number) => grid(n);
const threads = (n: number) => grid(Math.ceil(n / 256));

export interface StepPlanOptions {
  /** Images in this micro-batch and where it starts in the batch. */
  b: number;
  start: number;
  /** The whole batch (the loss of every micro-batch is weighted by b / batch). */
  batch: number;
}

/** The forward + backward dispatches of one micro-batch (gradients accumulate into bufs.grads). */
export function microBatchDispatches(bufs: VitBuffers, o: StepPlanOptions): Dispatch[] {
  const d = bufs.dims;
  const { b } = o;
  const { D, H, L, N, T, depth } = d;
  const hd = D / H;
  const M = b * L;
  const cpp = d.C * d.P * d.P;
  const bb = bufs.backbone;
  const t = bufs.t;
  const out: Dispatch[] = [];
  const deep = d.sets === depth && d.sets > 1;
  const hasPrompts = d.sets > 0;

  // ---- embedding: patches [b*T, cpp] @ Wpatch + b + pos[1..T] -> x0[b, 1+N.., D]; CLS and prompt rows
  out.push({
    kernel: patchify,
    buffers: [t.images, t.patches],
    uniform: { total: b * T * cpp, S: d.S, P: d.P, C: d.C, g: d.g },
    workgroups: threads(b * T * cpp),
  });
  const x0 = bufs.saved[0].x;
  out.push(
    gemm(
      { epilogue: 'residual' },
      {
        A: t.patches,
        B: bb.wpatch,
        C: x0,
        bias: bb.bpatch,
        R: bb.pos,
        M: T,
        N: D,
        K: cpp,
        batch: b,
        u: { aOuter: T * cpp, cOff: (1 + N) * D, cOuter: L * D, ldr: D, rOff: D, rOuter: 0 },
      },
    ),
  );
  out.push({
    kernel: writeTokenRows,
    buffers: [bb.cls, bb.pos, bufs.params, x0],
    uniform: { b, L, D, N: hasPrompts ? N : 0, withCls: 1, promptOff: bufs.offsets.prompts },
    workgroups: threads(b * (1 + (hasPrompts ? N : 0)) * D),
  });

  // ---- blocks forward
  for (let i = 0; i < depth; i++) {
    const s = bufs.saved[i];
    const w = bb.blocks[i];
    const next = i + 1 < depth ? bufs.saved[i + 1].x : bufs.out;
    out.push(...blockForward(bufs, s, w, next, { b, M, L, D, H, hd, eps: d.eps }));
    if (deep && i + 1 < depth) {
      out.push({
        kernel: writeTokenRows,
        buffers: [bb.cls, bb.pos, bufs.params, next],
        uniform: { b, L, D, N, withCls: 0, promptOff: bufs.offsets.prompts + (i + 1) * N * D },
        workgroups: threads(b * N * D),
      });
    }
  }

  // ---- pool, head, loss
  const mean = d.pool === 'mean' ? 1 : 0;
  out.push({
    kernel: poolForward,
    buffers: [bufs.out, bb.normg, bb.normb, t.pin, t.pooled, t.poolStats],
    uniform: { b, L, D, mean, eps: d.eps },
    workgroups: rows(b),
  });
  const Cn = d.classes;
  out.push(
    gemm(
      { epilogue: 'store' },
      {
        A: t.pooled,
        B: bufs.params,
        C: t.logits,
        bias: bufs.params,
        M: b,
        N: Cn,
        K: D,
        u: { bOff: bufs.offsets.headW, biasOff: bufs.offsets.headB },
      },
    ),
  );
  out.push({
    kernel: crossEntropy,
    buffers: [t.logits, t.labels, t.dLogits, t.stats],
    uniform: { b, C: Cn, rowOff: o.start, predOff: o.batch + o.start, scale: 1 / o.batch },
    workgroups: [Math.ceil(b / 64), 1, 1],
  });
  // head gradients: dW += pooled^T dlogits, db += colsum(dlogits)
  out.push(
    gemm(
      { epilogue: 'accumulate', transA: true },
      {
        A: t.pooled,
        B: t.dLogits,
        C: bufs.grads,
        M: D,
        N: Cn,
        K: b,
        u: { lda: D, cOff: bufs.offsets.headW },
      },
    ),
  );
  out.push({
    kernel: reduceRows(false),
    buffers: [t.dLogits, bufs.grads],
    uniform: { W: Cn, R: b, stride: Cn, inOff: 0, outOff: bufs.offsets.headB },
    workgroups: threads(Cn),
  });
  if (!hasPrompts) return out; // linear probe: nothing below the head is trained

  // ---- backward into the blocks: dpooled = dlogits @ Wh^T, then through the final norm and pooling
  out.push(
    gemm(
      { epilogue: 'store', transB: true },
      {
        A: t.dLogits,
        B: bufs.params,
        C: t.dPooled,
        M: b,
        N: D,
        K: Cn,
        u: { bOff: bufs.offsets.headW, ldb: Cn },
      },
    ),
  );
  out.push({
    kernel: poolBackward,
    buffers: [t.dPooled, t.pin, t.poolStats, bb.normg, t.dXa],
    uniform: { b, L, D, mean },
    workgroups: rows(b),
  });
  let dY = t.dXa;
  let dX = t.dXb;
  for (let i = depth - 1; i >= 0; i--) {
    out.push(...blockBackward(bufs, bufs.saved[i], bb.blocks[i], dY, dX, { b, M, L, D, H, hd, eps: d.eps }));
    // prompts: set i entered at block i's input (deep), set 0 at block 0 (shallow)
    if (deep || i === 0) {
      out.push({
        kernel: reduceRows(deep && i > 0),
        buffers: [dX, bufs.grads],
        uniform: {
          W: N * D,
          R: b,
          stride: L * D,
          inOff: D,
          outOff: bufs.offsets.prompts + (deep ? i : 0) * N * D,
        },
        workgroups: threads(N * D),
      });
    }
    [dY, dX] = [dX, dY];
  }
  return out;
}

interface BlockDims {
  b: number;
  M: number;
  L: number;
  D: number;
  H: number;
  hd: number;
  eps: number;
}

type BlockW = VitBuffers['backbone']['blocks'][number];

const lnForward = (X: Buf, g: Buf, bt: Buf, Y: Buf, S: Buf, M: number, D: number, eps: number): Dispatch => ({
  kernel: layerNormForward,
  buffers: [X, g, bt, Y, S],
  uniform: { rows: M, D, eps },
  workgroups: rows(M),
});

/** x -> x1 = x + proj(attn(norm1(x))) -> next = x1 + fc2(gelu(fc1(norm2(x1)))), saving s.* */
function blockForward(bufs: VitBuffers, s: SavedBlock, w: BlockW, next: Buf, k: BlockDims): Dispatch[] {
  const { b, M, L, D, H, hd, eps } = k;
  const D3 = 3 * D;
  const D4 = 4 * D;
  const t = bufs.t;
  const heads = { batch: b * H };
  return [
    lnForward(s.x, w.ln1g, w.ln1b, t.normed, s.stats1, M, D, eps),
    // qkv [M, 3D] = n1 @ Wqkv + b (q pre-scaled)
    gemm({ epilogue: 'store' }, { A: t.normed, B: w.wqkv, C: s.qkv, bias: w.bqkv, M, N: D3, K: D, u: {} }),
    // scores [b*H, L, L] = q k^T per (image, head)
    gemm(
      { epilogue: 'store', transB: true },
      {
        A: s.qkv,
        B: s.qkv,
        C: s.probs,
        M: L,
        N: L,
        K: hd,
        ...heads,
        u: {
          batchInner: H,
          lda: D3,
          aOuter: L * D3,
          aInner: hd,
          ldb: D3,
          bOff: D,
          bOuter: L * D3,
          bInner: hd,
          ldc: L,
          cOuter: H * L * L,
          cInner: L * L,
        },
      },
    ),
    {
      kernel: softmaxForward,
      buffers: [s.probs],
      uniform: { rows: b * H * L, W: L },
      workgroups: rows(b * H * L),
    },
    // attn [b, L, D] (heads merged in place) = P v
    gemm(
      { epilogue: 'store' },
      {
        A: s.probs,
        B: s.qkv,
        C: t.attn,
        M: L,
        N: hd,
        K: L,
        ...heads,
        u: {
          batchInner: H,
          lda: L,
          aOuter: H * L * L,
          aInner: L * L,
          ldb: D3,
          bOff: 2 * D,
          bOuter: L * D3,
          bInner: hd,
          ldc: D,
          cOuter: L * D,
          cInner: hd,
        },
      },
    ),
    // x1 = x + (attn @ Wproj + b)
    gemm(
      { epilogue: 'residual' },
      { A: t.attn, B: w.wproj, C: s.x1, bias: w.bproj, R: s.x, M, N: D, K: D, u: {} },
    ),
    lnForward(s.x1, w.ln2g, w.ln2b, t.normed, s.stats2, M, D, eps),
    // f [M, 4D] = n2 @ Wfc1 + b (kept: GELU'(f) in the backward pass)
    gemm({ epilogue: 'store' }, { A: t.normed, B: w.wfc1, C: s.f, bias: w.bfc1, M, N: D4, K: D, u: {} }),
    // next = x1 + (gelu(f) @ Wfc2 + b)
    gemm(
      { epilogue: 'residual', geluA: true },
      { A: s.f, B: w.wfc2, C: next, bias: w.bfc2, R: s.x1, M, N: D, K: D4, u: {} },
    ),
  ];
}

const lnBackward = (dY: Buf, X: Buf, S: Buf, g: Buf, dRes: Buf, dX: Buf, M: number, D: number): Dispatch => ({
  kernel: layerNormBackward,
  buffers: [dY, X, S, g, dRes, dX],
  uniform: { rows: M, D },
  workgroups: rows(M),
});

/** dY (gradient of the block's output) -> dX (of its input); weights frozen, input gradient only. */
function blockBackward(
  bufs: VitBuffers,
  s: SavedBlock,
  w: BlockW,
  dY: Buf,
  dX: Buf,
  k: BlockDims,
): Dispatch[] {
  const { b, M, L, D, H, hd } = k;
  const D3 = 3 * D;
  const D4 = 4 * D;
  const t = bufs.t;
  const heads = { batch: b * H };
  const perHeadQkv = (off: number) => ({ bOff: off, bOuter: L * D3, bInner: hd, ldb: D3 });
  return [
    // MLP branch: dF = (dY @ Wfc2^T) * GELU'(f); dN2 = dF @ Wfc1^T; dX1 = dY + LN2^T(dN2)
    gemm(
      { epilogue: 'geluGrad', transB: true },
      { A: dY, B: w.wfc2, C: t.dF, R: s.f, M, N: D4, K: D, u: { ldb: D, ldr: D4 } },
    ),
    gemm(
      { epilogue: 'store', transB: true },
      { A: t.dF, B: w.wfc1, C: t.dN, M, N: D, K: D4, u: { ldb: D4 } },
    ),
    lnBackward(t.dN, s.x1, s.stats2, w.ln2g, dY, t.dX1, M, D),
    // attention branch: dO = dX1 @ Wproj^T (per head in place)
    gemm(
      { epilogue: 'store', transB: true },
      { A: t.dX1, B: w.wproj, C: t.dO, M, N: D, K: D, u: { ldb: D } },
    ),
    // dP = dO v^T [b*H, L, L]
    gemm(
      { epilogue: 'store', transB: true },
      {
        A: t.dO,
        B: s.qkv,
        C: t.dP,
        M: L,
        N: L,
        K: hd,
        ...heads,
        u: {
          batchInner: H,
          lda: D,
          aOuter: L * D,
          aInner: hd,
          ...perHeadQkv(2 * D),
          ldc: L,
          cOuter: H * L * L,
          cInner: L * L,
        },
      },
    ),
    // dv = P^T dO -> dQKV[.., 2D + h*hd]
    gemm(
      { epilogue: 'store', transA: true },
      {
        A: s.probs,
        B: t.dO,
        C: t.dQKV,
        M: L,
        N: hd,
        K: L,
        ...heads,
        u: {
          batchInner: H,
          lda: L,
          aOuter: H * L * L,
          aInner: L * L,
          ldb: D,
          bOuter: L * D,
          bInner: hd,
          cOff: 2 * D,
          ldc: D3,
          cOuter: L * D3,
          cInner: hd,
        },
      },
    ),
    {
      kernel: softmaxBackward,
      buffers: [s.probs, t.dP],
      uniform: { rows: b * H * L, W: L },
      workgroups: rows(b * H * L),
    },
    // dq = dS k -> dQKV[.., h*hd]
    gemm(
      { epilogue: 'store' },
      {
        A: t.dP,
        B: s.qkv,
        C: t.dQKV,
        M: L,
        N: hd,
        K: L,
        ...heads,
        u: {
          batchInner: H,
          lda: L,
          aOuter: H * L * L,
          aInner: L * L,
          ...perHeadQkv(D),
          cOff: 0,
          ldc: D3,
          cOuter: L * D3,
          cInner: hd,
        },
      },
    ),
    // dk = dS^T q -> dQKV[.., D + h*hd]
    gemm(
      { epilogue: 'store', transA: true },
      {
        A: t.dP,
        B: s.qkv,
        C: t.dQKV,
        M: L,
        N: hd,
        K: L,
        ...heads,
        u: {
          batchInner: H,
          lda: L,
          aOuter: H * L * L,
          aInner: L * L,
          ...perHeadQkv(0),
          cOff: D,
          ldc: D3,
          cOuter: L * D3,
          cInner: hd,
        },
      },
    ),
    // dN1 = dQKV @ Wqkv^T; dX = dX1 + LN1^T(dN1)
    gemm(
      { epilogue: 'store', transB: true },
      { A: t.dQKV, B: w.wqkv, C: t.dN, M, N: D, K: D3, u: { ldb: D3 } },
    ),
    lnBackward(t.dN, s.x, s.stats1, w.ln1g, t.dX1, dX, M, D),
  ];
}

/** The AdamW update (+ the finite check): uniforms rewritten every step (`adamUniform`). */
export function updateDispatches(bufs: VitBuffers, nanCheck: boolean): Dispatch[] {
  const out: Dispatch[] = [
    {
      kernel: adamw,
      buffers: [bufs.params, bufs.grads, bufs.m, bufs.v],
      uniform: {},
      workgroups: threads(bufs.paramCount),
    },
  ];
  if (nanCheck)
    out.push({
      kernel: allFinite,
      buffers: [bufs.params, bufs.t.stats],
      uniform: { n: bufs.paramCount, at: 2 * bufs.batch },
      workgroups: [1, 1, 1],
    });
  return out;
}

export interface AdamTerms {
  lr: number;
  step: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Weight decay of [prompts, head weight, head bias]. */
  decay: [number, number, number];
}

/** AdamW's per-step scalars, computed in double and rounded once to f32 (as tfjs's scalar operands). */
export function adamUniform(bufs: VitBuffers, a: AdamTerms): Record<string, number> {
  const bc1 = 1 - a.beta1 ** a.step;
  const bc2 = 1 - a.beta2 ** a.step;
  return {
    n: bufs.paramCount,
    end0: bufs.offsets.headW,
    end1: bufs.offsets.headB,
    decay0: 1 - a.lr * a.decay[0],
    decay1: 1 - a.lr * a.decay[1],
    decay2: 1 - a.lr * a.decay[2],
    beta1: a.beta1,
    oneMinusBeta1: 1 - a.beta1,
    beta2: a.beta2,
    oneMinusBeta2: 1 - a.beta2,
    sqrtBc2: Math.sqrt(bc2),
    eps: a.eps,
    stepSize: a.lr / bc1,
  };
}
