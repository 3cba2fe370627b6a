/**
 * Measures what the engine's designs around the wasm backend's traps buy (docs/PERFORMANCE.md):
 *   1. frozen linears with pre-transposed weights and a custom input gradient (a plain matmul)
 *      vs tfjs's own gradient (a transposed matmul, which wasm runs in a scalar loop);
 *   2. the matmul kernels themselves: plain 2-D, transposed 2-D and batched.
 * Run: npx tsx scripts/measure-wasm-traps.ts [--backend wasm|cpu] [--steps 3]
 */
import { parseArgs } from 'node:util';
import { type ViTConfig, vitConfig } from '../src/config/architectures';
import { selectBackend } from '../src/engine/backend/select-backend';
import { crossEntropy } from '../src/engine/model/loss';
import { tf } from '../src/engine/tf';
import { randomPromptedViT } from '../test/helpers/random-prompted-vit';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'wasm' }, steps: { type: 'string', default: '3' } },
});
const steps = Number(values.steps);

function timeIt(fn: () => void, reps: number): number {
  fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
}

function trainStep(cfg: ViTConfig, batch: number, pretransposed: boolean): number {
  const model = randomPromptedViT(cfg, { pretransposed });
  const images = tf.randomNormal([batch, cfg.imageSize, cfg.imageSize, 3], 0, 1, 'float32', 1);
  const labels = Array.from({ length: batch }, (_, i) => i % 10);
  const ms = timeIt(() => {
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(model.forward(images).logits, labels) as tf.Scalar,
      model.trainableVariables(),
    );
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  }, steps);
  model.dispose();
  images.dispose();
  return ms;
}

function matmulKernels(): Record<string, number> {
  const M = 1576; // ViT-Tiny/224 at batch 8: 8 x 197 tokens
  const a = tf.randomNormal([M, 192]);
  const w = tf.randomNormal([192, 576]);
  const wt = tf.randomNormal([576, 192]);
  const q = tf.randomNormal([24, 207, 64]);
  const k = tf.randomNormal([24, 207, 64]);
  const gflop = (f: number, ms: number) => f / ms / 1e6;
  const plain = timeIt(() => tf.matMul(a, w).dataSync(), 5);
  const transposed = timeIt(() => tf.matMul(a, wt, false, true).dataSync(), 5);
  const batched = timeIt(() => tf.matMul(q, k, false, true).dataSync(), 5);
  return {
    'plain 2-D [1576,192]x[192,576] GFLOPS': gflop(2 * M * 192 * 576, plain),
    'transposed 2-D (same shape) GFLOPS': gflop(2 * M * 192 * 576, transposed),
    'batched attention [24,207,64]x[24,64,207] GFLOPS': gflop(2 * 24 * 207 * 207 * 64, batched),
  };
}

(async () => {
  const choice = await selectBackend(values.backend as 'wasm');
  console.log(`backend ${choice.name}; ${steps} timed steps after one warm-up`);
  console.table(matmulKernels());
  const tiny = vitConfig('vit_tiny_patch16_224');
  const small = vitConfig({ embed_dim: 192, depth: 6, num_heads: 3, patch_size: 4, image_size: 32 });
  const rows: Record<string, unknown>[] = [];
  for (const [name, cfg, batch] of [
    ['ViT-Ti/16 224px, 10 deep prompts, batch 8', tiny, 8],
    ['small (192, 6, 3 heads, 32px/4), 10 deep prompts, batch 64', small, 64],
  ] as const) {
    const custom = trainStep(cfg, batch, true);
    const auto = trainStep(cfg, batch, false);
    rows.push({
      config: name,
      'pre-transposed + custom grad (ms/step)': Math.round(custom),
      'tfjs autodiff (ms/step)': Math.round(auto),
      speed_up: Number((auto / custom).toFixed(2)),
      'images/s': Number(((1000 * batch) / custom).toFixed(1)),
    });
  }
  console.table(rows);
})();
