/** DashboardRun: what the dashboard says about a run from its folder, with the queue's live state over it. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDashboardRun } from '../../../../src/extension/dashboard/run-summary';
import type { QueueEntry } from '../../../../src/extension/runs/run-queue';
import { flattenConfig } from '../../../../src/shared/flatten-config';
import { type SyntheticRun, writeSyntheticRun } from './synthetic-run';

// Trimmed copies of real runs of the default experiment (test/fixtures/runs/README.md).
const EXAMPLES = path.join(__dirname, '..', '..', '..', 'fixtures', 'runs');
const exampleRun = (name: string) => {
  const dir = path.join(EXAMPLES, name);
  return path.join(dir, fs.readdirSync(dir)[0]);
};

describe('dashboard run summary', () => {
  let s: SyntheticRun;
  beforeEach(() => {
    s = writeSyntheticRun();
  });
  afterEach(() => fs.rmSync(s.root, { recursive: true, force: true }));

  it('reads a finished run: record, summary numbers and flattened config', () => {
    const r = readDashboardRun(s.runDir);
    assert.equal(r.label, 'synth 20260101-120000');
    assert.equal(r.experiment, 'synth');
    assert.equal(r.status, 'finished');
    assert.deepEqual(
      [r.method, r.init, r.backend, r.epoch, r.epochs, r.bestEpoch, r.bestValAcc, r.testAcc],
      ['spt', 'mean', 'wasm', 4, 4, 1, 0.75, 0.5],
    );
    assert.deepEqual(
      [r.trainableParams, r.totalParams, r.imagesPerSec, r.wallSeconds, r.seed],
      [30, 300, 12.5, 6, 7],
    );
    assert.equal(r.error, null);
    assert.equal(r.config['train.lr'], '0.01');
    assert.equal(r.config['backbone.arch.image_size'], '16');
    assert.equal(r.config['data.root'], s.dataDir);
    assert.match(r.configText ?? '', /^name: synth\n/);
  });

  it("puts the queue's live state over the folder's", () => {
    // A run in its third epoch: no summary.json yet, events.jsonl up to the first epoch.
    fs.rmSync(path.join(s.runDir, 'summary.json'));
    const events = path.join(s.runDir, 'events.jsonl');
    fs.writeFileSync(events, fs.readFileSync(events, 'utf8').split('\n').slice(0, 2).join('\n'));
    const entry: QueueEntry = {
      id: 'run-1',
      job: { kind: 'train', file: '/x.spt.yaml' },
      experiment: 'synth',
      state: 'running',
      enqueuedAt: 0,
      startedAt: Date.now() - 5000,
      runDir: s.runDir,
      epoch: 2,
      epochs: 4,
      bestValAcc: 0.8,
      step: 9,
    };
    const r = readDashboardRun(s.runDir, entry);
    assert.equal(r.status, 'running');
    assert.deepEqual([r.epoch, r.epochs, r.bestValAcc], [2, 4, 0.8]);
    assert.ok(r.wallSeconds !== null && r.wallSeconds >= 4);
    // Without the queue, the same folder is a run whose trainer is gone.
    assert.equal(readDashboardRun(s.runDir).status, 'stopped');
    const failed = readDashboardRun(s.runDir, { ...entry, state: 'failed', message: 'boom' });
    assert.deepEqual([failed.status, failed.error], ['failed', 'boom']);
  });

  it('marks a run whose folder is gone as unreadable, with what to do', () => {
    fs.rmSync(s.runDir, { recursive: true });
    const r = readDashboardRun(s.runDir);
    assert.equal(r.status, 'unreadable');
    assert.match(r.error ?? '', /no longer exists .*close this dashboard/);
    assert.deepEqual(r.config, {});
  });

  it('reads the committed example runs: SPT, VPT and linear', () => {
    const spt = readDashboardRun(exampleRun('default-spt-mean-s0'));
    assert.deepEqual([spt.status, spt.method, spt.init, spt.epoch], ['finished', 'spt', 'mean', 10]);
    const vpt = readDashboardRun(exampleRun('default-vpt-s0'));
    assert.deepEqual([vpt.method, vpt.init], ['vpt', 'xavier']);
    const linear = readDashboardRun(exampleRun('default-linear-s0'));
    assert.deepEqual([linear.method, linear.init], ['linear', null]);
    assert.ok((linear.trainableParams ?? 0) < (spt.trainableParams ?? 0));
  });

  it('flattens a config to dotted keys with compact values', () => {
    assert.deepEqual(flattenConfig({ a: { b: 1, c: [1, 2] }, d: 'x', e: null }), {
      'a.b': '1',
      'a.c': '[1,2]',
      d: 'x',
      e: 'null',
    });
  });
});
