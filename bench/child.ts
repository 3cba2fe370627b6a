/**
 * One measurement of `npm run bench`, in its own process so that memory figures are clean. Prints one
 * JSON line (prefixed `BENCH_RESULT `) on stdout. Run by bench/run.ts:
 *
 *   model    --backend B --config small|tiny --batch N --mode train|forward --steps S --warmup W
 *   gemm     --backend B --n 2048 --reps 3
 *   init     --backend B --config small --images 1024 --methods random,mean,kmeans
 *   probe    --backend B            (does it load? what does it say?)
 *
 * Backends: wasm (the product's: XNNPACK threads as `device.threads: null` gives them, or SPT_WASM_THREADS),
 * wasm-1thread (the same on one thread), native (the product's native CPU step engine: training steps on
 * spt-native.node with one thread per core, or SPT_NATIVE_THREADS), native-1thread (the same on one thread),
 * wasm-openblas (bench/native: OpenBLAS GEMMs on the one-thread wasm heap, 2 threads unless
 * SPT_OPENBLAS_THREADS), cpu, tensorflow, tensorflow-gpu, webgpu. native trains only (its evaluation is wasm's);
 * after the timed steps it runs one more with SPT_NATIVE_PROFILE=1 and reports the time per kernel.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { vitConfig } from '../src/config/architectures';
import { selectBackend } from '../src/engine/backend/select-backend';
import { crossEntropy } from '../src/engine/model/loss';
import { vitWeightsFromState } from '../src/engine/model/vit-weights';
import { takeNativeProfile } from '../src/engine/native/cpu-executor';
import { requireNativeAddon } from '../src/engine/native/native-addon';
import { NativeStepEngine, resolveNativeThreads } from '../src/engine/native/native-step-engine';
import { sptInitialPrompts } from '../src/engine/prompts/init-spt';
import { tf } from '../src/engine/tf';
import { AdamW } from '../src/engine/train/adamw';
import { paramGroups } from '../src/engine/train/param-groups';
import { Rng } from '../src/engine/util/rng';
import { randomPromptedViT } from '../test/helpers/random-prompted-vit';
import { randomVitState } from '../test/helpers/random-state';
import { CONFIG_ARCHS } from './flops';
import { useOpenBlasKernels } from './native/openblas-kernels';

const PROMPTS = 10;
const CLASSES = 10;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'wasm' },
    config: { type: 'string', default: 'small' },
    batch: { type: 'string', default: '8' },
    mode: { type: 'string', default: 'train' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    n: { type: 'string', default: '2048' },
    reps: { type: 'string', default: '3' },
    images: { type: 'string', default: '1024' },
    methods: { type: 'string', default: 'random,mean,kmeans' },
  },
});

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** native's thread count: one per core, SPT_NATIVE_THREADS, or 1 for native-1thread. */
function nativeThreads(name: string): number {
  if (name === 'native-1thread') return 1;
  return resolveNativeThreads(process.env.SPT_NATIVE_THREADS ? Number(process.env.SPT_NATIVE_THREADS) : null);
}

async function useBackend(name: string, modelWidth?: number): Promise<Record<string, unknown>> {
  const envThreads = process.env.SPT_WASM_THREADS ? Number(process.env.SPT_WASM_THREADS) : null;
  const threads = name === 'wasm' ? envThreads : 1;
  const t0 = performance.now();
  const base =
    name === 'wasm-1thread' || name === 'wasm-openblas'
      ? 'wasm'
      : name === 'native-1thread'
        ? 'native'
        : name;
  const choice = await selectBackend(base as 'wasm', () => {}, { threads, modelWidth });
  const attempt = choice.attempts.at(-1);
  const info: Record<string, unknown> = {
    backend: name,
    detail: attempt?.reason,
    loadMs: performance.now() - t0,
  };
  if (choice.name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    info.threads = wasm.getThreadsCount();
    info.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  }
  if (name.startsWith('native')) info.threads = nativeThreads(name);
  if (name === 'wasm-openblas') {
    const blasThreads = Number(process.env.SPT_OPENBLAS_THREADS ?? 2);
    useOpenBlasKernels(blasThreads);
    info.detail = `${info.detail}; matrix products by OpenBLAS (OpenMP, ${blasThreads} threads) through bench/native`;
    info.threads = blasThreads;
  }
  return info;
}

/** SHA-256 of the trainable parameters' bytes: equal digests mean the same numbers, bit for bit. */
async function paramDigest(params: readonly tf.Variable[]): Promise<string> {
  const h = createHash('sha256');
  for (const p of params) h.update(new Uint8Array(((await p.data()) as Float32Array).buffer));
  return h.digest('hex').slice(0, 16);
}

/** Bytes the wasm module's memory has grown to (it never shrinks: this is the peak). */
function wasmHeapBytes(): number | undefined {
  if (!tf.getBackend().startsWith('wasm')) return undefined;
  const m = (tf.backend() as unknown as { wasm: { wasmMemory?: WebAssembly.Memory; HEAPU8?: Uint8Array } })
    .wasm;
  return m.wasmMemory?.buffer.byteLength ?? m.HEAPU8?.buffer.byteLength;
}

function memoryFigures(): Record<string, number | undefined> {
  return {
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    wasmHeapBytes: wasmHeapBytes(),
    tfBytes: tf.memory().numBytes,
    jsHeapBytes: process.memoryUsage().heapUsed,
  };
}

/** A training step of the native step engine (the product's path on the native backend). */
async function nativeModelBench(info: Record<string, unknown>): Promise<Record<string, unknown>> {
  const name = values.backend as string;
  if (values.mode !== 'train')
    throw new Error(`${name} trains only: its evaluation runs on wasm (see the wasm rows)`);
  const cfg = vitConfig(CONFIG_ARCHS[values.config as string]);
  const batch = Number(values.batch);
  const t0 = performance.now();
  const model = randomPromptedViT(cfg, { prompts: PROMPTS, classes: CLASSES });
  const x = tf.randomNormal([batch, cfg.imageSize, cfg.imageSize, 3], 0, 1, 'float32', 1);
  const images = (await x.data()) as Float32Array;
  x.dispose();
  const labels = Array.from({ length: batch }, (_, i) => i % CLASSES);
  const opt = new AdamW(paramGroups(model, 1e-4, 1e-4));
  const engine = await NativeStepEngine.create(model, opt, {
    batch,
    nanCheck: true,
    threads: nativeThreads(name),
  });
  const setupMs = performance.now() - t0;
  const step = () => engine.trainStep(images, labels, 1e-3);
  for (let i = 0; i < Number(values.warmup); i++) await step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < Number(values.steps); i++) {
    const w0 = performance.now();
    const c0 = cpuMs();
    await step();
    wall.push(performance.now() - w0);
    cpu.push(cpuMs() - c0);
  }
  // One more step, each kernel timed (kept out of the figures above).
  process.env.SPT_NATIVE_PROFILE = '1';
  takeNativeProfile();
  const p0 = performance.now();
  await step();
  const profiledMs = performance.now() - p0;
  delete process.env.SPT_NATIVE_PROFILE;
  const kernels = takeNativeProfile();
  await engine.syncTo(opt);
  const st = engine.stats();
  const out = {
    ...info,
    detail: `${info.detail}; ${st.adapter}`,
    config: values.config,
    batch,
    mode: values.mode,
    microBatch: st.microBatch,
    dispatchesPerStep: st.dispatchesPerStep,
    paramDigest: await paramDigest(opt.params()),
    setupMs,
    stepMs: wall,
    stepCpuMs: cpu,
    profile: { stepMs: profiledMs, kernels },
    ...memoryFigures(),
  };
  engine.dispose();
  return out;
}

async function modelBench(): Promise<Record<string, unknown>> {
  const cfg = vitConfig(CONFIG_ARCHS[values.config as string]);
  const info = await useBackend(values.backend as string, cfg.embedDim);
  if ((values.backend as string).startsWith('native')) return nativeModelBench(info);
  const batch = Number(values.batch);
  const t0 = performance.now();
  const model = randomPromptedViT(cfg, { prompts: PROMPTS, classes: CLASSES });
  const images = tf.randomNormal([batch, cfg.imageSize, cfg.imageSize, 3], 0, 1, 'float32', 1);
  const labels = Array.from({ length: batch }, (_, i) => i % CLASSES);
  const opt = new AdamW(paramGroups(model, 1e-4, 1e-4));
  const setupMs = performance.now() - t0;
  // Reads are asynchronous (webgpu in Node has no synchronous readback); on wasm they return at once.
  const train = async () => {
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(model.forward(images).logits, labels) as tf.Scalar,
      opt.params(),
    );
    await value.data();
    opt.apply(grads, 1e-3);
    tf.dispose([value, ...Object.values(grads)]);
    await opt.params()[0].data(); // the update has run
  };
  const forward = async () => {
    const logits = tf.tidy(() => model.forward(images).logits);
    await logits.data();
    logits.dispose();
  };
  const step = values.mode === 'forward' ? forward : train;
  for (let i = 0; i < Number(values.warmup); i++) await step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < Number(values.steps); i++) {
    const w0 = performance.now();
    const c0 = cpuMs();
    await step();
    wall.push(performance.now() - w0);
    cpu.push(cpuMs() - c0);
  }
  return {
    ...info,
    config: values.config,
    batch,
    mode: values.mode,
    paramDigest: values.mode === 'train' ? await paramDigest(opt.params()) : undefined,
    setupMs,
    stepMs: wall,
    stepCpuMs: cpu,
    ...memoryFigures(),
  };
}

/** One n x n x n product through the native engine's GEMM kernel (row blocks over its threads). */
function nativeGemm(info: Record<string, unknown>, n: number): Record<string, unknown> {
  const { addon } = requireNativeAddon();
  addon.setThreads(info.threads as number);
  const key = 'gemm:0000:store';
  const fields = addon.kernelInfo(addon.kernelCode(key)).fields.split(',');
  const u = new Uint32Array(fields.length);
  for (const [f, v] of Object.entries({ M: n, N: n, K: n, batchInner: 1, lda: n, ldb: n, ldc: n, ldr: n }))
    u[fields.indexOf(f)] = v;
  const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
  const c = new Float32Array(n * n);
  const code = addon.kernelCode(key);
  addon.run(code, u.buffer, 1, a, b, c);
  const times: number[] = [];
  for (let i = 0; i < Number(values.reps); i++) {
    const t = performance.now();
    addon.run(code, u.buffer, 1, a, b, c);
    times.push(performance.now() - t);
  }
  const med = [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)];
  return { ...info, n, ms: times, gflops: (2 * n ** 3) / med / 1e6 };
}

async function gemmBench(): Promise<Record<string, unknown>> {
  const info = await useBackend(values.backend as string);
  const n = Number(values.n);
  if ((values.backend as string).startsWith('native')) return nativeGemm(info, n);
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  tf.matMul(a, b).dispose();
  const times: number[] = [];
  for (let i = 0; i < Number(values.reps); i++) {
    const t = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    times.push(performance.now() - t);
    c.dispose();
  }
  const med = [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)];
  return { ...info, n, ms: times, gflops: (2 * n ** 3) / med / 1e6 };
}

async function initBench(): Promise<Record<string, unknown>> {
  const cfg = vitConfig(CONFIG_ARCHS[values.config as string]);
  const info = await useBackend(values.backend as string, cfg.embedDim);
  const w = vitWeightsFromState(randomVitState(cfg, 1), cfg, { trainable: false });
  const total = Number(values.images);
  const per = 64;
  async function* batches() {
    for (let s = 0; s < total; s += per) {
      const n = Math.min(per, total - s);
      const images = tf.randomNormal([n, cfg.imageSize, cfg.imageSize, 3], 0, 1, 'float32', s + 1);
      yield { images, ids: Array.from({ length: n }, (_, i) => s + i) };
      images.dispose();
    }
  }
  const methods: Record<string, number> = {};
  for (const init of (values.methods as string).split(',')) {
    const t = performance.now();
    await sptInitialPrompts(batches(), w, cfg, {
      init: init as 'random',
      mode: 'deep',
      length: PROMPTS,
      rng: new Rng(3),
    });
    methods[init] = performance.now() - t;
  }
  return {
    ...info,
    config: values.config,
    images: total,
    prompts: PROMPTS,
    mode: 'deep',
    initMs: methods,
    ...memoryFigures(),
  };
}

(async () => {
  let out: Record<string, unknown>;
  try {
    switch (positionals[0]) {
      case 'model':
        out = await modelBench();
        break;
      case 'gemm':
        out = await gemmBench();
        break;
      case 'init':
        out = await initBench();
        break;
      case 'probe':
        out = await useBackend(values.backend as string);
        break;
      default:
        throw new Error(`unknown benchmark '${positionals[0]}'`);
    }
  } catch (err) {
    out = { error: err instanceof Error ? err.message : String(err) };
  }
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`);
  process.exit(0);
})();
