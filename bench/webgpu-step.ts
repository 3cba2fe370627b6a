/**
 * Bench child: what a WebGPU training step costs the CPU, for the step engine and for tfjs-backend-webgpu.
 * Figures that need no real GPU (issue 15): dispatches per step and the CPU time to encode one step.
 *
 * - engine: ViT-B/16's blocks (width 768, 12 heads, 12 blocks, 10 deep prompts) on 32 px images (4 patches
 *   of 16: 15 tokens), its real buffers, programs and steps on whatever adapter Dawn offers (lavapipe with
 *   SPT_WEBGPU_SOFTWARE=1). The dispatches and the CPU work of encoding them do not depend on the token
 *   count (only the workgroup counts do), so encode ms is ViT-B/16's at 224 px too, while the software
 *   rasteriser's step takes seconds instead of minutes. Encode ms is the CPU time from the first upload
 *   to the last submit of a step (median of the timed steps); step ms includes the device's work and the
 *   one read-back (on lavapipe that is the CPU rasteriser's time, not a GPU figure).
 * - tfjs: the same step through tfjs's autodiff on tfjs-backend-webgpu, counting the compute dispatches
 *   Dawn receives (GPUComputePassEncoder.dispatchWorkgroups). The count depends on the graph, not on the
 *   width or the token count, so it is measured on a 12-block ViT of width 64 (ViT-B's structure): a
 *   full-width tfjs step on a software rasteriser would take minutes and measure nothing more.
 *
 * Prints `BENCH_RESULT {json}`. Usage: tsx bench/webgpu-step.ts [batch] [steps]
 */

import { vitConfig } from '../src/config/architectures';
import { selectBackend } from '../src/engine/backend/select-backend';
import { AdamW } from '../src/engine/train/adamw';
import { paramGroups } from '../src/engine/train/param-groups';
import { trainStep } from '../src/engine/train/train-run';
import { WebGpuStepEngine } from '../src/engine/webgpu/webgpu-step-engine';
import { randomPromptedViT } from '../test/helpers/random-prompted-vit';

const batch = Number(process.argv[2] ?? 4);
const steps = Number(process.argv[3] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Counts compute dispatches by wrapping Dawn's pass encoder prototype (once webgpu is loaded). */
function dispatchCounter(): { count: () => number; reset: () => void } {
  const proto = (globalThis as unknown as { GPUComputePassEncoder?: { prototype: Record<string, unknown> } })
    .GPUComputePassEncoder?.prototype;
  if (!proto) throw new Error('GPUComputePassEncoder is not defined (webgpu not loaded)');
  const orig = proto.dispatchWorkgroups as (...a: unknown[]) => unknown;
  let n = 0;
  proto.dispatchWorkgroups = function (this: unknown, ...a: unknown[]) {
    n++;
    return orig.apply(this, a);
  };
  return {
    count: () => n,
    reset: () => {
      n = 0;
    },
  };
}

function images(B: number, S: number): { images: Float32Array; labels: number[] } {
  const x = new Float32Array(B * S * S * 3);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
  return { images: x, labels: Array.from({ length: B }, (_, i) => i % 10) };
}

async function engineFigures(): Promise<Record<string, unknown>> {
  const cfg = vitConfig({ embed_dim: 768, depth: 12, num_heads: 12, patch_size: 16, image_size: 32 }, 32);
  const model = randomPromptedViT(cfg, { prompts: 10, classes: 10 });
  const opt = new AdamW(paramGroups(model, 0.001, 0.01));
  const t0 = performance.now();
  const engine = await WebGpuStepEngine.create(model, opt, { batch, nanCheck: true });
  const setupMs = performance.now() - t0;
  const counter = dispatchCounter();
  const { images: x, labels } = images(batch, 32);
  const encode: number[] = [];
  const total: number[] = [];
  let first = 0;
  for (let s = 0; s <= steps; s++) {
    counter.reset();
    const ts = performance.now();
    await engine.trainStep(x, labels, 1e-3);
    const ms = performance.now() - ts;
    if (s === 0)
      first = ms; // pipelines compile on the first step
    else {
      encode.push(engine.stats().encodeMs);
      total.push(ms);
    }
  }
  const st = engine.stats();
  const counted = counter.count();
  engine.dispose();
  model.dispose();
  return {
    model: 'ViT-B/16 blocks (768 wide, 12 heads, 12 blocks), SPT-deep 10 prompts, at 32 px (15 tokens)',
    batch,
    microBatch: st.microBatch,
    dispatchesPerStep: st.dispatchesPerStep,
    dispatchesCounted: counted,
    dispatchesPerBlock: Math.round((st.dispatchesPerStep / cfg.depth) * 10) / 10,
    encodeMs: Math.round(median(encode) * 100) / 100,
    stepMs: Math.round(median(total)),
    firstStepMs: Math.round(first),
    setupMs: Math.round(setupMs),
    pipelines: st.pipelines,
    adapter: st.adapter,
  };
}

async function tfjsFigures(): Promise<Record<string, unknown>> {
  // ViT-B's graph (12 blocks, 10 deep prompts) at width 64 and 32 px: the same ops, a cheap step.
  const cfg = vitConfig({ embed_dim: 64, depth: 12, num_heads: 4, patch_size: 8, image_size: 32 }, 32);
  const model = randomPromptedViT(cfg, { prompts: 10, classes: 10 });
  const opt = new AdamW(paramGroups(model, 0.001, 0.01));
  const counter = dispatchCounter();
  const { images: x, labels } = images(batch, 32);
  await trainStep(model, opt, x, labels, 32, batch, 1e-3, true); // compiles
  const counts: number[] = [];
  const cpu: number[] = [];
  for (let s = 0; s < 2; s++) {
    counter.reset();
    const c0 = process.cpuUsage();
    await trainStep(model, opt, x, labels, 32, batch, 1e-3, true);
    const c = process.cpuUsage(c0);
    counts.push(counter.count());
    cpu.push((c.user + c.system) / 1000);
  }
  model.dispose();
  return {
    model: 'ViT-B/16 graph (12 blocks, 10 deep prompts) at width 64, 32 px',
    batch,
    dispatchesPerStep: median(counts),
    dispatchesPerBlock: Math.round((median(counts) / cfg.depth) * 10) / 10,
    cpuMsPerStep: Math.round(median(cpu)),
  };
}

async function main() {
  const choice = await selectBackend('webgpu');
  const adapter = choice.attempts.at(-1)?.reason;
  const engine = await engineFigures();
  const tfjs = await tfjsFigures();
  console.log(`BENCH_RESULT ${JSON.stringify({ adapter, engine, tfjs })}`);
  process.exit(0);
}

main().catch((err) => {
  console.log(`BENCH_RESULT ${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}`);
  process.exit(1);
});
