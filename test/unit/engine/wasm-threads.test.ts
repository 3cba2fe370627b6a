/**
 * Threads for the wasm backend (src/engine/backend/wasm-threads.ts): how many `device.threads` gives,
 * and, through real `spt train` processes over the built bundle, that a run on 2 threads uses them,
 * exits on its own (XNNPACK's pool threads must not keep the process alive) and writes the same bytes
 * as the same run on 1 thread.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  MAX_WASM_THREADS,
  MIN_THREADED_WIDTH,
  resolveWasmThreads,
} from '../../../src/engine/backend/wasm-threads';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

const ROOT = path.join(__dirname, '..', '..', '..');
const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

describe('wasm threads: device.threads', () => {
  it('uses the number asked for, clamped to 1..8', () => {
    assert.equal(resolveWasmThreads(3, 32), 3);
    assert.equal(resolveWasmThreads(1, 768), 1);
    assert.equal(resolveWasmThreads(0, 768), 1);
    assert.equal(resolveWasmThreads(64, 768), MAX_WASM_THREADS);
  });

  it('null: one per core (at most 8) for a wide backbone, one for a narrow one', () => {
    assert.equal(resolveWasmThreads(null, 192), Math.min(cores, MAX_WASM_THREADS));
    assert.equal(resolveWasmThreads(undefined, MIN_THREADED_WIDTH), Math.min(cores, MAX_WASM_THREADS));
    assert.equal(resolveWasmThreads(null, MIN_THREADED_WIDTH - 1), 1);
    assert.equal(resolveWasmThreads(null, 64), 1);
  });
});

describe('wasm threads: spt train on 1 and 2 threads', function () {
  this.timeout(240_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-wasm-threads-test-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
  });

  /** Trains the tiny experiment on `threads` threads; returns the process output and the run folder. */
  function train(threads: number) {
    const dir = path.join(tmp, `t${threads}`);
    fs.mkdirSync(dir);
    const file = writeTinyExperiment(
      dir,
      {
        name: 'threads',
        seed: 3,
        pool: 'mean',
        init: 'random',
        train: '{epochs: 3, warmup_epochs: 1, batch_size: 3, lr: 0.01}',
        analysis: '{every_epochs: 0}',
        outputDir: 'runs',
      },
      '',
    );
    const text = fs
      .readFileSync(file, 'utf8')
      .replace('device: {backend: wasm}', `device: {backend: wasm, threads: ${threads}}`);
    assert.ok(text.includes(`threads: ${threads}`), 'the experiment names its thread count');
    fs.writeFileSync(file, text);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), 'train', file], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(
      r.signal,
      null,
      `spt train on ${threads} thread(s) did not exit on its own within 120 s (killed: ${r.signal}):\n${out}`,
    );
    assert.equal(r.status, 0, `spt train on ${threads} thread(s) failed:\n${out}`);
    const runs = path.join(dir, 'runs', 'threads');
    const [stamp] = fs.readdirSync(runs);
    return { out, runDir: path.join(runs, stamp), ms: Date.now() - t0 };
  }

  const digest = (runDir: string) => {
    const ckpt = path.join(runDir, 'checkpoints');
    const files = fs
      .readdirSync(ckpt)
      .filter((f) => f.endsWith('.safetensors'))
      .sort();
    assert.ok(files.length > 0, `no checkpoint in ${ckpt}`);
    return files.map(
      (f) =>
        `${f} ${crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(ckpt, f)))
          .digest('hex')}`,
    );
  };

  it('runs XNNPACK on 2 threads, exits on its own and matches the 1-thread run bit for bit', () => {
    const one = train(1);
    const two = train(2);
    assert.match(one.out, /backend: using wasm \(XNNPACK, SIMD on, 1 thread\)/);
    assert.match(two.out, /backend: using wasm \(XNNPACK, SIMD on, 2 threads\)/, two.out);
    const metrics = (d: string) =>
      fs
        .readFileSync(path.join(d, 'metrics.jsonl'), 'utf8')
        .replace(/"(t|ips|rss_mb|tensor_mb|engine_mb)":[0-9.e+-]+,?/g, '');
    assert.equal(metrics(two.runDir), metrics(one.runDir), 'the metrics differ between 1 and 2 threads');
    assert.deepEqual(
      digest(two.runDir),
      digest(one.runDir),
      'the checkpoints differ between 1 and 2 threads',
    );
    console.log(`      1 thread ${one.ms} ms, 2 threads ${two.ms} ms (whole processes, tiny model)`);
  });
});
