/**
 * The native kernels against their specification, the WGSL sources: every GEMM variant (A or B
 * transposed, GELU on A, bias, each epilogue) with the two-level batch addressing
 * base + (z / batchInner) * outer + (z % batchInner) * inner and padded leading dimensions, computed
 * here in double precision the way the WGSL reads it; on 1 and 2 threads, whole products and row blocks.
 * Softmax's exp over a wide range. Out-of-range dispatches throw and touch nothing; a binary whose
 * uniform layout is not the plan's is refused when a program is compiled.
 */
import * as assert from 'node:assert/strict';
import { CpuExecutor } from '../../../src/engine/native/cpu-executor';
import { loadNativeAddon, type NativeAddon } from '../../../src/engine/native/native-addon';
import { Rng } from '../../../src/engine/util/rng';
import { packUniform } from '../../../src/engine/webgpu/gpu-program';
import {
  GEMM_UNIFORM_FIELDS,
  type GemmEpilogue,
  type GemmUniform,
  type GemmVariant,
  gemmBindings,
  gemmKey,
} from '../../../src/engine/webgpu/wgsl-gemm';
import {
  crossEntropy,
  type KernelSource,
  layerNormForward,
  softmaxForward,
} from '../../../src/engine/webgpu/wgsl-kernels';

let addon: NativeAddon;

function gemmSource(v: GemmVariant): KernelSource {
  return { key: gemmKey(v), code: '', bindings: gemmBindings(v), fields: [...GEMM_UNIFORM_FIELDS] };
}

/** WGSL's gelu_parts in double precision (Abramowitz & Stegun 7.1.26 erfc). */
function geluParts(x: number): { phi: number; e: number } {
  const z = Math.abs(x) * Math.SQRT1_2;
  const t = 1 / (1 + 0.3275911 * z);
  const e = Math.exp(-z * z);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const q = 0.5 * poly * e;
  return { phi: x >= 0 ? 1 - q : q, e };
}
const gelu = (x: number) => x * geluParts(x).phi;
const geluGrad = (x: number) => {
  const p = geluParts(x);
  return p.phi + x * (p.e * 0.3989422804014327);
};

function random(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform() * 2 - 1;
  return out;
}

/** The WGSL GEMM, element by element, in double precision. */
function referenceGemm(
  v: GemmVariant,
  u: GemmUniform,
  Z: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  bias: Float32Array | null,
  R: Float32Array | null,
): Float32Array {
  const out = Float32Array.from(C);
  for (let z = 0; z < Z; z++) {
    const zo = Math.floor(z / u.batchInner);
    const zi = z % u.batchInner;
    const aB = u.aOff + zo * u.aOuter + zi * u.aInner;
    const bB = u.bOff + zo * u.bOuter + zi * u.bInner;
    const cB = u.cOff + zo * u.cOuter + zi * u.cInner;
    const rB = u.rOff + zo * u.rOuter + zi * u.rInner;
    for (let m = 0; m < u.M; m++)
      for (let n = 0; n < u.N; n++) {
        let acc = 0;
        for (let k = 0; k < u.K; k++) {
          let a = v.transA ? A[aB + k * u.lda + m] : A[aB + m * u.lda + k];
          if (v.geluA) a = gelu(a);
          acc += a * (v.transB ? B[bB + n * u.ldb + k] : B[bB + k * u.ldb + n]);
        }
        if (bias) acc += bias[u.biasOff + n];
        const ci = cB + m * u.ldc + n;
        const r = R ? R[rB + m * u.ldr + n] : 0;
        out[ci] =
          v.epilogue === 'store'
            ? acc
            : v.epilogue === 'accumulate'
              ? C[ci] + acc
              : v.epilogue === 'residual'
                ? acc + r
                : acc * geluGrad(r);
      }
  }
  return out;
}

/** One batched GEMM of every variant: Z products in a 2-level batch, every leading dimension padded. */
function checkGemm(v: GemmVariant, shape: { M: number; N: number; K: number; Z: number }, threads: number) {
  const { M, N, K, Z } = shape;
  const rng = new Rng(7 + M + N + K + Z + threads);
  const bi = Z > 1 ? 3 : 1; // batchInner
  const zo = Math.ceil(Z / bi);
  const lda = (v.transA ? M : K) + 3;
  const ldb = (v.transB ? K : N) + 2;
  const ldc = N + 5;
  const ldr = N + 1;
  const aRows = v.transA ? K : M;
  const bRows = v.transB ? N : K;
  // inner steps past one operand; outer past bi of them; offsets in front
  const aInner = aRows * lda + 1;
  const bInner = bRows * ldb + 2;
  const cInner = M * ldc + 3;
  const rInner = M * ldr;
  const u: GemmUniform = {
    M,
    N,
    K,
    batchInner: bi,
    lda,
    ldb,
    ldc,
    ldr,
    aOff: 4,
    aOuter: bi * aInner + 7,
    aInner,
    biasOff: 3,
    bOff: 5,
    bOuter: bi * bInner,
    bInner,
    pad0: 0,
    cOff: 2,
    cOuter: bi * cInner + 1,
    cInner,
    pad1: 0,
    rOff: 6,
    rOuter: 0, // R broadcast over zo (as the patch embedding's position rows)
    rInner,
    pad2: 0,
  };
  const A = random(rng, u.aOff + zo * u.aOuter);
  const B = random(rng, u.bOff + zo * u.bOuter);
  const C = random(rng, u.cOff + zo * u.cOuter);
  const bias = v.bias ? random(rng, u.biasOff + N) : null;
  const hasR = v.epilogue === 'residual' || v.epilogue === 'geluGrad';
  const R = hasR ? random(rng, u.rOff + bi * rInner) : null;
  const want = referenceGemm(v, u, Z, A, B, C, bias, R);
  const k = gemmSource(v);
  addon.setThreads(threads);
  const bufs = [A, B, C, ...(bias ? [bias] : []), ...(R ? [R] : [])];
  addon.run(addon.kernelCode(k.key), packUniform(k, u), Z, ...bufs);
  let worst = 0;
  for (let i = 0; i < C.length; i++)
    worst = Math.max(worst, Math.abs(C[i] - want[i]) / (1 + Math.abs(want[i])));
  assert.ok(worst < 2e-5, `${k.key} ${JSON.stringify(shape)} on ${threads} threads: off by ${worst}`);
}

const VARIANTS: GemmVariant[] = [];
for (const epilogue of ['store', 'accumulate', 'residual', 'geluGrad'] as GemmEpilogue[])
  for (let bits = 0; bits < 16; bits++)
    VARIANTS.push({
      transA: !!(bits & 1),
      transB: !!(bits & 2),
      geluA: !!(bits & 4),
      bias: !!(bits & 8),
      epilogue,
    });

describe('native kernels follow their WGSL specification', function () {
  this.timeout(120_000);
  before(function () {
    const load = loadNativeAddon();
    if (!load.addon && process.platform !== 'linux') this.skip();
    assert.ok(load.addon, `spt-native.node did not load: ${load.reason}`);
    addon = load.addon;
  });
  after(() => addon?.setThreads(1));

  it('every GEMM variant (64): batched products on 1 and 2 threads, row blocks on 2', () => {
    for (const v of VARIANTS) {
      checkGemm(v, { M: 13, N: 11, K: 9, Z: 6 }, 1);
      checkGemm(v, { M: 13, N: 11, K: 9, Z: 6 }, 2);
      // one big product: split into row blocks across the threads
      checkGemm(v, { M: 100, N: 64, K: 48, Z: 1 }, 2);
    }
  });

  it("softmax rows sum to 1 and follow exp over its range (no NaN from -inf rows' tails)", () => {
    const W = 37;
    const rows = 9;
    const rng = new Rng(3);
    const x = new Float32Array(rows * W);
    for (let i = 0; i < x.length; i++) x[i] = (rng.uniform() * 2 - 1) * 60 * (1 + (i % 3));
    x[5] = -1e30; // underflows to 0
    const want = new Float64Array(x.length);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * W, (r + 1) * W));
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      e.forEach((v, i) => {
        want[r * W + i] = v / s;
      });
    }
    addon.setThreads(2);
    addon.run(addon.kernelCode('softmax-fwd'), packUniform(softmaxForward, { rows, W }), 1, x);
    for (let i = 0; i < x.length; i++)
      assert.ok(Math.abs(x[i] - want[i]) <= 2e-6 * want[i] + 1e-30, `softmax[${i}] ${x[i]} vs ${want[i]}`);
    assert.equal(x[5], 0);
  });

  it('refuses dispatches that would leave a buffer, touching nothing', () => {
    const v: GemmVariant = { transA: false, transB: false, geluA: false, bias: false, epilogue: 'store' };
    const k = gemmSource(v);
    const A = new Float32Array(6).fill(1);
    const B = new Float32Array(6).fill(1);
    const C = new Float32Array(3).fill(7); // 2x2 needs 4
    const u = { M: 2, N: 2, K: 3, batchInner: 1, lda: 3, ldb: 2, ldc: 2, ldr: 2 };
    assert.throws(() => addon.run(addon.kernelCode(k.key), packUniform(k, u), 1, A, B, C), /C written past/);
    assert.deepEqual([...C], [7, 7, 7]);
    // two batch entries need twice the memory
    const C4 = new Float32Array(4);
    assert.throws(
      () => addon.run(addon.kernelCode(k.key), packUniform(k, { ...u, aOuter: 6 }), 2, A, B, C4),
      /A read past/,
    );
    const X = new Float32Array(10);
    assert.throws(
      () =>
        addon.run(
          addon.kernelCode('ln-fwd'),
          packUniform(layerNormForward, { rows: 3, D: 4, eps: 1e-6 }),
          1,
          X,
          new Float32Array(4),
          new Float32Array(4),
          new Float32Array(12),
          new Float32Array(6),
        ),
      /ln-fwd: 3 rows of 4 past a buffer/,
    );
    // a label outside the classes (u32 in the labels buffer)
    const labels = new Float32Array(new Uint32Array([0, 9]).buffer);
    const stats = new Float32Array(5);
    assert.throws(
      () =>
        addon.run(
          addon.kernelCode('cross-entropy'),
          packUniform(crossEntropy, { b: 2, C: 3, rowOff: 0, predOff: 2, scale: 0.5 }),
          1,
          new Float32Array(6),
          labels,
          new Float32Array(6),
          stats,
        ),
      /label 9 of row 1 is not below 3 classes/,
    );
    assert.deepEqual([...stats], [0, 0, 0, 0, 0]);
    assert.throws(
      () => addon.run(addon.kernelCode(k.key), packUniform(k, u), 1, A, B),
      /takes 3 buffers, got 2/,
    );
    assert.throws(() => addon.kernelCode('gemm:0000:sideways'), /no kernel 'gemm:0000:sideways'/);
  });

  it("a plan whose uniform layout is not the binary's is refused when it is compiled", () => {
    const exec = new CpuExecutor(addon, 1, 'test');
    const X = exec.device.createBuffer({ size: 64 });
    const stale: KernelSource = { ...softmaxForward, fields: ['W', 'rows', 'pad0', 'pad1'] };
    assert.throws(
      () =>
        exec.compile(
          [{ kernel: stale, buffers: [X], uniform: { rows: 1, W: 16 }, workgroups: [1, 1, 1] }],
          't',
        ),
      /softmax-fwd: the binary reads uniform fields rows,W,pad0,pad1, the plan packs W,rows,pad0,pad1/,
    );
    // the same dispatch with the plan's own layout compiles and runs
    const p = exec.compile(
      [{ kernel: softmaxForward, buffers: [X], uniform: { rows: 1, W: 16 }, workgroups: [1, 1, 1] }],
      't',
    );
    exec.run(p);
    assert.ok(Math.abs((X as { data: Float32Array }).data.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  });
});
