/**
 * Where a training step's time goes, per tfjs kernel (tf.profile; wasm runs each kernel
 * synchronously). Kernel times are process CPU time (the machine may be shared; this path is
 * single-threaded), set SPT_PROFILE_WALL=1 for wall time. Prints the heaviest kernels and a summary
 * by kind over leaf kernels only (op wrappers such as customGrad scopes nest others).
 *
 *   npx tsx bench/profile.ts [small|tiny] [backend]     SPT_PROFILE_ROWS=30 SPT_PROFILE_STEPS=1
 *                                                        SPT_WASM_THREADS=2 (threaded wasm build)
 */

import { vitConfig } from '../src/config/architectures';
import { selectBackend } from '../src/engine/backend/select-backend';
import { crossEntropy } from '../src/engine/model/loss';
import { tf } from '../src/engine/tf';
import { randomPromptedViT } from '../test/helpers/random-prompted-vit';

(async () => {
  const which = process.argv[2] ?? 'small';
  const threads = Number(process.env.SPT_WASM_THREADS ?? 1);
  await selectBackend((process.argv[3] ?? 'wasm') as 'wasm', () => {}, { threads });
  const cfg =
    which === 'tiny'
      ? vitConfig('vit_tiny_patch16_224')
      : vitConfig({ embed_dim: 192, depth: 6, num_heads: 3, patch_size: 4, image_size: 32 });
  const batch = which === 'tiny' ? 8 : 64;
  const model = randomPromptedViT(cfg);
  const images = tf.randomNormal([batch, cfg.imageSize, cfg.imageSize, 3], 0, 1, 'float32', 1);
  const labels = Array.from({ length: batch }, (_, i) => i % 10);
  const step = () => {
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(model.forward(images).logits, labels) as tf.Scalar,
      model.trainableVariables(),
    );
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const cpuMs = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  let plain = Number.POSITIVE_INFINITY;
  let plainCpu = 0;
  for (let r = 0; r < Number(process.env.SPT_PROFILE_STEPS ?? 1); r++) {
    const t = performance.now();
    const c0 = cpuMs();
    step();
    const dt = performance.now() - t;
    if (dt < plain) [plain, plainCpu] = [dt, cpuMs() - c0];
  }
  let t0 = performance.now();
  // Kernel times in process CPU time: the machine may be shared, and this code is single-threaded.
  if (process.env.SPT_PROFILE_WALL !== '1') (tf.env().platform as { now(): number }).now = cpuMs;
  t0 = performance.now();
  const prof = await tf.profile(step);
  const profiled = performance.now() - t0;
  const by = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of prof.kernels) {
    const shapes = k.inputShapes.map((s) => `[${s}]`).join('x');
    const key = `${k.name} ${k.name.includes('MatMul') || ['Transpose', 'Slice', 'Identity', 'SplitV', 'forward', 'Multiply', 'Add'].includes(k.name) ? shapes : ''}`;
    const e = by.get(key) ?? { ms: 0, n: 0 };
    e.ms += k.kernelTimeMs as number;
    e.n++;
    total += k.kernelTimeMs as number;
    by.set(key, e);
  }
  const heap =
    (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.buffer.byteLength ?? 0;
  console.log(
    `tf peak ${(prof.peakBytes / 2 ** 20).toFixed(0)} MiB, wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(
    `${which}: step ${plain.toFixed(0)} ms (cpu ${plainCpu.toFixed(0)} ms), profiled ${profiled.toFixed(0)} ms, kernel sum ${total.toFixed(0)} ms`,
  );
  const kinds: [string, RegExp][] = [
    ['GEMM, linears (XNNPACK)', /^(_FusedMatMul|BatchMatMul)$/],
    ['attention products (bmm: XNNPACK per head)', /^SptBatchMatMul$/],
    ['GELU', /^(SptGelu|SptGeluGrad|Erf)$/],
    [
      'layout: transpose, slice, concat, pad, copies',
      /^(Transpose|Slice|Concat|PadV2|Identity|SplitV|Reshape|Tile|Cast)$/,
    ],
  ];
  const summary = new Map<string, number>();
  let leafTotal = 0;
  for (const k of prof.kernels) {
    if (!tf.getKernel(k.name, tf.getBackend())) continue; // an op wrapper: its kernels are listed too
    const kind =
      kinds.find(([, re]) => re.test(k.name))?.[0] ??
      'element-wise and reductions (LayerNorm, softmax, residuals, AdamW)';
    summary.set(kind, (summary.get(kind) ?? 0) + (k.kernelTimeMs as number));
    leafTotal += k.kernelTimeMs as number;
  }
  console.log(`summary over leaf kernels (${leafTotal.toFixed(0)} ms):`);
  for (const [kind, ms] of [...summary.entries()].sort((a, b) => b[1] - a[1]))
    console.log(
      `${((100 * ms) / leafTotal).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${kind}`,
    );
  const rows = [...by.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, Number(process.env.SPT_PROFILE_ROWS ?? 30));
  for (const [k, e] of rows)
    console.log(
      `${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ${e.ms.toFixed(1).padStart(8)} ms  x${e.n}  ${k}`,
    );
})();
