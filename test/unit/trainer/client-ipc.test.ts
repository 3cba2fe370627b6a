/** TrainerClient with the real dist/trainer.js on a tiny experiment. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunRecord } from '../../../src/extension/runs/run-discovery';
import type { TrainerJob } from '../../../src/shared/trainer-contract';
import { TrainerClient, type TrainerProcessEvent } from '../../../src/trainer/client';
import { hasDist, TRAINER, tinyExperiment, tmpDir } from '../extension/runs/helpers';

function trainer(
  job: TrainerJob,
  dir: string,
  extra: Partial<ConstructorParameters<typeof TrainerClient>[0]> = {},
) {
  const logFile = path.join(dir, 'logs', `${Math.random().toString(36).slice(2)}.log`);
  const p = new TrainerClient({ trainerPath: TRAINER, job, logFile, memoryMb: 2048, ...extra });
  const events: TrainerProcessEvent[] = [];
  p.onEvent((e) => events.push(e));
  return { p, events, logFile };
}

describe('TrainerClient (real trainer)', () => {
  before(function () {
    if (!hasDist()) this.skip();
  });

  it('runs a tiny experiment to finished with a summary', async () => {
    const dir = tmpDir();
    const lines: string[] = [];
    const { p, events, logFile } = trainer({ kind: 'train', file: tinyExperiment(dir) }, dir, {
      onLog: (_l, m) => lines.push(m),
    });
    p.start();
    const out = await p.done;
    assert.equal(out.type, 'finished', JSON.stringify(out));
    assert.equal(p.state, 'finished');
    if (out.type !== 'finished') return;
    assert.equal(out.summary?.status, 'finished');
    const started = events.find((e) => e.type === 'started');
    assert.ok(
      started && started.type === 'started' && fs.existsSync(path.join(started.runDir, 'summary.json')),
    );
    assert.equal(out.runDir, started.runDir);
    assert.ok(events.some((e) => e.type === 'run' && e.event.type === 'epoch'));
    assert.ok(events.some((e) => e.type === 'log'));
    assert.equal(events.at(-1)?.type, 'finished');
    const log = fs.readFileSync(logFile, 'utf8');
    assert.match(log, /epoch 2\/2/);
    assert.ok(lines.some((l) => /epoch 2\/2/.test(l)));
  });

  it('stop() ends with stopped and a resumable run folder', async () => {
    const dir = tmpDir();
    const { p, events } = trainer({ kind: 'train', file: tinyExperiment(dir, 'long', 500) }, dir);
    p.onEvent((e) => {
      if (e.type === 'run' && e.event.type === 'epoch') void p.stop();
    });
    p.start();
    const out = await p.done;
    assert.equal(out.type, 'stopped', JSON.stringify(out));
    assert.equal(p.state, 'stopped');
    const runDir = (events.find((e) => e.type === 'started') as { runDir: string }).runDir;
    const rec = readRunRecord(runDir);
    assert.equal(rec.status, 'stopped');
    assert.equal(rec.resumable, true);
    assert.ok(rec.epoch !== null && rec.epoch < 500);
  });

  it('a trainer killed from outside (SIGKILL) fails with a message and the log', async () => {
    const dir = tmpDir();
    const { p, logFile } = trainer({ kind: 'train', file: tinyExperiment(dir, 'killed', 500) }, dir);
    let killed = false;
    p.onEvent((e) => {
      if (!killed && e.type === 'run' && e.event.type === 'step') {
        killed = true;
        process.kill(p.pid!, 'SIGKILL');
      }
    });
    p.start();
    const out = await p.done;
    assert.equal(out.type, 'failed');
    if (out.type !== 'failed') return;
    assert.match(out.message, /SIGKILL/);
    assert.match(out.message, /memory/, 'OOM hint on SIGKILL');
    assert.equal(out.logFile, logFile);
    assert.ok(out.runDir && readRunRecord(out.runDir).status === 'interrupted');
  });

  it('a bad job fails with the trainer error', async () => {
    const dir = tmpDir();
    const { p } = trainer({ kind: 'train' } as TrainerJob, dir);
    p.start();
    const out = await p.done;
    assert.equal(out.type, 'failed');
    if (out.type === 'failed') assert.match(out.message, /needs `file` or `resume`/);
    const missing = trainer({ kind: 'train', file: path.join(dir, 'nope.spt.yaml') }, dir).p;
    missing.start();
    const out2 = await missing.done;
    assert.equal(out2.type, 'failed');
  });

  it('no heartbeat: a silent trainer is killed and the run failed', async () => {
    const dir = tmpDir();
    const silent = path.join(dir, 'silent.js');
    fs.writeFileSync(silent, 'process.on("message", () => {}); setInterval(() => {}, 1000);\n');
    const { p } = trainer({ kind: 'doctor' }, dir, { trainerPath: silent, heartbeatMs: 300 });
    p.start();
    const out = await p.done;
    assert.equal(out.type, 'failed');
    if (out.type === 'failed') assert.match(out.message, /no heartbeat/);
  });

  it('stop() escalates to SIGTERM and SIGKILL for a trainer that ignores stop', async () => {
    const dir = tmpDir();
    const stubborn = path.join(dir, 'stubborn.js');
    fs.writeFileSync(
      stubborn,
      'process.on("SIGTERM", () => {}); process.on("message", () => {}); setInterval(() => {}, 1000); console.log("ready");\n',
    );
    let ready!: () => void;
    const isReady = new Promise<void>((r) => {
      ready = r;
    });
    const { p, logFile } = trainer({ kind: 'doctor' }, dir, {
      trainerPath: stubborn,
      stopGraceMs: 200,
      killGraceMs: 200,
      onLog: (_l, m) => {
        if (m.includes('ready')) ready();
      },
    });
    p.start();
    await isReady;
    const out = await p.stop();
    assert.equal(out.type, 'stopped');
    assert.match(fs.readFileSync(logFile, 'utf8'), /SIGKILL/);
  });
});
