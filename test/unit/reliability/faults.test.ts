/**
 * Faults in the trainer (issue 9): SIGKILL at seeded points (during a step, a checkpoint write, an
 * analysis write, a metrics append), a damaged checkpoints/last, a full disk (injected ENOSPC and a
 * real tmpfs), and the atomic-write primitives themselves. Real `spt train` processes, real files;
 * the kill points come from SPT_TEST_FAULT (src/run-folder/fault.ts), so each case hits exactly the
 * write it names. `npm run test:stress` runs many more seeded cases (and double kills).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysedEpochs } from '../../../src/engine/analysis/analyse-checkpoint';
import { loadTrainCheckpoint } from '../../../src/engine/run/train-checkpoint';
import { WriteError, writeFileAtomic } from '../../../src/run-folder/atomic-write';
import { parseFaults, setFaults } from '../../../src/run-folder/fault';
import { JsonlWriter, readJsonl, repairJsonlTail } from '../../../src/run-folder/run-folder';
import { readSafetensors } from '../../../src/run-folder/tensors/safetensors';
import type { MetricLine, RunEvent, RunSummaryFile } from '../../../src/shared/run-events';
import {
  cases,
  comparable,
  EPOCHS,
  faultExperiment,
  hasDist,
  listFiles,
  metricsOf,
  prng,
  ROOT,
  removeScratch,
  runDirIn,
  STEPS_PER_EPOCH,
  spt,
  tmpDir,
} from './harness';

/** Kill points: a site pattern of SPT_TEST_FAULT and how often the site is reached in one run. */
const KILL_SITES: [site: string, times: number][] = [
  ['train:step', EPOCHS * STEPS_PER_EPOCH],
  ['train:epoch', EPOCHS],
  ['append:*metrics.jsonl', EPOCHS * (STEPS_PER_EPOCH + 1) + 1],
  ['append:*events.jsonl', 12],
  ['write:*last-*.safetensors:data', EPOCHS],
  ['write:*last-*.safetensors:rename', EPOCHS],
  ['write:*last.json:fsync', EPOCHS],
  ['write:*last.json:renamed', EPOCHS],
  ['write:*last.prev.json:data', EPOCHS - 1],
  ['write:*best-*.safetensors:data', 1],
  ['write:*best.json:rename', 1],
  ['checkpoint:last:weights', EPOCHS],
  ['checkpoint:last:sidecar', EPOCHS],
  ['checkpoint:last:cleanup', EPOCHS],
  ['analysis:', 3],
  ['write:*analysis*.f32:data', 3],
  ['write:*analysis*epoch-*.json:rename', 3],
  ['write:*analysis*index.json:fsync', 3],
  ['write:*summary.json:data', 2],
];

/** The cases `npm test` always runs: a step, a checkpoint write, an analysis write, a torn metrics line. */
const FIXED_CASES = [
  ['train:step@5:kill'],
  ['write:*last-*.safetensors:data@2:kill'],
  ['write:*analysis*.f32:data@2:kill'],
  ['append:*metrics.jsonl@10:kill'],
];

function checkRunIsWhole(runDir: string, reference: MetricLine[], refSummary: RunSummaryFile, what: string) {
  const text = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'), `${what}: metrics.jsonl ends with a newline`);
  const lines = text.slice(0, -1).split('\n');
  for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), `${what}: torn metrics line ${l}`);
  const metrics = metricsOf(runDir);
  assert.equal(metrics.length, lines.length);
  const keys = metrics.map((m) => `${m.split}:${m.epoch}:${m.step}`);
  assert.equal(new Set(keys).size, keys.length, `${what}: a metrics line is duplicated`);
  assert.deepEqual(
    comparable(metrics),
    comparable(reference),
    `${what}: metrics differ from the uninterrupted run`,
  );
  const summary: RunSummaryFile = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'finished', what);
  assert.equal(summary.test_acc, refSummary.test_acc, what);
  assert.equal(summary.best_epoch, refSummary.best_epoch, what);
  assert.equal(summary.epochs_completed, EPOCHS, what);
  assert.deepEqual(analysedEpochs(runDir), [0, 2, 4], `${what}: analysis of every due epoch`);
  const files = listFiles(runDir);
  assert.deepEqual(
    files.filter((f) => /\.tmp$|run\.lock/.test(f)),
    [],
    `${what}: no temporary file or lock left`,
  );
  const last = loadTrainCheckpoint(runDir, 'last');
  assert.equal(last.warning, undefined, `${what}: last checkpoint intact`);
  assert.equal(last.meta.epochsCompleted, EPOCHS);
  // Only the weights the sidecars name are kept.
  const named = new Set(
    ['last.json', 'last.prev.json', 'best.json', 'best.prev.json']
      .map((f) => path.join(runDir, 'checkpoints', f))
      .filter((f) => fs.existsSync(f))
      .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')).weights as string),
  );
  const weights = fs.readdirSync(path.join(runDir, 'checkpoints')).filter((f) => f.endsWith('.safetensors'));
  assert.deepEqual(weights.sort(), [...named].sort(), `${what}: stray weight files`);
}

describe('reliability: trainer faults', function () {
  this.timeout(cases(240_000, 3_600_000));
  let reference: MetricLine[];
  let refSummary: RunSummaryFile;
  let refDir: string;
  let refMs: number;

  before(async function () {
    if (!hasDist()) this.skip();
    const dir = tmpDir();
    const t0 = Date.now();
    const r = await spt(['train', faultExperiment(dir)]);
    refMs = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    refDir = runDirIn(path.join(dir, 'runs'));
    reference = metricsOf(refDir);
    refSummary = JSON.parse(fs.readFileSync(path.join(refDir, 'summary.json'), 'utf8'));
    assert.equal(reference.length, EPOCHS * (STEPS_PER_EPOCH + 1) + 1);
    assert.deepEqual(analysedEpochs(refDir), [0, 2, 4]);
  });
  after(removeScratch);

  /**
   * Runs with the faults in order (each in a fresh process: the first trains, the others resume),
   * then resumes without faults, and checks the run against the uninterrupted one.
   */
  async function killAndResume(faults: string[], what: string): Promise<'resumed' | 'restart' | 'unreached'> {
    const dir = tmpDir();
    const file = faultExperiment(dir);
    let runDir: string | undefined;
    for (const [i, fault] of faults.entries()) {
      const args = runDir ? ['train', '--resume', runDir] : ['train', file];
      const before = runDir ? metricsOf(runDir) : [];
      const r = await spt(args, { SPT_TEST_FAULT: fault });
      runDir ??= runDirIn(path.join(dir, 'runs'));
      if (i > 0 && r.code === 0) {
        // The second kill point lay in what the first run had already done: the resumed run finished.
        checkRunIsWhole(runDir, reference, refSummary, what);
        return 'unreached';
      }
      assert.equal(
        r.signal,
        'SIGKILL',
        `${what}: ${fault} did not kill the run (exit ${r.code}): ${r.stderr}`,
      );
      // Whatever had been written completely is still there.
      const after = metricsOf(runDir);
      const completed = (ms: MetricLine[]) => ms.filter((m) => m.split === 'val').map((m) => m.epoch);
      for (const e of completed(before))
        assert.ok(completed(after).includes(e), `${what}: epoch ${e} lost by the kill`);
    }
    assert.ok(runDir);
    // Killed before the first checkpoint: --resume restarts the run from the beginning in its folder.
    const restart = !fs.existsSync(path.join(runDir, 'checkpoints', 'last.json'));
    const r = await spt(['train', '--resume', runDir]);
    assert.equal(r.code, 0, `${what}: resume failed: ${r.stderr}`);
    checkRunIsWhole(runDir, reference, refSummary, what);
    return restart ? 'restart' : 'resumed';
  }

  it(`SIGKILL at ${cases(FIXED_CASES.length, FIXED_CASES.length + 60)} seeded points (step, checkpoint write, analysis, torn metrics line), then --resume: nothing lost, duplicated or torn; the same metrics`, async () => {
    const r = prng(20261127);
    const all = [...FIXED_CASES];
    for (let i = 0; i < cases(0, 60); i++) {
      const kills = r.next() < 0.25 ? 2 : 1; // some runs are killed again while resuming
      all.push(
        Array.from({ length: kills }, () => {
          const [site, times] = r.pick(KILL_SITES);
          return `${site}@${1 + r.int(times)}:kill`;
        }),
      );
    }
    const outcome = { resumed: 0, restart: 0, unreached: 0 };
    for (const faults of all) outcome[await killAndResume(faults, faults.join(' then '))]++;
    assert.ok(outcome.resumed >= FIXED_CASES.length, JSON.stringify(outcome));
    if (all.length > FIXED_CASES.length) console.log(`      (${JSON.stringify(outcome)})`);
  });

  it(`SIGKILL at ${cases(1, 12)} random time(s) from outside, then --resume`, async () => {
    const r = prng(7);
    for (let i = 0; i < cases(1, 12); i++) {
      const dir = tmpDir();
      const file = faultExperiment(dir);
      const killAt = Math.round(refMs * (0.2 + 0.75 * r.next()));
      const first = await spt(['train', file], {}, killAt);
      if (!fs.existsSync(path.join(dir, 'runs', 'faults'))) continue; // killed while starting
      const runDir = runDirIn(path.join(dir, 'runs'));
      if (first.code === 0) continue; // finished before the kill
      const res = await spt(['train', '--resume', runDir]);
      if (!fs.existsSync(path.join(runDir, 'checkpoints', 'last.json'))) continue;
      assert.equal(res.code, 0, res.stderr);
      checkRunIsWhole(runDir, reference, refSummary, `kill after ${killAt} ms`);
    }
  });

  describe('a damaged checkpoints/last', () => {
    let damaged: string;
    before(async () => {
      // A run killed in epoch 2: last.json (epoch 2) and last.prev.json (epoch 1).
      const dir = tmpDir();
      const r = await spt(['train', faultExperiment(dir)], { SPT_TEST_FAULT: 'train:step@8:kill' });
      assert.equal(r.signal, 'SIGKILL');
      damaged = runDirIn(path.join(dir, 'runs'));
      const ck = path.join(damaged, 'checkpoints');
      assert.ok(fs.existsSync(path.join(ck, 'last.json')) && fs.existsSync(path.join(ck, 'last.prev.json')));
    });

    const copy = () => {
      const to = path.join(tmpDir(), 'faults', path.basename(damaged));
      fs.cpSync(damaged, to, { recursive: true });
      return to;
    };
    const ck = (runDir: string, f: string) => path.join(runDir, 'checkpoints', f);
    const lastWeights = (runDir: string) =>
      ck(runDir, JSON.parse(fs.readFileSync(ck(runDir, 'last.json'), 'utf8')).weights);

    const damages: [string, (runDir: string) => void][] = [
      [
        'a torn last.json',
        (d) =>
          fs.writeFileSync(ck(d, 'last.json'), fs.readFileSync(ck(d, 'last.json'), 'utf8').slice(0, 100)),
      ],
      ['an empty last.json', (d) => fs.writeFileSync(ck(d, 'last.json'), '')],
      [
        'last.json naming a file outside checkpoints/',
        (d) => {
          const m = JSON.parse(fs.readFileSync(ck(d, 'last.json'), 'utf8'));
          fs.writeFileSync(ck(d, 'last.json'), JSON.stringify({ ...m, weights: '../../../../etc/passwd' }));
        },
      ],
      ['missing weights', (d) => fs.rmSync(lastWeights(d))],
      ['truncated weights', (d) => fs.truncateSync(lastWeights(d), 40)],
      [
        'one flipped byte in the weights (SHA-256)',
        (d) => {
          const f = lastWeights(d);
          const b = fs.readFileSync(f);
          b[b.length - 3] ^= 0x40;
          fs.writeFileSync(f, b);
        },
      ],
    ];
    for (const [name, damage] of damages) {
      it(`${name}: falls back to last.prev.json with a warning`, () => {
        const d = copy();
        damage(d);
        const loaded = loadTrainCheckpoint(d, 'last');
        assert.match(
          loaded.warning ?? '',
          /the last checkpoint is damaged .*; using the previous one instead \(epoch 1, step 3\)/,
        );
        assert.equal(loaded.meta.position.globalStep, 3);
        assert.ok(loaded.tensors.has('prompts') && loaded.tensors.has('opt.m.0'));
      });
    }

    it('both generations damaged: a clear error naming both', () => {
      const d = copy();
      fs.writeFileSync(ck(d, 'last.json'), '{');
      fs.writeFileSync(ck(d, 'last.prev.json'), '{"version": 2}');
      assert.throws(
        () => loadTrainCheckpoint(d, 'last'),
        (e: Error) =>
          /last\.json: the last checkpoint is damaged \(.*not JSON.*\) and so is the previous one \(.*version 2/.test(
            e.message,
          ) && /fix: start the run again/.test(e.message),
      );
    });

    it('--resume after a torn last.json: a warning, then the same metrics as the uninterrupted run', async () => {
      const d = copy();
      damages[0][1](d);
      const r = await spt(['train', '--resume', d]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /the last checkpoint is damaged/);
      const events = readJsonl<RunEvent>(path.join(d, 'events.jsonl'));
      assert.ok(events.some((e) => e.type === 'warning' && /using the previous one/.test(e.message)));
      checkRunIsWhole(d, reference, refSummary, 'torn last.json');
    });
  });

  describe('a full disk', () => {
    it('ENOSPC while writing a checkpoint: the run fails saying so, the previous checkpoint is intact, resume finishes it', async () => {
      const dir = tmpDir();
      const file = faultExperiment(dir);
      const r = await spt(['train', file], {
        SPT_TEST_FAULT: 'write:*last-0000006.safetensors:data@1:enospc',
      });
      assert.equal(r.code, 1, r.stderr);
      const runDir = runDirIn(path.join(dir, 'runs'));
      assert.match(r.stderr, /cannot write .*last-0000006\.safetensors: the disk is full \(ENOSPC\)/);
      assert.match(r.stderr, /the last good checkpoint \(epoch 1, step 3\) is kept in .*checkpoints/);
      assert.match(r.stderr, /Free some disk space, then resume with `spt train --resume /);
      const last = loadTrainCheckpoint(runDir, 'last');
      assert.equal(last.warning, undefined);
      assert.equal(last.meta.position.globalStep, 3);
      assert.deepEqual(
        listFiles(runDir).filter((f) => /\.tmp$|run\.lock/.test(f)),
        [],
      );
      const summary: RunSummaryFile = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
      assert.equal(summary.status, 'failed');
      assert.match(summary.error ?? '', /ENOSPC/);
      const res = await spt(['train', '--resume', runDir]);
      assert.equal(res.code, 0, res.stderr);
      checkRunIsWhole(runDir, reference, refSummary, 'ENOSPC');
    });

    it(`ENOSPC in a metrics append (a torn line), at ${cases(1, 6)} point(s): fails clearly, resume repairs the line`, async () => {
      const r = prng(3);
      for (let i = 0; i < cases(1, 6); i++) {
        const dir = tmpDir();
        const n = i === 0 ? 6 : 5 + r.int(10);
        const res = await spt(['train', faultExperiment(dir)], {
          SPT_TEST_FAULT: `append:*metrics.jsonl@${n}:enospc`,
        });
        assert.equal(res.code, 1, res.stderr);
        assert.match(res.stderr, /cannot write .*metrics\.jsonl: the disk is full \(ENOSPC\)/);
        const runDir = runDirIn(path.join(dir, 'runs'));
        assert.ok(
          !fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').endsWith('\n'),
          'a torn line was left',
        );
        const again = await spt(['train', '--resume', runDir]);
        assert.equal(again.code, 0, again.stderr);
        checkRunIsWhole(runDir, reference, refSummary, `ENOSPC at metrics line ${n}`);
      }
    });

    it('a real full tmpfs: the run fails with ENOSPC, the checkpoint it had is intact, and it finishes after the disk grows', async function () {
      const mnt = tmpDir('spt-tmpfs-');
      // Big enough for the first checkpoints, too small for the run (the reference run's size / 2).
      const size = Math.max(
        64 * 1024,
        Math.floor(listFiles(refDir).reduce((n, f) => n + fs.statSync(path.join(refDir, f)).size, 0) / 2),
      );
      const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], {
        encoding: 'utf8',
      });
      if (mount.status !== 0) {
        console.warn(
          `    (skipped: cannot mount a tmpfs here: ${(mount.stderr || mount.error?.message || '').trim()})`,
        );
        this.skip();
      }
      try {
        const dir = tmpDir();
        const file = faultExperiment(dir, mnt);
        const r = await spt(['train', file]);
        assert.equal(r.code, 1, `the run should fail on the full disk: ${r.stderr}`);
        assert.match(r.stderr, /the disk is full \(ENOSPC\)/);
        const runDir = runDirIn(mnt);
        if (fs.existsSync(path.join(runDir, 'checkpoints', 'last.json'))) {
          const last = loadTrainCheckpoint(runDir, 'last');
          assert.equal(last.warning, undefined);
          assert.ok(readSafetensors(last.file).tensors.has('prompts'));
        }
        assert.deepEqual(
          listFiles(runDir).filter((f) => /\.tmp$/.test(f)),
          [],
          'no temporary file left',
        );
        const grow = spawnSync('mount', ['-o', 'remount,size=64m', mnt], { encoding: 'utf8' });
        assert.equal(grow.status, 0, grow.stderr);
        const res = await spt(['train', '--resume', runDir]);
        if (fs.existsSync(path.join(runDir, 'checkpoints', 'last.json')) || res.code === 0) {
          assert.equal(res.code, 0, res.stderr);
          checkRunIsWhole(runDir, reference, refSummary, 'tmpfs');
        }
      } finally {
        spawnSync('umount', [mnt]);
      }
    });
  });

  describe('the write primitives', () => {
    afterEach(() => setFaults(undefined));

    it('writeFileAtomic: a failure at any phase leaves the old file and no temporary file', () => {
      const dir = tmpDir();
      const f = path.join(dir, 'x.json');
      fs.writeFileSync(f, 'old');
      for (const phase of ['open', 'data', 'fsync', 'rename']) {
        setFaults(`write:*x.json:${phase}@1:enospc`);
        assert.throws(
          () => writeFileAtomic(f, 'new contents'),
          (e: unknown) =>
            e instanceof WriteError &&
            e.code === 'ENOSPC' &&
            e.message === `cannot write ${f}: the disk is full (ENOSPC)`,
          phase,
        );
        assert.equal(fs.readFileSync(f, 'utf8'), 'old', phase);
        assert.deepEqual(fs.readdirSync(dir), ['x.json'], phase);
      }
      setFaults('');
      writeFileAtomic(f, [Buffer.from('a'), Buffer.from('bc')]);
      assert.equal(fs.readFileSync(f, 'utf8'), 'abc');
    });

    it('a malformed SPT_TEST_FAULT is an error, not silence', () => {
      assert.throws(() => parseFaults('train:step@x:kill'), /cannot parse/);
      assert.deepEqual(parseFaults(''), []);
      assert.equal(parseFaults('a*b@2:eio')[0].match('a-x-b'), true);
    });

    it('JSONL: a torn last line is ignored when read and cut before the next append', () => {
      const f = path.join(tmpDir(), 'm.jsonl');
      fs.writeFileSync(f, '{"a":1}\n{"a":2}\n{"a":');
      assert.deepEqual(readJsonl(f), [{ a: 1 }, { a: 2 }]);
      new JsonlWriter<{ a: number }>(f).append({ a: 3 });
      assert.equal(fs.readFileSync(f, 'utf8'), '{"a":1}\n{"a":2}\n{"a":3}\n');
      // garbage inside is skipped, not fatal
      fs.writeFileSync(f, '{"a":1}\n\u0000\u0000garbage\n{"a":2}\n');
      assert.deepEqual(readJsonl(f), [{ a: 1 }, { a: 2 }]);
      // a file that is all torn
      fs.writeFileSync(f, '{"a');
      assert.equal(repairJsonlTail(f), 3);
      assert.equal(fs.readFileSync(f, 'utf8'), '');
      // a long file: the newline is found across read blocks
      fs.writeFileSync(f, `{"x":"${'y'.repeat(200_000)}"}\n${'z'.repeat(70_000)}`);
      assert.equal(repairJsonlTail(f), 70_000);
      assert.equal(readJsonl(f).length, 1);
    });

    it('a failed JSONL append names the file', () => {
      const f = path.join(tmpDir(), 'events.jsonl');
      setFaults('append:*events.jsonl@1:enospc');
      assert.throws(
        () => new JsonlWriter(f).append({ a: 1 }),
        /cannot write .*events\.jsonl: the disk is full \(ENOSPC\)/,
      );
      setFaults('');
      // the half line the failed write left is cut before the next one
      new JsonlWriter(f).append({ a: 2 });
      assert.deepEqual(readJsonl(f), [{ a: 2 }]);
    });
  });

  it('audit: every file the engine, run folder, trainer and CLI write goes through writeFileAtomic or JsonlWriter', () => {
    const offenders: string[] = [];
    const allowed = new Set([
      'src/run-folder/atomic-write.ts', // the primitive itself
      'src/run-folder/run-folder.ts', // JsonlWriter's line appends and the tail repair
      'src/run-folder/run-lock.ts', // O_EXCL lock creation (atomic by itself)
      'src/trainer/client.ts', // the trainer's log file: an append-only stream with rotation, not a run file
      'src/engine/data/fashion-mnist/default-dataset.ts', // written-out data; dataset.json is written last, as its completion mark
    ]);
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          const rel = path.relative(ROOT, p).split(path.sep).join('/');
          if (allowed.has(rel)) continue;
          const text = fs.readFileSync(p, 'utf8');
          for (const call of [
            'writeFileSync',
            'appendFileSync',
            'createWriteStream',
            'writeSync(',
            'fs.promises.writeFile',
            '.toFile(',
          ])
            if (text.includes(call)) offenders.push(`${rel}: ${call}`);
        }
      }
    };
    for (const d of ['src/engine', 'src/run-folder', 'src/trainer', 'src/cli']) walk(path.join(ROOT, d));
    assert.deepEqual(offenders, []);
  });
});
