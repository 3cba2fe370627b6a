/**
 * The GPU-machine check, bundled into one file by scripts/device/build-gpu-check.mjs and run on a
 * lent NVIDIA machine (no npm there): the PyTorch parity cases on a GPU backend, `doctor`'s backend
 * table, and the training-step throughput of the bench configurations on each backend that loads.
 *
 *   node gpu-check.js [--backends webgpu,wasm] [--steps 10]
 *   node gpu-check.js --engine vit-ti16,vit-s16,vit-b16 --batches 8,64,128 [--steps 10]
 *
 * `--engine` times the WebGPU step engine (src/engine/webgpu/) on SPT-deep training steps of ViT-Ti/S/B
 * at each batch size (one JSON line each, the schema of scripts/device/torch_cuda_step.py's lines, so the
 * collector pairs them); `--backends` times tfjs's own training step on those backends.
 *
 * The parity cases are test/unit/engine/parity.test.ts itself, run under a minimal describe/it shim
 * (mocha is not carried to that machine). Prints one JSON line per measurement and a summary.
 */
import * as fs from 'node:fs';
import { vitConfig } from '../../src/config/architectures';
import type { BackendName } from '../../src/config/backends';
import { selectBackend } from '../../src/engine/backend/select-backend';
import { headFromHost } from '../../src/engine/model/head';
import { crossEntropy } from '../../src/engine/model/loss';
import { PromptedViT } from '../../src/engine/model/prompted-vit';
import { vitWeightsFromState } from '../../src/engine/model/vit-weights';
import { promptParamsFromHost, promptSetCount } from '../../src/engine/prompts/prompt-params';
import { tf } from '../../src/engine/tf';
import { AdamW } from '../../src/engine/train/adamw';
import { paramGroups } from '../../src/engine/train/param-groups';
import { Rng } from '../../src/engine/util/rng';
import { WebGpuStepEngine } from '../../src/engine/webgpu/webgpu-step-engine';
import { randomPromptedViT } from '../../test/helpers/random-prompted-vit';
import { randomVitState } from '../../test/helpers/random-state';
import { foldGpuResults, renderGpuTable } from './gpu-results';

type Fn = () => unknown | Promise<unknown>;
interface Case {
  title: string;
  fn: Fn;
}
interface Suite {
  title: string;
  before: Fn[];
  cases: Case[];
}

const suites: Suite[] = [];
let current: Suite | undefined;
const g = globalThis as Record<string, unknown>;
g.describe = (title: string, body: () => void) => {
  current = { title, before: [], cases: [] };
  suites.push(current);
  body();
  current = undefined;
};
g.it = (title: string, fn: Fn) => current?.cases.push({ title, fn });
g.before = (fn: Fn) => current?.before.push(fn);
g.after = () => {};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function runParity(): Promise<{ passed: number; failed: number }> {
  // Registers describe/it for SPT_PARITY_BACKENDS (set by main before this require).
  require('../../test/unit/engine/parity.test');
  let passed = 0;
  let failed = 0;
  for (const s of suites) {
    try {
      for (const b of s.before) await b();
    } catch (err) {
      console.log(`FAIL ${s.title}: before: ${(err as Error).message}`);
      failed += s.cases.length;
      continue;
    }
    for (const c of s.cases) {
      try {
        await c.fn();
        passed++;
        console.log(`ok   ${s.title} > ${c.title}`);
      } catch (err) {
        failed++;
        console.log(`FAIL ${s.title} > ${c.title}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  return { passed, failed };
}

interface BenchConfig {
  name: string;
  size: { embed_dim: number; depth: number; num_heads: number; patch_size: number; image_size: number };
  batch: number;
  prompts: number;
}

const CONFIGS: BenchConfig[] = [
  {
    name: 'vit-tiny-224',
    size: { embed_dim: 192, depth: 12, num_heads: 3, patch_size: 16, image_size: 224 },
    batch: 8,
    prompts: 10,
  },
  {
    name: 'small-32',
    size: { embed_dim: 192, depth: 6, num_heads: 3, patch_size: 4, image_size: 32 },
    batch: 64,
    prompts: 10,
  },
];

/** Training steps per second (prompts + head, frozen backbone, AdamW) and forward-only images/s. */
async function throughput(c: BenchConfig, steps: number): Promise<Record<string, number>> {
  const cfg = vitConfig(c.size);
  const rng = new Rng(7);
  const w = vitWeightsFromState(randomVitState(cfg, 3), cfg, { trainable: false });
  const S = promptSetCount('deep', cfg.depth);
  const D = cfg.embedDim;
  const pData = new Float32Array(S * c.prompts * D).map(() => 0.02 * rng.normal());
  const prompts = promptParamsFromHost(
    { dtype: 'float32', shape: [S, c.prompts, D], data: pData },
    'deep',
    cfg.depth,
    D,
  );
  const head = headFromHost(
    { dtype: 'float32', shape: [10, D], data: new Float32Array(10 * D).map(() => 0.02 * rng.normal()) },
    { dtype: 'float32', shape: [10], data: new Float32Array(10) },
    D,
  );
  const model = new PromptedViT(cfg, w, head, 'cls', 'spt', prompts);
  const opt = new AdamW(paramGroups(model, 0.01, 0.01));
  const images = tf.randomNormal([c.batch, cfg.imageSize, cfg.imageSize, 3]); // [B, H, W, 3]
  const labels = Array.from({ length: c.batch }, (_, i) => i % 10);
  const vars = model.trainableVariables();
  const step = async () => {
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(model.forward(images).logits, labels) as tf.Scalar,
      vars,
    );
    opt.apply(grads, 1e-3);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const forward = async () => {
    const logits = tf.tidy(() => model.forward(images).logits);
    await logits.data();
    logits.dispose();
  };
  for (let i = 0; i < 2; i++) await step(); // warm-up: shader compilation, allocations
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const trainIps = (steps * c.batch * 1000) / (performance.now() - t0);
  await forward();
  t0 = performance.now();
  for (let i = 0; i < steps; i++) await forward();
  const fwdIps = (steps * c.batch * 1000) / (performance.now() - t0);
  tf.dispose(images);
  model.dispose();
  return { train_images_per_s: trainIps, forward_images_per_s: fwdIps };
}

const VITS: Record<string, BenchConfig['size']> = {
  'vit-ti16': { embed_dim: 192, depth: 12, num_heads: 3, patch_size: 16, image_size: 224 },
  'vit-s16': { embed_dim: 384, depth: 12, num_heads: 6, patch_size: 16, image_size: 224 },
  'vit-b16': { embed_dim: 768, depth: 12, num_heads: 12, patch_size: 16, image_size: 224 },
};

/** The step engine's SPT-deep training images/s (10 prompts, frozen backbone, prompts + head, AdamW). */
async function engineThroughput(
  name: string,
  batch: number,
  steps: number,
): Promise<Record<string, unknown>> {
  const cfg = vitConfig(VITS[name]);
  const model = randomPromptedViT(cfg, { prompts: 10, classes: 10 });
  const opt = new AdamW(paramGroups(model, 0.01, 0.01));
  const engine = await WebGpuStepEngine.create(model, opt, { batch, nanCheck: false });
  try {
    const S = cfg.imageSize;
    const images = new Float32Array(batch * S * S * 3).map((_, i) => Math.sin(i * 0.37));
    const labels = Array.from({ length: batch }, (_, i) => i % 10);
    for (let i = 0; i < 3; i++) await engine.trainStep(images, labels, 1e-3); // pipelines, first uploads
    const t0 = performance.now();
    const encode: number[] = [];
    for (let i = 0; i < steps; i++) {
      await engine.trainStep(images, labels, 1e-3);
      encode.push(engine.stats().encodeMs);
    }
    const secs = (performance.now() - t0) / 1000;
    const st = engine.stats();
    return {
      impl: 'spt-webgpu-engine',
      config: name,
      batch,
      precision: 'fp32',
      train_images_per_s: (steps * batch) / secs,
      dispatches_per_step: st.dispatchesPerStep,
      encode_ms: encode.sort((a, b) => a - b)[Math.floor(encode.length / 2)],
      micro_batch: st.microBatch,
      adapter: st.adapter,
    };
  } finally {
    engine.dispose();
    model.dispose();
  }
}

async function engineMain(): Promise<void> {
  const names = arg('engine', 'vit-ti16,vit-s16,vit-b16').split(',');
  const batches = arg('batches', '8,64,128').split(',').map(Number);
  const steps = Number(arg('steps', '10'));
  await selectBackend('webgpu', (level, m) => console.log(`[${level}] ${m}`));
  for (const name of names) {
    for (const batch of batches) {
      try {
        console.log(`RESULT ${JSON.stringify(await engineThroughput(name, batch, steps))}`);
      } catch (err) {
        console.log(
          `RESULT ${JSON.stringify({ impl: 'spt-webgpu-engine', config: name, batch, error: (err as Error).message })}`,
        );
      }
    }
  }
}

/** `--collect OUT`: results.jsonl + machine.txt -> OUT/results-gpu.json (medians, ratios, the card). */
function collect(dir: string): void {
  const rows = foldGpuResults(fs.readFileSync(`${dir}/results.jsonl`, 'utf8'));
  const machine = fs.existsSync(`${dir}/machine.txt`)
    ? fs.readFileSync(`${dir}/machine.txt`, 'utf8').trim().split('\n')
    : [];
  const out = {
    measuredAt: machine[0],
    card: machine[1],
    node: machine[2],
    rows,
    table: renderGpuTable(rows),
  };
  fs.writeFileSync(`${dir}/results-gpu.json`, `${JSON.stringify(out, null, 2)}\n`);
  console.log(out.table);
}

async function main(): Promise<void> {
  if (process.argv.includes('--collect')) return collect(arg('collect', '.'));
  if (process.argv.includes('--engine')) return engineMain();
  const backends = arg('backends', 'webgpu').split(',') as BackendName[];
  const steps = Number(arg('steps', '10'));
  const out: Record<string, unknown> = { backends: {}, parity: {} };
  for (const b of backends) {
    try {
      const choice = await selectBackend(b, (level, m) => console.log(`[${level}] ${m}`));
      (out.backends as Record<string, unknown>)[b] = choice;
      console.log(`backend ${b}: ${JSON.stringify(choice)}`);
    } catch (err) {
      (out.backends as Record<string, unknown>)[b] = { error: (err as Error).message };
      console.log(`backend ${b}: FAILED ${(err as Error).message}`);
      continue;
    }
    for (const c of steps > 0 ? CONFIGS : []) {
      try {
        const r = await throughput(c, steps);
        out[`${b}/${c.name}`] = r;
        console.log(JSON.stringify({ backend: b, config: c.name, batch: c.batch, ...r }));
      } catch (err) {
        console.log(`throughput ${b}/${c.name}: FAILED ${(err as Error).message}`);
      }
    }
  }
  if (process.env.SPT_PARITY_BACKENDS) out.parity = await runParity();
  console.log(`SUMMARY ${JSON.stringify(out)}`);
  if (process.env.OUT) fs.writeFileSync(`${process.env.OUT}/gpu-check.json`, JSON.stringify(out, null, 2));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
