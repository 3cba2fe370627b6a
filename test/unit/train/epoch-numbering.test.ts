/**
 * One epoch numbering in every output (issue 14, item 22): epochs are counted from 1, and a state "at
 * epoch k" is the one after k epochs. A real `spt train` (child process) writes the run; its terminal
 * lines, metrics.jsonl, events.jsonl, summary.json, the best checkpoint, `spt eval`, the Runs view and the
 * dashboard must all name the same best epoch and the same epoch numbers.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { metrics } from '../../../src/extension/dashboard/run-artifacts';
import { readDashboardRun } from '../../../src/extension/dashboard/run-summary';
import { readRunRecord } from '../../../src/extension/runs/run-discovery';
import { fromRecord, runNode, tooltipOf } from '../../../src/extension/runs/run-tree-model';
import type { MetricLine, RunEvent, RunSummaryFile } from '../../../src/shared/run-events';
import { latestValues, metricSeries } from '../../../webview-ui/src/lib/metrics';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EPOCHS = 4;

function spt(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `spt ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return `${r.stdout}\n${r.stderr}`;
}

const readJsonl = <T>(f: string): T[] =>
  fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

describe('epoch numbering (issue 14, item 22)', function () {
  this.timeout(180_000);
  let dir: string;
  let runDir: string;
  let terminal: string;

  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-epochs-'));
    const file = writeTinyExperiment(dir, {
      name: 'epochs',
      seed: 1,
      pool: 'cls',
      init: 'mean',
      train: `{epochs: ${EPOCHS}, warmup_epochs: 1, batch_size: 3, lr: 0.05}`,
      analysis: '{every_epochs: 2, probe_images: 2}',
      outputDir: 'runs',
    });
    terminal = spt(['train', file], dir);
    const m = /-> (.+)$/m.exec(terminal);
    assert.ok(m, terminal);
    runDir = m[1].trim();
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('the terminal counts epochs 1..N and names the best epoch; summary.json and the test line agree', () => {
    const epochLines = [...terminal.matchAll(/^epoch (\d+)\/(\d+): .* val loss [\d.]+ acc ([\d.]+)%$/gm)];
    assert.deepEqual(
      epochLines.map((l) => Number(l[1])),
      [1, 2, 3, 4],
      terminal,
    );
    const best = Number(/^finished: best epoch (\d+),/m.exec(terminal)?.[1]);
    assert.ok(best >= 1 && best <= EPOCHS, terminal);
    assert.match(terminal, new RegExp(`^test \\(epoch ${best}, chosen on val\\)`, 'm'));
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummaryFile;
    assert.equal(summary.best_epoch, best, 'summary.json best_epoch is the epoch the terminal names');
    // The terminal's val accuracy of that epoch is the summary's val_acc.
    const shown = Number(epochLines.find((l) => Number(l[1]) === best)?.[3]);
    assert.equal(shown, Number((100 * (summary.val_acc ?? Number.NaN)).toFixed(1)));
  });

  it('metrics.jsonl and events.jsonl number epochs as the terminal does', () => {
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummaryFile;
    const lines = readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
    const val = lines.filter((l) => l.split === 'val');
    assert.deepEqual(
      val.map((l) => l.epoch),
      [1, 2, 3, 4],
    );
    const train = lines.filter((l) => l.split === 'train');
    assert.equal(train[0].epoch, 1, 'the first step belongs to epoch 1');
    assert.equal(train.at(-1)?.epoch, EPOCHS);
    // Each train line belongs to the epoch whose val line follows it.
    for (const t of train)
      assert.equal(t.epoch, val.find((v) => v.step >= t.step)?.epoch, `train step ${t.step}`);
    const firstBest = val.reduce((a, b) => (b.acc > a.acc ? b : a));
    assert.equal(firstBest.epoch, summary.best_epoch, 'the best val line is at best_epoch');
    assert.equal(lines.find((l) => l.split === 'test')?.epoch, summary.best_epoch);

    const events = readJsonl<RunEvent>(path.join(runDir, 'events.jsonl'));
    const epochEvents = events.filter((e): e is Extract<RunEvent, { type: 'epoch' }> => e.type === 'epoch');
    assert.deepEqual(
      epochEvents.map((e) => e.epoch),
      [1, 2, 3, 4],
    );
    assert.equal(epochEvents.at(-1)?.best.epoch, summary.best_epoch);
    // Analysis "at epoch k" is after k epochs: 0 (initialisation), then every 2 epochs.
    const analysed = events.filter((e) => e.type === 'analysis').map((e) => (e as { epoch: number }).epoch);
    assert.deepEqual(analysed, [0, 2, 4]);
  });

  it('every metric line records the trainer process memory and the tensor memory (system panel)', () => {
    const lines = readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
    for (const l of lines) {
      const where = `${l.split} line at step ${l.step}`;
      // A Node process running TensorFlow.js holds tens of MiB at least, and far less than 64 GiB.
      assert.ok((l.rss_mb ?? 0) > 20 && (l.rss_mb ?? 0) < 65536, `${where}: rss_mb ${l.rss_mb}`);
      // The frozen ViT's weights alone are live tensors during training.
      assert.ok((l.tensor_mb ?? 0) > 0, `${where}: tensor_mb ${l.tensor_mb}`);
    }
  });

  it('the best checkpoint is the state after best_epoch epochs, and `spt eval` names that epoch', () => {
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummaryFile;
    const bestMeta = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints', 'best.json'), 'utf8'));
    assert.equal(bestMeta.best.epoch, summary.best_epoch);
    assert.equal(bestMeta.position.epoch, summary.best_epoch, 'saved after best_epoch epochs');
    assert.equal(bestMeta.history.at(-1).epoch, summary.best_epoch);
    const out = spt(['eval', runDir, '--split', 'val'], dir);
    assert.match(out, new RegExp(`\\(best epoch ${summary.best_epoch}, `));
  });

  it('the Runs view and the dashboard show the same best epoch and epoch axis', () => {
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummaryFile;
    const E = summary.best_epoch;
    const record = readRunRecord(runDir);
    assert.equal(record.bestEpoch, E);
    assert.match(
      tooltipOf(fromRecord(record)),
      new RegExp(`\\| best val acc \\| [\\d.]+% \\(epoch ${E}\\) \\|`),
    );
    const row = runNode(fromRecord(record), { exists: () => true });
    const bestRow = row.children?.find((k) => k.label === 'best val acc');
    assert.match(bestRow?.description ?? '', new RegExp(`\\(epoch ${E}\\)$`));

    const dashboard = readDashboardRun(runDir);
    assert.equal(dashboard.bestEpoch, E);
    const m = metrics({ runDir });
    assert.equal(latestValues(m).bestValEpoch, E);
    assert.deepEqual(Array.from(metricSeries(m, 'val', 'acc', 'epoch').x), [1, 2, 3, 4]);
  });
});
