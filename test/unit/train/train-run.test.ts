/** A real (tiny) training run in-process: the run folder contract, and a non-finite loss. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment, parseExperiment, resolveExperiment } from '../../../src/config/load-config';
import { NonFiniteLossError, trainExperiment } from '../../../src/engine/train/train-run';
import { readJsonl } from '../../../src/run-folder/run-folder';
import { readSafetensors } from '../../../src/run-folder/tensors/safetensors';
import type { MetricLine, RunEvent, RunSummaryFile } from '../../../src/shared/run-events';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

const PARITY = path.join(__dirname, '..', '..', 'fixtures', 'parity');

function experiment(dir: string, extra = ''): string {
  return writeTinyExperiment(
    dir,
    {
      name: 'tiny',
      seed: 3,
      pool: 'cls',
      init: 'mean',
      train: '{epochs: 2, warmup_epochs: 1, batch_size: 3, lr: 0.01}',
      analysis: '{every_epochs: 1, probe_images: 4}',
      outputDir: 'runs',
    },
    extra,
  );
}

describe('training run', function () {
  this.timeout(120_000);

  it('writes the run folder contract', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-run-'));
    const events: RunEvent[] = [];
    const { runDir, summary } = await trainExperiment(loadExperiment(experiment(dir)), {
      onEvent: (e) => events.push(e),
    });
    assert.match(path.relative(dir, runDir), /^runs[/\\]tiny[/\\]\d{8}-\d{6}$/);
    for (const f of [
      'config.yaml',
      'metrics.jsonl',
      'events.jsonl',
      'checkpoints',
      'prompts_init.safetensors',
      'prototypes.json',
      'summary.json',
    ]) {
      assert.ok(fs.existsSync(path.join(runDir, f)), f);
    }
    const metrics = readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
    for (const m of metrics)
      for (const k of ['t', 'epoch', 'step', 'split', 'loss', 'acc', 'lr'])
        assert.ok(k in m, `metric line has ${k}`);
    assert.deepEqual(
      metrics.map((m) => m.split),
      ['train', 'train', 'val', 'train', 'train', 'val', 'test'],
    );
    const onDisk: RunSummaryFile = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    assert.deepEqual(onDisk, summary);
    for (const k of [
      'status',
      'best_epoch',
      'val_acc',
      'test_acc',
      'trainable_params',
      'total_params',
      'backend',
      'images_per_sec',
      'wall_seconds',
    ]) {
      assert.ok(k in onDisk, `summary has ${k}`);
    }
    assert.equal(onDisk.status, 'finished');
    assert.equal(onDisk.trainable_params, 3 * 4 * 32 + 5 * 32 + 5);
    assert.equal(onDisk.backend, 'wasm');
    // The test line uses the epoch chosen on val.
    const val = metrics.filter((m) => m.split === 'val');
    const bestVal = Math.max(...val.map((m) => m.acc));
    assert.equal(metrics.find((m) => m.split === 'test')?.epoch, val.find((m) => m.acc === bestVal)?.epoch);
    // Checkpoints: safetensors + JSON sidecar; prompts + head + optimizer moments.
    const last = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints', 'last.json'), 'utf8'));
    assert.deepEqual(last.position, { epoch: 2, stepInEpoch: 0, globalStep: 4 });
    const t = readSafetensors(path.join(runDir, 'checkpoints', last.weights)).tensors;
    assert.deepEqual(t.get('prompts')?.shape, [3, 4, 32]);
    assert.deepEqual(t.get('head.weight')?.shape, [5, 32]);
    assert.ok(t.has('opt.m.0') && t.has('opt.v.0'));
    assert.ok(fs.readdirSync(path.join(runDir, 'checkpoints')).every((f) => !f.endsWith('.tmp')));
    // Initial prompts and their provenance.
    assert.deepEqual(
      readSafetensors(path.join(runDir, 'prompts_init.safetensors')).tensors.get('prompts')?.shape,
      [3, 4, 32],
    );
    const proto = JSON.parse(fs.readFileSync(path.join(runDir, 'prototypes.json'), 'utf8'));
    assert.equal(proto.prompts.length, 12);
    assert.ok(proto.prompts.every((p: { window?: number[] }) => Array.isArray(p.window)));
    // The saved config is the resolved one and loads back to the same experiment.
    const again = loadExperiment(path.join(runDir, 'config.yaml'));
    assert.equal(again.config.train.lr, 0.01);
    assert.equal(again.paths.checkpoint, path.join(PARITY, 'timm.pth'));
    // Analysis at initialisation and after every epoch (every_epochs: 1).
    const index = JSON.parse(fs.readFileSync(path.join(runDir, 'analysis', 'index.json'), 'utf8'));
    assert.deepEqual(
      index.epochs.map((e: { epoch: number }) => e.epoch),
      [0, 1, 2],
    );
    assert.equal(index.epochs[0].layers.length, 3);
    assert.ok(
      index.epochs[2].layers.every((l: { nmi: number | null }) => l.nmi !== null && l.nmi >= 0 && l.nmi <= 1),
    );
    assert.equal(events.filter((e) => e.type === 'analysis').length, 3);
    assert.ok(index.epochs[2].layers.every((l: { ami?: number | null }) => typeof l.ami === 'number'));
    // The probe set: one validation image per class (4 of the 5 classes: probe_images 4).
    const e0 = JSON.parse(fs.readFileSync(path.join(runDir, 'analysis', 'epoch-000.json'), 'utf8'));
    assert.equal(e0.probe.count, 4);
    assert.equal(new Set(e0.probe.labels).size, 4, `labels ${e0.probe.labels}`);
    // Live events mirror the files.
    assert.deepEqual(
      events.filter((e) => e.type === 'status').map((e) => (e as { status: string }).status),
      ['created', 'running', 'finished'],
    );
    assert.equal(events.filter((e) => e.type === 'step').length, 4);
    assert.equal(
      readJsonl<RunEvent>(path.join(runDir, 'events.jsonl')).filter((e) => e.type === 'step').length,
      0,
    );
  });

  it('stops on a non-finite loss with the step, the batch and a hint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-nan-'));
    const f = experiment(dir);
    const parsed = parseExperiment(fs.readFileSync(f, 'utf8'), ['train.lr=1e30', 'train.warmup_epochs=0']);
    assert.ok(parsed.config, JSON.stringify(parsed.problems));
    const exp = resolveExperiment(f, parsed.config);
    await assert.rejects(trainExperiment(exp), (err: unknown) => {
      assert.ok(err instanceof NonFiniteLossError);
      assert.match(
        err.message,
        /non-finite (training loss \(\w+\)|parameters after the update \(loss [^)]+\)) at epoch \d+, step \d+ \(batch \d+ of the epoch\)/,
      );
      assert.match(err.message, /lower train\.lr \(now 1e\+30\)/);
      assert.match(err.message, /images\/img_\d\.png/);
      return true;
    });
    const runDir = path.join(dir, 'runs', 'tiny', fs.readdirSync(path.join(dir, 'runs', 'tiny'))[0]);
    const summary: RunSummaryFile = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    assert.equal(summary.status, 'failed');
    assert.match(summary.error ?? '', /non-finite/);
    const events = readJsonl<RunEvent>(path.join(runDir, 'events.jsonl'));
    assert.ok(events.some((e) => e.type === 'error' && /lower train\.lr/.test(e.hint ?? '')));
    // What was saved before the failure is still there and readable.
    if (summary.epochs_completed > 0) {
      const last = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints', 'last.json'), 'utf8'));
      assert.equal(last.epochsCompleted, summary.epochs_completed);
      const t = readSafetensors(path.join(runDir, 'checkpoints', last.weights)).tensors;
      assert.ok(
        Array.from(t.get('prompts')?.data ?? []).every(Number.isFinite),
        'the kept checkpoint holds finite prompts',
      );
    }
  });

  it('skips an unreadable training image, names it once and counts it in the summary', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-skip-'));
    const data = path.join(dir, 'data');
    fs.cpSync(path.join(PARITY, 'images'), path.join(data, 'images'), { recursive: true });
    fs.writeFileSync(path.join(data, 'images', 'broken.png'), Buffer.from('not a png at all'));
    const split = fs.readFileSync(path.join(PARITY, 'images.txt'), 'utf8');
    fs.writeFileSync(path.join(data, 'train.txt'), `${split.trim()}\nimages/broken.png 1\n`);
    fs.writeFileSync(path.join(data, 'images.txt'), split);
    const f = experiment(dir);
    fs.writeFileSync(
      f,
      fs
        .readFileSync(f, 'utf8')
        .replace(`data: {root: ${PARITY}, train: images.txt,`, `data: {root: ${data}, train: train.txt,`),
    );
    const warnings: string[] = [];
    const { summary, runDir } = await trainExperiment(loadExperiment(f), {
      onEvent: (e) => {
        if (e.type === 'warning') warnings.push(e.message);
      },
    });
    assert.equal(summary.status, 'finished');
    assert.equal(summary.skipped_images, 1);
    const named = warnings.filter((w) => /^skipping unreadable image .*broken\.png: /.test(w));
    assert.equal(named.length, 1, 'named once, although three loaders read it');
    const persisted = readJsonl<RunEvent>(path.join(runDir, 'events.jsonl')).filter(
      (e) => e.type === 'warning',
    );
    assert.deepEqual(
      persisted.map((e) => (e as { message: string }).message),
      warnings,
    );
  });
});
