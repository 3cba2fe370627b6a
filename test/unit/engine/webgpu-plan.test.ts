/**
 * The WebGPU step engine's plan without a GPU: how micro-batches follow the adapter's limits and the
 * memory budget (ViT-B/16 SPT-deep at batch 64 fits a 16 GB card), and the dispatch list of a ViT-B/16
 * step (counted from the plan, on a stand-in device that only hands out buffer handles). The kernels
 * themselves are tested against tfjs on a real adapter in test/webgpu/step-engine.test.ts.
 */
import * as assert from 'node:assert/strict';
import {
  activationFootprint,
  type HostBackbone,
  VitBuffers,
  type VitDims,
} from '../../../src/engine/webgpu/vit-buffers';
import { microBatchDispatches, updateDispatches } from '../../../src/engine/webgpu/vit-step-plan';
import { chooseGpuMicroBatch } from '../../../src/engine/webgpu/webgpu-step-engine';

const vitB = (N = 10): VitDims => ({
  D: 768,
  H: 12,
  depth: 12,
  L: 1 + N + 196,
  N,
  T: 196,
  P: 16,
  g: 14,
  S: 224,
  C: 3,
  classes: 100,
  sets: 12,
  pool: 'cls',
  eps: 1e-6,
});

const GiB = 2 ** 30;
const backboneBytes = 4 * 86e6;

describe('WebGPU step plan', () => {
  it('ViT-B/16 SPT-deep at batch 64 fits a 16 GB GPU in one micro-batch', () => {
    const d = vitB();
    const limits = { maxStorageBufferBindingSize: 2 * GiB - 4, maxBufferSize: 4 * GiB };
    const micro = chooseGpuMicroBatch(d, 64, limits, 12 * GiB);
    assert.equal(micro, 64);
    const total = activationFootprint(d).perImage * 64 + backboneBytes;
    assert.ok(total < 14 * GiB, `needs ${(total / GiB).toFixed(1)} GiB`);
  });

  it('micro-batches shrink to what one binding and the budget allow', () => {
    const d = vitB();
    const f = activationFootprint(d);
    // lavapipe: 128 MiB per storage binding; the attention maps [b, H, L, L] are the largest buffer
    const lvp = chooseGpuMicroBatch(
      d,
      64,
      { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 4 * GiB },
      64 * GiB,
    );
    assert.equal(lvp, Math.floor((128 * 2 ** 20) / f.largestPerImage));
    assert.ok(lvp < 64 && lvp * d.H * d.L * d.L * 4 <= 128 * 2 ** 20);
    const budget = chooseGpuMicroBatch(
      d,
      64,
      { maxStorageBufferBindingSize: 4 * GiB, maxBufferSize: 4 * GiB },
      2 * GiB,
    );
    assert.equal(budget, Math.floor((2 * GiB) / f.perImage));
    assert.equal(
      chooseGpuMicroBatch(
        d,
        64,
        { maxStorageBufferBindingSize: 4 * GiB, maxBufferSize: 4 * GiB },
        64 * GiB,
        16,
      ),
      16,
    );
    assert.throws(
      () => chooseGpuMicroBatch(d, 8, { maxStorageBufferBindingSize: 1e6, maxBufferSize: 1e6 }, GiB),
      /exceed the GPU's limits/,
    );
  });

  it('a ViT-B/16 SPT-deep step is ~23 dispatches per block, a few hundred in all', () => {
    const d = vitB();
    let buffers = 0;
    const fake = {
      createBuffer: () => ({ id: buffers++, destroy() {} }),
      queue: { writeBuffer() {} },
    };
    const z = (n: number) => new Float32Array(n);
    const D = d.D;
    const host: HostBackbone = {
      wpatch: z(1),
      bpatch: z(1),
      cls: z(1),
      pos: z(1),
      normg: z(1),
      normb: z(1),
      blocks: Array.from({ length: d.depth }, () => ({
        ln1g: z(D),
        ln1b: z(D),
        wqkv: z(1),
        bqkv: z(1),
        wproj: z(1),
        bproj: z(1),
        ln2g: z(D),
        ln2b: z(D),
        wfc1: z(1),
        bfc1: z(1),
        wfc2: z(1),
        bfc2: z(1),
      })),
    };
    const bufs = new VitBuffers(fake, d, host, 64, 64);
    const step = [
      ...microBatchDispatches(bufs, { b: 64, start: 0, batch: 64 }),
      ...updateDispatches(bufs, true),
    ];
    // 3 embedding, 12 x (9 forward + 11 backward + 1 prompt gradient), 11 prompt insertions, 7 head/loss, 2 update
    assert.equal(step.length, 3 + 12 * 21 + 11 + 7 + 2);
    assert.ok(step.length / d.depth < 25);
    // every GEMM's workgroups cover its output and stay under the per-dimension limit
    for (const s of step)
      for (const w of s.workgroups) assert.ok(w >= 1 && w <= 65535, `${s.kernel.key}: ${s.workgroups}`);
    // the attention products run one dispatch over all (image, head) pairs
    const batched = step.filter((s) => s.kernel.key.startsWith('gemm') && s.workgroups[2] === 64 * 12);
    assert.equal(batched.length, 12 * 6); // scores and P v forward; dP, dv, dq, dk backward
    // a linear probe trains the head only: nothing below it is differentiated
    const linear = new VitBuffers(fake, { ...d, N: 0, L: 197, sets: 0 }, host, 8, 8);
    assert.equal(microBatchDispatches(linear, { b: 8, start: 0, batch: 8 }).length, 3 + 12 * 9 + 5);
  });
});
