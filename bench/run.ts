/**
 * `npm run bench`: training and inference throughput against PyTorch on the same machine, memory and
 * the largest batch that fits, SPT initialisation time, language-server latency, extension start-up
 * and the .vsix size. Every figure comes from a child process (bench/child.ts, scripts/bench_torch.py,
 * scripts/bench-lsp.ts, bench/activate.cjs), ours and PyTorch's interleaved round by round, medians.
 * Writes bench/results.json and the table between the markers in docs/PERFORMANCE.md.
 *
 * Environment:
 *   SPT_BENCH_BACKENDS  comma list (default wasm,wasm-1thread,native,native-1thread,cpu,tensorflow,tensorflow-gpu,
 *                       webgpu; the ones that do not load are reported as skipped). wasm is the product's
 *                       (XNNPACK threads as `device.threads: null` gives them), wasm-1thread the same on one
 *                       thread; native the product's native CPU step engine (training only: it evaluates on
 *                       wasm; one thread per core), native-1thread the same on one thread. An experiment of
 *                       bench/, not a product path, can be added: wasm-openblas (docs/PERFORMANCE.md).
 *   SPT_BENCH_OMP_WAIT_POLICY  OMP_WAIT_POLICY for PyTorch (default: OpenMP's own, or PASSIVE when the
 *                       machine is already busy at the start: spinning OpenMP threads that lose their core
 *                       slow PyTorch down up to tenfold)
 *   SPT_BENCH_ROUNDS    interleaved rounds per throughput figure (default 2)
 *   SPT_BENCH_QUICK=1   a smoke run: one round, fewer steps, no memory search or vsix
 *   SPT_BENCH_BUDGET_S  soft time budget in seconds (default 780): later phases shrink or are skipped
 *   SPT_BENCH_PYTHON    the Python with torch (default /usr/bin/python3 with OpenBLAS's OpenMP build)
 *
 * `npx tsx bench/run.ts --render` only re-renders the table from bench/results.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { activationBytesPerImage, vitConfig } from '../src/config/architectures';
import { BACKEND_PACKAGES, type BackendName } from '../src/config/backends';
import { resolvePackageJson } from '../src/engine/backend/load-package';
import { gpuDeviceNodePresent } from '../src/engine/backend/select-backend';
import { defaultMemoryBudget } from '../src/engine/train/micro-batch';
import { CONFIG_ARCHS, flopsPerStep } from './flops';
import { renderTable } from './report';

const root = path.resolve(__dirname, '..');
const started = Date.now();
const quick = process.env.SPT_BENCH_QUICK === '1';
const budgetS = Number(process.env.SPT_BENCH_BUDGET_S ?? 780);
const rounds = quick ? 1 : Number(process.env.SPT_BENCH_ROUNDS ?? 2);
const requested = (
  process.env.SPT_BENCH_BACKENDS ??
  'wasm,wasm-1thread,native,native-1thread,cpu,tensorflow,tensorflow-gpu,webgpu'
)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const python = process.env.SPT_BENCH_PYTHON ?? '/usr/bin/python3';
const busyAtStart = os.loadavg()[0] >= os.cpus().length;
const ompWaitPolicy = process.env.SPT_BENCH_OMP_WAIT_POLICY ?? (busyAtStart ? 'PASSIVE' : undefined);
const pythonEnv: NodeJS.ProcessEnv = {
  ...process.env,
  LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-openmp',
  ...(ompWaitPolicy ? { OMP_WAIT_POLICY: ompWaitPolicy } : {}),
};
const TORCH_HINT = 'apt-get install python3-torch libopenblas0-openmp';

const elapsedS = () => (Date.now() - started) / 1000;
const left = () => budgetS - elapsedS();
const loadSamples: { atS: number; loadavg: number[] }[] = [];
const sampleLoad = () => loadSamples.push({ atS: Math.round(elapsedS()), loadavg: os.loadavg() });
const log = (msg: string) => console.log(`[bench ${elapsedS().toFixed(0).padStart(4)} s] ${msg}`);

type Json = Record<string, unknown>;

/** Runs a child and returns its `BENCH_RESULT` JSON (or {error}). */
function runChild(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutS?: number } = {},
): Promise<Json> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (opts.timeoutS ?? 600) * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (line) return resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as Json);
      const json = out.trim().split('\n').at(-1);
      if (json?.startsWith('{')) {
        try {
          return resolve(JSON.parse(json) as Json);
        } catch {}
      }
      resolve({ error: `exit ${code ?? signal}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

const tsChild = (args: string[], timeoutS?: number) =>
  runChild(process.execPath, ['--require', 'tsx/cjs', path.join('bench', 'child.ts'), ...args], { timeoutS });
const torch = (args: string[], timeoutS?: number) =>
  runChild(python, [path.join('scripts', 'bench_torch.py'), ...args], { env: pythonEnv, timeoutS });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
    : Number.NaN;
};
const round = (x: number, d = 3) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);

function versions(torchInfo: Json): Json {
  const v = (pkg: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8'))
        .version;
    } catch {
      return null;
    }
  };
  return {
    node: process.version,
    tfjsCore: v('@tensorflow/tfjs-core'),
    tfjsBackendWasm: v('@tensorflow/tfjs-backend-wasm'),
    tfjsNode: v('@tensorflow/tfjs-node'),
    tfjsBackendWebgpu: v('@tensorflow/tfjs-backend-webgpu'),
    python: torchInfo.python ?? null,
    torch: torchInfo.torch ?? null,
    blas: torchInfo.blas ?? null,
  };
}

function machine(): Json {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model,
    logicalCpus: cpus.length,
    memoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
  };
}

interface ThroughputRow {
  config: string;
  batch: number;
  mode: 'train' | 'forward';
  backend: string;
  ours: {
    stepMs: number[];
    stepCpuMs: number[];
    error?: string;
    threads?: number;
    digests: string[];
    /** native: one profiled step (time per kernel) and the process's peak RSS. */
    profile?: Json;
    peakRssBytes?: number;
  };
  torch: { stepMs: number[]; error?: string };
  torch1: { stepMs: number[]; stepCpuMs: number[]; error?: string };
}

async function main() {
  sampleLoad();
  log(`budget ${budgetS} s, rounds ${rounds}${quick ? ' (quick)' : ''}, backends ${requested.join(',')}`);
  const results: Json = {
    schema: 1,
    command: 'npm run bench',
    env: {
      SPT_BENCH_BACKENDS: process.env.SPT_BENCH_BACKENDS ?? null,
      SPT_BENCH_ROUNDS: process.env.SPT_BENCH_ROUNDS ?? null,
      SPT_BENCH_QUICK: process.env.SPT_BENCH_QUICK ?? null,
    },
    startedAt: new Date(started).toISOString(),
    machine: machine(),
  };

  // ---- PyTorch and the backends that load ------------------------------------------------------
  const torchInfo = fs.existsSync(python) ? await torch(['info'], 60) : { error: `${python} not found` };
  const torchOk = typeof torchInfo.torch === 'string';
  if (!torchOk)
    log(`PyTorch baseline missing (${torchInfo.error ?? 'no torch'}): ${TORCH_HINT}; our numbers only`);
  results.versions = versions(torchInfo);
  results.torch = torchOk
    ? { ok: true, threads: 2, ompWaitPolicy: ompWaitPolicy ?? 'OpenMP default', busyAtStart }
    : { ok: false, error: torchInfo.error ?? 'no torch', hint: TORCH_HINT };
  if (busyAtStart)
    log(
      `the machine is busy (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs): noisy figures`,
    );

  const backends: string[] = [];
  const skipped: Json = {};
  for (const b of requested) {
    const missing = missingPackage(b);
    if (missing) {
      skipped[b] = missing;
      log(`backend ${b}: skipped (${missing})`);
      continue;
    }
    const p = await tsChild(['probe', '--backend', b], 120);
    if (p.error) {
      skipped[b] = p.error;
      log(`backend ${b}: skipped (${String(p.error).split('\n').at(-1)?.trim()})`);
    } else {
      backends.push(b);
      log(`backend ${b}: ${p.detail}${p.threads ? `, ${p.threads} thread(s)` : ''}`);
    }
  }
  results.backends = { used: backends, skipped };

  // ---- GEMM peak ---------------------------------------------------------------------------------
  const n = quick ? 1024 : 2048;
  const peak: Json = {};
  if (torchOk) {
    for (const threads of [2, 1]) {
      const r = await torch(['gemm', '--n', String(n), '--reps', '5', '--threads', String(threads)], 120);
      peak[`torch_${threads}t`] = r.error ? { error: r.error } : { gflops: round(r.gflops as number, 1), n };
    }
  }
  for (const b of backends.filter(
    (x) => x.startsWith('wasm') || x.startsWith('native') || x === 'tensorflow' || x === 'tensorflow-gpu',
  )) {
    const r = await tsChild(['gemm', '--backend', b, '--n', String(n), '--reps', '3'], 180);
    peak[b] = r.error ? { error: r.error } : { gflops: round(r.gflops as number, 1), n, threads: r.threads };
  }
  results.gemmPeak = peak;
  log(`GEMM peak (GFLOPS, ${n}^3 sgemm): ${JSON.stringify(peak)}`);
  sampleLoad();

  // ---- throughput, interleaved with PyTorch --------------------------------------------------------
  const plans: { config: string; batch: number; mode: 'train' | 'forward'; backends: string[] }[] = [];
  const full = backends.filter((b) => b !== 'cpu');
  // Training first: if the time budget runs short, forward-only figures go first.
  for (const mode of ['train', 'forward'] as const) {
    for (const [config, batch] of [
      ['small', 64],
      ['tiny', 8],
    ] as const) {
      // native trains only: its evaluation is the wasm backend's (the wasm rows)
      plans.push({
        config,
        batch,
        mode,
        backends: mode === 'train' ? full : full.filter((b) => !b.startsWith('native')),
      });
    }
  }
  // The pure-JS backend is ~100x slower: one small forward and training step at batch 8.
  if (backends.includes('cpu'))
    for (const mode of ['forward', 'train'] as const)
      plans.push({ config: 'small', batch: 8, mode, backends: ['cpu'] });
  const rows = new Map<string, ThroughputRow>();
  const key = (p: { config: string; batch: number; mode: string }, b: string) =>
    `${p.config}/${p.batch}/${p.mode}/${b}`;
  for (let r = 0; r < rounds; r++) {
    if (r > 0 && left() < 480) {
      log(`round ${r + 1}: skipped (time budget)`);
      break;
    }
    for (const p of plans) {
      if (r > 0 && p.backends[0] === 'cpu') continue; // one round of the slow pure-JS backend
      // Keep ~5 minutes for memory, initialisation, language server, start-up and .vsix.
      if (left() < (quick ? 60 : 300)) {
        log(`${p.config}/${p.batch}/${p.mode} round ${r + 1}: skipped (time budget)`);
        continue;
      }
      const steps = p.backends[0] === 'cpu' ? 1 : p.mode === 'train' ? (quick ? 1 : 2) : quick ? 2 : 3;
      const torchRuns: (Json | undefined)[] = [];
      for (const threads of torchOk ? [2, 1] : []) {
        torchRuns.push(
          await torch(
            [
              'model',
              '--config',
              p.config,
              '--batch',
              String(p.batch),
              '--mode',
              p.mode,
              '--steps',
              String(steps + 1),
              '--threads',
              String(threads),
            ],
            300,
          ),
        );
      }
      const [torchRun, torch1Run] = torchRuns;
      for (const b of p.backends) {
        const ours = await tsChild(
          [
            'model',
            '--backend',
            b,
            '--config',
            p.config,
            '--batch',
            String(p.batch),
            '--mode',
            p.mode,
            '--steps',
            String(steps),
            '--warmup',
            b === 'cpu' ? '0' : '1',
          ],
          600,
        );
        const k = key(p, b);
        const row = rows.get(k) ?? {
          config: p.config,
          batch: p.batch,
          mode: p.mode,
          backend: b,
          ours: { stepMs: [], stepCpuMs: [], digests: [] },
          torch: { stepMs: [] },
          torch1: { stepMs: [], stepCpuMs: [] },
        };
        if (ours.error) row.ours.error = String(ours.error);
        else {
          row.ours.stepMs.push(...(ours.stepMs as number[]));
          row.ours.stepCpuMs.push(...(ours.stepCpuMs as number[]));
          row.ours.threads = ours.threads as number | undefined;
          if (typeof ours.paramDigest === 'string') row.ours.digests.push(ours.paramDigest);
          if (ours.profile) row.ours.profile = ours.profile as Json;
          if (typeof ours.peakRssBytes === 'number') row.ours.peakRssBytes = ours.peakRssBytes;
        }
        // Each PyTorch run is paired with every backend of the plan (same round, same machine state).
        if (torchRun?.error) row.torch.error = String(torchRun.error);
        else if (torchRun) row.torch.stepMs.push(...(torchRun.step_ms as number[]));
        if (torch1Run?.error) row.torch1.error = String(torch1Run.error);
        else if (torch1Run) {
          row.torch1.stepMs.push(...(torch1Run.step_ms as number[]));
          row.torch1.stepCpuMs.push(...((torch1Run.step_cpu_ms as number[] | undefined) ?? []));
        }
        rows.set(k, row);
        const ms = median(row.ours.stepMs);
        const tms = median(row.torch.stepMs);
        const errors = [ours.error, torchRun?.error].filter(Boolean).join('; ');
        log(
          `${k}: ours ${ms.toFixed(0)} ms/step, PyTorch ${tms.toFixed(0)} ms/step, ratio ${(tms / ms).toFixed(3)}${errors ? ` (${errors})` : ''}`,
        );
      }
      sampleLoad();
    }
  }
  const torchPeak = (peak.torch_2t as { gflops?: number } | undefined)?.gflops;
  const throughput = [...rows.values()].map((row) => {
    const cfg = vitConfig(CONFIG_ARCHS[row.config]);
    const flops = flopsPerStep(cfg, row.batch, row.mode, 10, 10);
    const ms = median(row.ours.stepMs);
    const tms = median(row.torch.stepMs);
    const t1ms = median(row.torch1.stepMs);
    const t1cpu = median(row.torch1.stepCpuMs);
    const oursCpu = median(row.ours.stepCpuMs);
    const oursPeak = (peak[row.backend] as { gflops?: number } | undefined)?.gflops;
    return {
      config: row.config,
      batch: row.batch,
      mode: row.mode,
      backend: row.backend,
      threads: row.ours.threads ?? null,
      gflopPerStep: round(flops / 1e9, 2),
      ours: {
        medianStepMs: round(ms, 1),
        medianStepCpuMs: round(median(row.ours.stepCpuMs), 1),
        imagesPerS: round((1000 * row.batch) / ms, 2),
        gflops: round(flops / ms / 1e6, 2),
        shareOfTorchGemmPeak: torchPeak ? round(flops / ms / 1e6 / torchPeak, 3) : null,
        shareOfOwnGemmPeak: oursPeak ? round(flops / ms / 1e6 / oursPeak, 3) : null,
        stepsMs: row.ours.stepMs.map((x) => round(x, 1)),
        paramDigests: row.ours.digests,
        peakRssBytes: row.ours.peakRssBytes ?? null,
        profile: row.ours.profile ?? null,
        error: row.ours.error ?? null,
      },
      torch: torchOk
        ? {
            medianStepMs: round(tms, 1),
            imagesPerS: round((1000 * row.batch) / tms, 2),
            gflops: round(flops / tms / 1e6, 2),
            shareOfTorchGemmPeak: torchPeak ? round(flops / tms / 1e6 / torchPeak, 3) : null,
            stepsMs: row.torch.stepMs.map((x) => round(x, 1)),
            error: row.torch.error ?? null,
          }
        : null,
      torch1Thread: torchOk
        ? {
            medianStepMs: round(t1ms, 1),
            medianStepCpuMs: round(t1cpu, 1),
            imagesPerS: round((1000 * row.batch) / t1ms, 2),
            error: row.torch1.error ?? null,
          }
        : null,
      ratioOursToTorch: torchOk ? round(tms / ms, 3) : null,
      ratioOursToTorch1Thread: torchOk ? round(t1ms / ms, 3) : null,
      // One core each, in process CPU time: what a busy machine disturbs least (single-threaded ours only).
      cpuTimeRatioOursToTorch1Thread:
        torchOk && (row.ours.threads ?? 1) === 1 ? round(t1cpu / oursCpu, 3) : null,
    };
  });
  results.throughput = throughput;
  // The product's wasm (threads) against the same on one thread: the trained parameters, bit for bit.
  const sameNumbers = [...rows.values()]
    .filter((r) => r.backend === 'wasm' && r.mode === 'train')
    .map((r) => {
      const single = rows.get(key(r, 'wasm-1thread'));
      const a = r.ours.digests;
      const b = single?.ours.digests ?? [];
      return {
        config: r.config,
        batch: r.batch,
        threads: r.ours.threads ?? null,
        compared: Math.min(a.length, b.length),
        identical: a.length > 0 && b.length > 0 && a.every((d, i) => i >= b.length || d === b[i]),
      };
    })
    .filter((x) => x.compared > 0);
  results.threadsSameNumbers = sameNumbers;
  if (sameNumbers.length)
    log(`wasm threads vs one thread, trained parameters: ${JSON.stringify(sameNumbers)}`);

  // ---- memory: peak per configuration and batch; the largest batch under a budget --------------------
  const memory: Json[] = [];
  const largest: Json[] = [];
  if (!quick && backends.includes('wasm')) {
    for (const [config, batches] of [
      ['small', [32, 64, 128, 256]],
      ['tiny', [4, 8, 16, 32]],
    ] as const) {
      const cfg = vitConfig(CONFIG_ARCHS[config]);
      const points: { batch: number; heap: number; rss: number; ms: number }[] = [];
      for (const batch of batches) {
        const last = points.at(-1);
        // Bounded in time: skip a batch whose single step would take more than a minute.
        if (last && (last.ms * batch) / last.batch > 60_000) break;
        if (left() < 150) break;
        const r = await tsChild(
          [
            'model',
            '--backend',
            'wasm',
            '--config',
            config,
            '--batch',
            String(batch),
            '--mode',
            'train',
            '--steps',
            '1',
            '--warmup',
            '0',
          ],
          300,
        );
        if (r.error) {
          memory.push({ config, batch, backend: 'wasm', error: r.error });
          break;
        }
        const heap = r.wasmHeapBytes as number;
        const rss = r.peakRssBytes as number;
        points.push({ batch, heap, rss, ms: (r.stepMs as number[])[0] });
        memory.push({
          config,
          batch,
          backend: 'wasm',
          peakRssBytes: rss,
          wasmHeapBytes: heap,
          estimatedActivationBytes: activationBytesPerImage(cfg, 10) * batch,
          stepMs: round((r.stepMs as number[])[0], 0),
        });
        log(
          `memory ${config} batch ${batch}: RSS ${(rss / 2 ** 20).toFixed(0)} MiB, wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB`,
        );
      }
      if (points.length >= 2) {
        // Heap grows linearly with the batch: least squares through the measured points.
        const k = points.length;
        const mx = points.reduce((s, p) => s + p.batch, 0) / k;
        const my = points.reduce((s, p) => s + p.heap, 0) / k;
        const slope =
          points.reduce((s, p) => s + (p.batch - mx) * (p.heap - my), 0) /
          points.reduce((s, p) => s + (p.batch - mx) ** 2, 0);
        const base = my - slope * mx;
        for (const [label, budget] of [
          ['trainer default wasm budget', defaultMemoryBudget('wasm')],
          ['wasm32 heap limit', 4 * 2 ** 30],
        ] as const) {
          largest.push({
            config,
            backend: 'wasm',
            budget: label,
            budgetBytes: budget,
            largestBatch: Math.max(0, Math.floor((budget - base) / slope)),
            heapPerImageBytes: Math.round(slope),
            heapBaseBytes: Math.round(base),
            method: `linear fit of the peak wasm heap over batches ${points.map((p) => p.batch).join(', ')} (one training step each, own process)`,
          });
        }
      }
      sampleLoad();
    }
  }
  // The native engine's peak RSS per batch (its activations live in the process's own memory).
  if (!quick && backends.includes('native')) {
    for (const [config, batches] of [
      ['small', [32, 64, 128, 256]],
      ['tiny', [4, 8, 16, 32]],
    ] as const) {
      let last: { batch: number; ms: number } | undefined;
      for (const batch of batches) {
        if (last && (last.ms * batch) / last.batch > 60_000) break;
        if (left() < 150) break;
        const r = await tsChild(
          [
            'model',
            '--backend',
            'native',
            '--config',
            config,
            '--batch',
            String(batch),
            '--mode',
            'train',
            '--steps',
            '1',
            '--warmup',
            '0',
          ],
          300,
        );
        if (r.error) {
          memory.push({ config, batch, backend: 'native', error: r.error });
          break;
        }
        last = { batch, ms: (r.stepMs as number[])[0] };
        memory.push({
          config,
          batch,
          backend: 'native',
          peakRssBytes: r.peakRssBytes,
          estimatedActivationBytes: null,
          stepMs: round(last.ms, 0),
        });
        log(
          `memory native ${config} batch ${batch}: RSS ${((r.peakRssBytes as number) / 2 ** 20).toFixed(0)} MiB`,
        );
      }
      sampleLoad();
    }
  }
  results.memory = memory;
  results.largestBatch = largest;

  // ---- SPT initialisation as a fraction of an epoch ---------------------------------------------------
  const initImages = quick ? 256 : 1024;
  if (backends.includes('wasm') && left() > 120) {
    const r = await tsChild(
      ['init', '--backend', 'wasm', '--config', 'small', '--images', String(initImages)],
      600,
    );
    const train = throughput.find((t) => t.config === 'small' && t.mode === 'train' && t.backend === 'wasm');
    const stepMs = train?.ours.medianStepMs ?? Number.NaN;
    const epochMs = (initImages / 64) * (stepMs as number);
    const initMs = (r.initMs ?? {}) as Record<string, number>;
    results.sptInit = r.error
      ? { error: r.error }
      : {
          config: 'small',
          backend: 'wasm',
          images: initImages,
          prompts: 10,
          mode: 'deep',
          epochMs: round(epochMs, 0),
          epochBasis: `${initImages / 64} training steps of batch 64 at the measured median step`,
          methods: Object.fromEntries(
            Object.entries(initMs).map(([m, ms]) => [
              m,
              { ms: round(ms, 0), fractionOfEpoch: round(ms / epochMs, 3) },
            ]),
          ),
        };
    log(`SPT init (${initImages} images): ${JSON.stringify(results.sptInit)}`);
  }

  // ---- WebGPU step engine: dispatches and CPU encode time per step (no GPU needed: lavapipe) -------------
  results.webgpuStep = await webgpuStep();
  log(`webgpu step: ${JSON.stringify(results.webgpuStep).slice(0, 400)}`);

  // ---- language server, activation, vsix -------------------------------------------------------------
  const lsp = await runChild(
    process.execPath,
    ['--require', 'tsx/cjs', path.join('scripts', 'bench-lsp.ts'), quick ? '50' : '200', '--json'],
    { timeoutS: 180 },
  );
  results.languageServer = lsp;
  log(`language server: ${JSON.stringify(lsp).slice(0, 300)}`);
  // CLI start-up: spt --help / validate / lsp load no TensorFlow (commands load their modules lazily).
  results.cliStart = await runChild(
    process.execPath,
    ['--require', 'tsx/cjs', path.join('bench', 'cli-start.ts'), '--runs', quick ? '1' : '5', '--json'],
    { timeoutS: 300 },
  );
  log(`cli start: ${JSON.stringify(results.cliStart).slice(0, 400)}`);
  const activations: Json[] = [];
  for (let i = 0; i < 5; i++)
    activations.push(
      await runChild(process.execPath, [path.join('bench', 'activate.cjs')], { timeoutS: 60 }),
    );
  const ok = activations.filter((a) => !a.error);
  results.activation = ok.length
    ? {
        runs: ok.length,
        medianRequireMs: round(median(ok.map((a) => a.requireMs as number)), 1),
        medianActivateMs: round(median(ok.map((a) => a.activateMs as number)), 1),
        medianTotalMs: round(median(ok.map((a) => a.totalMs as number)), 1),
        medianCommandsMs: round(median(ok.map((a) => (a.commandsMs as number) ?? Number.NaN)), 1),
        commands: ok[0].commands ?? null,
        languageClientStarted: ok[0].languageClientStarted ?? null,
        bundleBytes: ok[0].bundleBytes,
        activateError: ok[0].activateError ?? null,
        note: ok[0].note,
      }
    : { error: activations[0]?.error };
  log(`activation: ${JSON.stringify(results.activation)}`);
  results.vsix = quick || left() < 100 ? { skipped: quick ? 'quick run' : 'time budget' } : await vsixSize();
  log(`vsix: ${JSON.stringify(results.vsix)}`);

  sampleLoad();
  results.load = {
    samples: loadSamples,
    note: 'os.loadavg() (1, 5, 15 min) during the run; on a shared machine timings are noisy, the ratios are interleaved',
  };
  results.finishedAt = new Date().toISOString();
  results.durationS = round(elapsedS(), 0);
  const out = path.join(root, 'bench', 'results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const table = renderTable(results);
  writeDocTable(table);
  console.log(`\n${table}\n`);
  log(`wrote ${path.relative(root, out)} and docs/PERFORMANCE.md in ${elapsedS().toFixed(0)} s`);
}

/** Why a backend cannot load, found without starting a process (undefined: try it). */
/**
 * bench/webgpu-step.ts in a child: on a hardware adapter when there is one, else on Mesa's lavapipe
 * (SPT_WEBGPU_SOFTWARE=1 and its ICD, as test/webgpu/run.ts sets up); skipped with the reason otherwise.
 */
async function webgpuStep(): Promise<Json> {
  if (!requested.includes('webgpu')) return { skipped: 'webgpu not in SPT_BENCH_BACKENDS' };
  const missing = ['webgpu', '@tensorflow/tfjs-backend-webgpu'].filter((p) => !resolvePackageJson(p));
  if (missing.length) return { skipped: `${missing.join(', ')} not installed` };
  if (left() < 150) return { skipped: 'time budget' };
  const lvp = '/usr/share/vulkan/icd.d/lvp_icd.json';
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!gpuDeviceNodePresent()) {
    env.SPT_WEBGPU_SOFTWARE = '1';
    if (!env.VK_ICD_FILENAMES && fs.existsSync(lvp)) env.VK_ICD_FILENAMES = lvp;
  }
  env.XDG_RUNTIME_DIR ||= fs.mkdtempSync(path.join(os.tmpdir(), 'spt-xdg-'));
  env.MESA_SHADER_CACHE_DIR ||= path.join(root, '.cache', 'mesa-shader-cache');
  return runChild(
    process.execPath,
    ['--require', 'tsx/cjs', path.join('bench', 'webgpu-step.ts'), '4', quick ? '2' : '3'],
    {
      env,
      timeoutS: Math.max(120, Math.min(600, left() - 60)),
    },
  );
}

function missingPackage(b: string): string | undefined {
  const entry = BACKEND_PACKAGES[b as BackendName];
  if (!entry) return b.startsWith('wasm-') || b.startsWith('native-') ? undefined : `unknown backend '${b}'`;
  for (const pkg of [entry.pkg, entry.extra])
    if (pkg && !resolvePackageJson(pkg)) return `${pkg} is not installed`;
  if (b === 'webgpu' && !gpuDeviceNodePresent())
    return 'no GPU device (no /dev/dri render node or /dev/nvidia*)';
  return undefined;
}

/** `vsce package` in a scratch copy (its prepublish step rebuilds dist/); else the files it would pack. */
async function vsixSize(): Promise<Json> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-bench-vsix-'));
  try {
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\0')
      .filter((f) => f && fs.existsSync(path.join(root, f)));
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(scratch, f)), { recursive: true });
      fs.copyFileSync(path.join(root, f), path.join(scratch, f));
    }
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'));
    const vsix = path.join(scratch, 'spt-studio.vsix');
    const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
    const r = await runChild(vsce, ['package', '--out', vsix], { timeoutS: 300 });
    if (fs.existsSync(vsix)) {
      const listing = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).trim().split('\n');
      return {
        method: 'vsce package (in a scratch copy of the working tree)',
        bytes: fs.statSync(vsix).size,
        files: listing.length,
      };
    }
    const ls = execFileSync(vsce, ['ls'], { cwd: root, encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    const bytes = ls.reduce(
      (s, f) => s + (fs.existsSync(path.join(root, f)) ? fs.statSync(path.join(root, f)).size : 0),
      0,
    );
    return {
      method: 'sum of the files `vsce ls` admits (uncompressed); vsce package failed',
      packageError: r.error ?? null,
      bytes,
      files: ls.length,
    };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Writes `table` between the bench markers of docs/PERFORMANCE.md (appends them when missing). */
function writeDocTable(table: string): void {
  const doc = path.join(root, 'docs', 'PERFORMANCE.md');
  const text = fs.readFileSync(doc, 'utf8');
  const [B, E] = ['<!-- bench:begin -->', '<!-- bench:end -->'];
  const next =
    text.includes(B) && text.includes(E)
      ? `${text.slice(0, text.indexOf(B) + B.length)}\n${table}\n${text.slice(text.indexOf(E))}`
      : `${text.trimEnd()}\n\n${B}\n${table}\n${E}\n`;
  fs.writeFileSync(doc, next);
}

if (process.argv.includes('--render')) {
  // Only re-render docs/PERFORMANCE.md from bench/results.json (after a change of bench/report.ts).
  writeDocTable(renderTable(JSON.parse(fs.readFileSync(path.join(root, 'bench', 'results.json'), 'utf8'))));
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
