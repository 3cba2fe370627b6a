/** The extension's pure UI logic: templates, status texts, overrides, the runs index. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  relativeForYaml,
  renderTemplate,
  TEMPLATES,
  validateExperimentName,
} from '../../../src/config/experiment-templates';
import { loadExperiment } from '../../../src/config/load-config';
import { experimentNameOfText, latestRunLens } from '../../../src/extension/experiments/code-lens-model';
import { experimentOutput } from '../../../src/extension/experiments/experiment-templates';
import type { QueueEntry } from '../../../src/extension/runs/run-queue';
import { mergeRun } from '../../../src/extension/runs/run-tree-model';
import { RunsIndex } from '../../../src/extension/runs/runs-index';
import { activeEntry, statusBarText } from '../../../src/extension/runs/status-bar-model';
import { settingsOverrides } from '../../../src/extension/runs/trainer-overrides';

const ROOT = path.join(__dirname, '..', '..', '..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'spt-ext-ui-'));

function fakeRun(
  runsDir: string,
  exp: string,
  stamp: string,
  valAcc: number,
  seed: number,
  status = 'finished',
) {
  const dir = path.join(runsDir, exp, stamp);
  fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `name: ${exp}\nseed: ${seed}\ntrain:\n  epochs: 2\n  lr: 0.05\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'metrics.jsonl'),
    [
      { t: 1, epoch: 0, step: 1, split: 'train', loss: 2.1, acc: 0.2, lr: 0.05 },
      { t: 2, epoch: 0, step: 1, split: 'val', loss: 1.9, acc: valAcc - 0.1, lr: 0.05 },
      { t: 3, epoch: 1, step: 2, split: 'train', loss: 1.5, acc: 0.4, lr: 0.01 },
      { t: 4, epoch: 1, step: 2, split: 'val', loss: 1.2, acc: valAcc, lr: 0.01 },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'summary.json'),
    JSON.stringify({
      status,
      name: exp,
      method: 'spt',
      best_epoch: 1,
      val_acc: valAcc,
      test_acc: valAcc - 0.05,
      trainable_params: 1234,
      total_params: 99999,
      backend: 'wasm',
      images_per_sec: 50.5,
      wall_seconds: 75,
      seed,
      epochs_completed: 2,
      skipped_images: 0,
      ...(status === 'failed' ? { error: 'boom' } : {}),
    }),
  );
  return dir;
}

describe('extension UI logic', () => {
  describe('experiment templates', () => {
    it('every template exists and is a valid experiment', () => {
      for (const t of TEMPLATES) {
        const file = path.join(ROOT, 'examples', 'templates', t.file);
        const exp = loadExperiment(file, []);
        assert.ok(exp.config.name, t.file);
      }
    });

    it('sets name, checkpoint and data root relative to the target folder, keeping comments', () => {
      const text = fs.readFileSync(path.join(ROOT, 'examples', 'templates', 'vpt-deep.spt.yaml'), 'utf8');
      const out = renderTemplate(text, {
        name: 'birds',
        checkpoint: path.join('/w', 'ckpt', 'vit.pth'),
        dataRoot: path.join('/w', 'data', 'cub'),
        targetDir: '/w',
      });
      const v = parseYaml(out);
      assert.equal(v.name, 'birds');
      assert.equal(v.backbone.checkpoint, './ckpt/vit.pth');
      assert.equal(v.data.root, './data/cub');
      assert.equal(v.prompt.method, 'vpt');
      assert.match(out, /# auto \| timm/);
    });

    it('keeps the placeholders when no path is picked; outside paths stay absolute', () => {
      const text = 'name: x\nbackbone:\n  checkpoint: ./a.pth\ndata:\n  root: ./data\n';
      const v = parseYaml(renderTemplate(text, { name: 'y', targetDir: '/w' }));
      assert.deepEqual(v, { name: 'y', backbone: { checkpoint: './a.pth' }, data: { root: './data' } });
      assert.equal(relativeForYaml('/w/a', '/data/x'), '/data/x');
    });

    it('validates names', () => {
      assert.equal(validateExperimentName('cub-spt_1.2'), null);
      assert.ok(validateExperimentName(''));
      assert.ok(validateExperimentName('a b'));
      assert.ok(validateExperimentName('../x'));
    });

    it('reads an experiment file name and output dir', () => {
      const d = tmp();
      const f = path.join(d, 'e.spt.yaml');
      fs.writeFileSync(f, 'name: foo\noutput: {dir: out/runs}\n');
      assert.deepEqual(experimentOutput(f), { name: 'foo', dir: path.join(d, 'out', 'runs') });
      fs.writeFileSync(f, 'name: foo\n');
      assert.equal(experimentOutput(f)?.dir, path.join(d, 'runs'));
      assert.equal(experimentOutput(path.join(d, 'missing.yaml')), null);
    });
  });

  describe('status texts', () => {
    const entry = (over: Partial<QueueEntry>): QueueEntry => ({
      id: 'a',
      job: { kind: 'train', file: 'x.spt.yaml' },
      experiment: 'exp',
      state: 'running',
      enqueuedAt: 0,
      ...over,
    });

    it('shows the run name once, then the one progress wording (epochs completed, steps, throughput, ETA)', () => {
      const clock = { firstStep: 1, firstAt: 0, step: 10, at: 18_000, ips: 41.2 };
      const live = entry({
        startedAt: 0,
        step: 10,
        totalSteps: 40,
        epoch: 1,
        epochs: 4,
        loss: 0.51234,
        clock,
      });
      assert.equal(
        statusBarText(mergeRun(undefined, live, 18_000)),
        'exp · epoch 1/4 · step 10/40 · 41 img/s · ETA 1 min',
      );
      assert.equal(statusBarText(mergeRun(undefined, entry({}), 0)), 'exp · starting');
      assert.equal(statusBarText(mergeRun(undefined, entry({ state: 'queued' }), 0)), 'exp · queued');
    });

    it('follows the running entry started last', () => {
      const e = activeEntry([
        entry({ id: 'q', state: 'queued' }),
        entry({ id: 'r1', startedAt: 1 }),
        entry({ id: 'r2', startedAt: 2 }),
        entry({ id: 'f', state: 'finished', startedAt: 3 }),
      ]);
      assert.equal(e?.id, 'r2');
      assert.equal(activeEntry([entry({ state: 'stopped' })]), undefined);
    });

    it('reads the top-level name of an experiment file', () => {
      assert.equal(experimentNameOfText('# c\nname: cub-1   # x\nseed: 1'), 'cub-1');
      assert.equal(experimentNameOfText("name: 'a b'\n"), 'a b');
      assert.equal(experimentNameOfText('backbone:\n  name: x\n'), null);
    });

    it('turns settings into overrides', () => {
      assert.deepEqual(settingsOverrides({ defaultBackend: 'fromFile', analysisEveryEpochs: null }), []);
      assert.deepEqual(settingsOverrides({ defaultBackend: 'wasm', analysisEveryEpochs: 0 }), [
        'device.backend=wasm',
        'analysis.every_epochs=0',
      ]);
      assert.deepEqual(
        settingsOverrides({ defaultBackend: 'fromFile', analysisEveryEpochs: null, wasmThreads: 2 }),
        ['device.threads=2'],
      );
      assert.deepEqual(
        settingsOverrides({ defaultBackend: 'fromFile', analysisEveryEpochs: null, wasmThreads: null }),
        [],
      );
    });
  });

  describe('the runs index', () => {
    let runs: string;
    let b: string;
    before(() => {
      runs = path.join(tmp(), 'runs');
      fakeRun(runs, 'cub', '20260101-100000', 0.8, 1);
      b = fakeRun(runs, 'cub', '20260102-100000', 0.7, 2, 'failed');
    });

    it('gives the CodeLens the latest run and the best accuracy', () => {
      const index = new RunsIndex();
      try {
        index.setFolders([runs]);
        const lens = latestRunLens(index.records(), 'cub');
        assert.equal(lens?.runDir, b);
        assert.equal(lens?.title, 'latest run: failed · epoch 2/2 · best val 80.0% · 2 runs');
        assert.equal(latestRunLens(index.records(), 'other'), null);
      } finally {
        index.dispose();
      }
    });

    it('indexes folders, notices new runs and forgets removed folders', async () => {
      const index = new RunsIndex({ debounceMs: 20 });
      try {
        index.setFolders([runs]);
        assert.equal(index.records().length, 2);
        const changed = new Promise<void>((resolve) => index.onDidChange(resolve));
        fakeRun(runs, 'vtab', '20260103-100000', 0.5, 3);
        await changed;
        assert.equal(index.records()[0].experiment, 'vtab');
        index.setFolders([]);
        assert.equal(index.records().length, 0);
      } finally {
        index.dispose();
      }
    });
  });
});
