/**
 * The extension's trainer process manager against misbehaving trainers (issue 9): one that hangs
 * (heartbeat timeout, kill, failed with a clear message), one that floods its output (bounded
 * memory, log rotated, the host stays responsive), one that dies before its first event or cannot
 * start at all (a clear failure naming the log file), and the real trainer's heartbeat.
 * Fake trainers are small scripts forked like dist/trainer.js. Pure Node, no VS Code.
 */
import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunQueue } from '../../../src/extension/runs/run-queue';
import type { TrainerEvent } from '../../../src/shared/trainer-contract';
import {
  errorLineOf,
  TrainerClient,
  type TrainerProcessEvent,
  type TrainerProcessOptions,
} from '../../../src/trainer/client';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';
import { hasDist, removeScratch, TRAINER, tmpDir } from './harness';

function fake(dir: string, name: string, source: string): string {
  const f = path.join(dir, `${name}.js`);
  fs.writeFileSync(f, source);
  return f;
}

function start(dir: string, trainerPath: string, extra: Partial<TrainerProcessOptions> = {}) {
  const logFile = path.join(dir, 'logs', `${path.basename(trainerPath, '.js')}.log`);
  const p = new TrainerClient({ trainerPath, job: { kind: 'doctor' }, logFile, ...extra });
  const events: TrainerProcessEvent[] = [];
  p.onEvent((e) => events.push(e));
  p.start();
  return { p, events, logFile };
}

const gone = (pid: number | undefined) => {
  try {
    process.kill(pid as number, 0);
    return false;
  } catch {
    return true;
  }
};

describe('reliability: misbehaving trainer processes', function () {
  this.timeout(120_000);
  after(removeScratch);

  it('a trainer that hangs after its heartbeats stop is killed and failed, naming the timeout and the log', async () => {
    const dir = tmpDir();
    const hang = fake(
      dir,
      'hang',
      `const every = Number(process.env.SPT_HEARTBEAT_MS);
process.once('message', () => {
  process.send({ type: 'run', event: { type: 'status', t: 0, status: 'running', runDir: '/runs/x/1' } });
  const beat = setInterval(() => process.send({ type: 'heartbeat', t: Date.now() / 1000 }), every);
  setTimeout(() => { clearInterval(beat); console.log('hanging now (heartbeat every ' + every + ' ms)'); setTimeout(() => { for (;;) {} }, 50); }, 3000);
});
`,
    );
    const t0 = Date.now();
    const { p, logFile } = start(dir, hang, { heartbeatMs: 1500 });
    const out = await p.done;
    const took = Date.now() - t0;
    assert.equal(out.type, 'failed');
    if (out.type !== 'failed') return;
    assert.ok(took >= 3000, `killed after ${took} ms, while it still sent heartbeats`);
    assert.ok(took < 10_000, `killed only after ${took} ms`);
    assert.equal(
      out.message,
      `the trainer stopped responding (no heartbeat and no event for 1.5 s) and was killed; log: ${logFile}`,
    );
    assert.equal(out.runDir, '/runs/x/1');
    assert.equal(p.state, 'failed');
    assert.ok(gone(p.pid), 'the process is gone');
    const log = fs.readFileSync(logFile, 'utf8');
    assert.match(
      log,
      /hanging now \(heartbeat every 375 ms\)/,
      'the host told the trainer to beat 4x faster than its timeout',
    );
    assert.match(log, /stopped responding/);
  });

  it('the real trainer sends heartbeats over IPC while it trains', async function () {
    if (!hasDist()) this.skip();
    const dir = tmpDir();
    const file = writeTinyExperiment(dir, {
      name: 'beat',
      seed: 1,
      pool: 'cls',
      init: 'random',
      train: '{epochs: 2, warmup_epochs: 1, batch_size: 3, lr: 0.01}',
      analysis: '{every_epochs: 0}',
      outputDir: path.join(dir, 'runs'),
    });
    const child = fork(TRAINER, [], { env: { ...process.env, SPT_HEARTBEAT_MS: '25' }, stdio: 'pipe' });
    const seen: TrainerEvent['type'][] = [];
    child.on('message', (m) => seen.push((m as TrainerEvent).type));
    child.send({ kind: 'train', file });
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0);
    assert.ok(seen.filter((t) => t === 'heartbeat').length >= 3, `heartbeats: ${seen.join(' ')}`);
    assert.equal(seen.at(-1), 'result');
  });

  it('a trainer that floods stdout, stderr and IPC: bounded memory and log, a responsive host, the latest output kept', async () => {
    const dir = tmpDir();
    const MB = 1 << 20;
    const flood = fake(
      dir,
      'flood',
      `process.once('message', () => {
  const line = 'x'.repeat(1023) + '\\n';
  const chunk = line.repeat(64);
  for (let i = 0; i < 1200; i++) { process.stdout.write(chunk); if (i % 100 === 0) process.stderr.write(chunk); }
  for (let i = 0; i < 20000; i++) process.send({ type: 'log', level: 'info', message: 'ipc line ' + i + ' ' + 'y'.repeat(200) });
  process.stdout.write('LAST-STDOUT-LINE\\n');
  // No process.exit(): it would drop the output still queued for the pipes.
  process.send({ type: 'result', data: { ok: true } }, () => process.disconnect());
});
`,
    );
    let forwarded = 0;
    let maxLag = 0;
    let last = Date.now();
    const lagTimer = setInterval(() => {
      const now = Date.now();
      maxLag = Math.max(maxLag, now - last - 10);
      last = now;
    }, 10);
    let peakRss = 0;
    const rss0 = process.memoryUsage().rss;
    const memTimer = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const t0 = Date.now();
    const { p, logFile } = start(dir, flood, {
      maxLogBytes: 4 * MB,
      onLog: () => {
        forwarded++;
      },
    });
    let logEvents = 0;
    p.onEvent((e) => {
      if (e.type === 'log') logEvents++;
    });
    const out = await p.done;
    const secs = (Date.now() - t0) / 1000;
    clearInterval(lagTimer);
    clearInterval(memTimer);
    assert.equal(out.type, 'finished', JSON.stringify(out));
    const size = fs.statSync(logFile).size;
    const older = fs.statSync(`${logFile}.1`).size;
    assert.ok(size <= 4 * MB + 128 * 1024 && older <= 4 * MB + 128 * 1024, `log ${size} + ${older} bytes`);
    const tail = fs.readFileSync(logFile, 'utf8');
    assert.match(tail, /log rotated: earlier output is in .*\.log\.1/);
    // stdout and IPC are separate channels: the last stdout line is in one of the two newest files.
    assert.match(
      tail + fs.readFileSync(`${logFile}.1`, 'utf8'),
      /LAST-STDOUT-LINE/,
      'the latest output is kept',
    );
    // Every IPC line reached the listeners, unless it came while the log file was far behind (then
    // the log says how many were dropped).
    const both = tail + fs.readFileSync(`${logFile}.1`, 'utf8');
    assert.ok(
      logEvents === 20000 || /log line\(s\) dropped while the log file caught up/.test(both),
      `${logEvents} log events`,
    );
    // ~95 MB went through the host: its memory stays far below that.
    const growth = (peakRss - rss0) / MB;
    assert.ok(growth < 80, `the host grew by ${growth.toFixed(0)} MB`);
    assert.ok(maxLag < 1500, `the host's event loop stalled for ${maxLag} ms`);
    assert.ok(
      forwarded <= (Math.ceil(secs) + 1) * 201,
      `${forwarded} lines forwarded in ${secs.toFixed(1)} s`,
    );
    console.log(
      `      (flood: ${secs.toFixed(1)} s, host RSS +${growth.toFixed(0)} MB, max event-loop lag ${maxLag} ms, ${forwarded} lines forwarded)`,
    );
  });

  it('a trainer that dies before its first event: failed with its error line and the log file', async () => {
    const dir = tmpDir();
    const crash = fake(dir, 'crash', "require('./missing-module-of-a-broken-install');\n");
    const { p, events, logFile } = start(dir, crash);
    const out = await p.done;
    assert.equal(out.type, 'failed');
    if (out.type !== 'failed') return;
    assert.match(
      out.message,
      /^the trainer exited with code 1 without a result: Error: Cannot find module '\.\/missing-module-of-a-broken-install'/,
    );
    assert.ok(out.message.endsWith(`; log: ${logFile}`), out.message);
    assert.equal(out.logFile, logFile);
    assert.deepEqual(
      events.map((e) => e.type),
      ['failed'],
    );
    assert.match(fs.readFileSync(logFile, 'utf8'), /missing-module-of-a-broken-install[\s\S]*Node\.js v/);

    const silent = fake(dir, 'silent-exit', 'process.exit(3);\n');
    const s = start(dir, silent);
    const out2 = await s.p.done;
    assert.equal(
      out2.type === 'failed' && out2.message,
      `the trainer exited with code 3 without a result; log: ${s.logFile}`,
    );
  });

  it('a trainer that cannot start (a wrong spt.nodePath) fails at once and does not wedge the queue', async () => {
    const dir = tmpDir();
    const ok = fake(
      dir,
      'ok',
      "process.once('message', () => process.send({ type: 'result', data: {} }, () => process.exit(0)));\n",
    );
    let n = 0;
    const queue = new RunQueue({
      createProcess: () => {
        n++;
        return new TrainerClient({
          trainerPath: ok,
          job: { kind: 'doctor' },
          logFile: path.join(dir, 'logs', `${n}.log`),
          nodePath: n === 1 ? '/nonexistent/bin/node' : undefined,
        });
      },
    });
    const a = queue.enqueue({ kind: 'doctor' });
    const b = queue.enqueue({ kind: 'doctor' });
    await queue.idle();
    const first = queue.get(a);
    assert.equal(first?.state, 'failed');
    assert.match(
      first?.message ?? '',
      /^cannot start the trainer with \/nonexistent\/bin\/node: spawn \/nonexistent\/bin\/node ENOENT \(check the setting spt\.nodePath\); log: /,
    );
    assert.equal(queue.get(b)?.state, 'finished', 'the next job ran');
    await queue.dispose();
  });

  it('errorLineOf picks the error out of a Node crash report', () => {
    const report = `/x/trainer.js:10
    throw new TypeError('bad thing');
    ^

TypeError: bad thing
    at Object.<anonymous> (/x/trainer.js:10:11)
    at node:internal/main:1:1

Node.js v20.20.2
`;
    assert.equal(errorLineOf(report), 'TypeError: bad thing');
    assert.equal(
      errorLineOf('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n'),
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    );
    assert.equal(errorLineOf('just text\n\n'), 'just text');
    assert.equal(errorLineOf(''), '');
  });
});
