/** Run discovery over real run folders (made by the CLI) and hand-made broken ones; the watcher. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discoverRuns, readRunRecord, watchRuns } from '../../../../src/extension/runs/run-discovery';
import { parseRunTimestamp } from '../../../../src/run-folder/layout';
import { cliTrain, hasDist, tinyExperiment, tmpDir } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function writeRun(runsDir: string, name: string, stamp: string, files: Record<string, string>): string {
  const dir = path.join(runsDir, name, stamp);
  fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

const ev = (o: object) => `${JSON.stringify({ t: 1_800_000_000, ...o })}\n`;

describe('run discovery', () => {
  let runsDir: string;
  let realRun: string;

  before(function () {
    if (!hasDist()) this.skip();
    const dir = tmpDir();
    realRun = cliTrain(tinyExperiment(dir, 'tiny'));
    runsDir = path.join(dir, 'runs');
  });

  it('reads a finished run written by the CLI', () => {
    const runs = discoverRuns(runsDir);
    assert.equal(runs.length, 1);
    const r = runs[0];
    assert.equal(r.runDir, realRun);
    assert.equal(r.experiment, 'tiny');
    assert.equal(r.status, 'finished');
    assert.equal(r.epoch, 2);
    assert.equal(r.epochs, 2);
    assert.ok(r.bestValAcc !== null && r.bestValAcc >= 0 && r.bestValAcc <= 1);
    assert.ok(r.testAcc !== null);
    assert.ok(r.elapsedSeconds !== null && r.elapsedSeconds > 0);
    assert.equal(r.method, 'spt');
    assert.equal(r.resumable, false);
    assert.equal(r.lastError, null);
    assert.ok(r.startedAt instanceof Date);
    assert.equal(r.unreadable, undefined);
  });

  it('marks a run that says running without a live process interrupted (and resumable)', () => {
    const copy = path.join(runsDir, 'tiny', '20200101-000000');
    fs.cpSync(realRun, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'summary.json'));
    // Cut events.jsonl after the first epoch, as a killed trainer leaves it (plus a torn line).
    const lines = fs.readFileSync(path.join(copy, 'events.jsonl'), 'utf8').split('\n');
    const firstEpoch = lines.findIndex((l) => l.includes('"type":"epoch"'));
    fs.writeFileSync(
      path.join(copy, 'events.jsonl'),
      `${lines.slice(0, firstEpoch + 1).join('\n')}\n{"type":"ep`,
    );
    const r = readRunRecord(copy);
    assert.equal(r.status, 'interrupted');
    assert.equal(r.resumable, true);
    assert.equal(r.epoch, 1);
    assert.equal(r.epochs, 2);
    assert.ok(r.bestValAcc !== null);
    const live = readRunRecord(copy, { isLive: (d) => d === copy });
    assert.equal(live.status, 'running');
    assert.equal(live.resumable, false);
    // Newest first: the copy has an older timestamp.
    assert.deepEqual(
      discoverRuns(runsDir).map((x) => x.runDir),
      [realRun, copy],
    );
    fs.rmSync(copy, { recursive: true });
  });

  it('never throws on corrupt or partial runs: unreadable with a reason', () => {
    const dir = tmpDir();
    writeRun(dir, 'bad', '20240101-000001', { 'summary.json': '{"status": "finis' });
    writeRun(dir, 'bad', '20240101-000002', {});
    writeRun(dir, 'bad', '20240101-000003', { 'events.jsonl': 'garbage\n{"also": "no status"}\n' });
    writeRun(dir, 'bad', '20240101-000004', { 'summary.json': '[]' });
    const failed = writeRun(dir, 'bad', '20240101-000005', {
      'events.jsonl':
        ev({ type: 'status', status: 'initialising', runDir: 'x' }) +
        'not json\n' +
        ev({ type: 'error', message: 'loss is NaN', hint: 'lower the lr' }) +
        ev({ type: 'status', status: 'failed', runDir: 'x' }),
      'checkpoints/last.json': '{}',
    });
    fs.mkdirSync(path.join(dir, 'bad', 'not-a-run'));
    fs.writeFileSync(path.join(dir, 'stray-file.txt'), '');
    const runs = discoverRuns(dir);
    assert.equal(runs.length, 5);
    const by = new Map(runs.map((r) => [path.basename(r.runDir), r]));
    for (const s of ['20240101-000001', '20240101-000002', '20240101-000003', '20240101-000004']) {
      assert.equal(by.get(s)?.status, 'unreadable', s);
      assert.ok(by.get(s)?.unreadable, s);
    }
    assert.match(by.get('20240101-000001')!.unreadable!, /summary\.json/);
    const f = by.get(path.basename(failed))!;
    assert.equal(f.status, 'failed');
    assert.equal(f.lastError, 'loss is NaN (lower the lr)');
    assert.equal(f.resumable, true);
    assert.deepEqual(discoverRuns(path.join(dir, 'missing')), []);
  });

  it('parses run folder timestamps', () => {
    assert.equal(parseRunTimestamp('20261127-020337')?.getTime(), new Date(2026, 10, 27, 2, 3, 37).getTime());
    assert.ok(parseRunTimestamp('20261127-020337-2'));
    assert.equal(parseRunTimestamp('latest'), null);
  });

  for (const recursive of [true, false]) {
    it(`watchRuns debounces a burst of changes (${recursive ? 'recursive' : 'per-folder'})`, async () => {
      const dir = tmpDir();
      const runs = path.join(dir, 'runs');
      let calls = 0;
      const w = watchRuns(runs, () => calls++, { debounceMs: 300, recursive, pollMissingMs: 50 });
      try {
        await sleep(120);
        const run = writeRun(runs, 'exp', '20250101-000000', {});
        await sleep(700);
        assert.ok(calls >= 1, 'the runs folder appearing is a change');
        calls = 0;
        for (let i = 0; i < 10; i++) {
          fs.appendFileSync(
            path.join(run, 'events.jsonl'),
            ev({ type: 'status', status: 'running', runDir: run }),
          );
          await sleep(10);
        }
        await sleep(700);
        assert.equal(calls, 1, 'one call for the burst');
        w.dispose();
        fs.appendFileSync(path.join(run, 'events.jsonl'), '\n');
        await sleep(500);
        assert.equal(calls, 1, 'no calls after dispose');
      } finally {
        w.dispose();
      }
    });
  }
});
