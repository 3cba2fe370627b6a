/**
 * The one trainer client (src/trainer/client.ts) over its JSON-lines transport (what `spt demo` and
 * `spt sweep` use) with the real dist/trainer.js: events parsed from stdout, stop as a control message
 * on stdin, heartbeats as lines; and the contract's guards (src/shared/trainer-contract.ts) that both
 * transports parse with.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunRecord } from '../../../src/extension/runs/run-discovery';
import {
  parseTrainerControl,
  parseTrainerEvent,
  parseTrainerJob,
  parseTrainResult,
} from '../../../src/shared/trainer-contract';
import { TrainerClient, type TrainerProcessEvent } from '../../../src/trainer/client';
import { hasDist, TRAINER, tinyExperiment, tmpDir } from '../extension/runs/helpers';

function jsonlClient(file: string, extra: Partial<ConstructorParameters<typeof TrainerClient>[0]> = {}) {
  const client = new TrainerClient({
    trainerPath: TRAINER,
    job: { kind: 'train', file },
    transport: 'jsonl',
    memoryMb: 2048,
    ...extra,
  });
  const events: TrainerProcessEvent[] = [];
  client.onEvent((e) => events.push(e));
  return { client, events };
}

describe('trainer client: JSON-lines transport (real trainer)', () => {
  before(function () {
    if (!hasDist()) this.skip();
  });

  it('runs a tiny experiment to finished: run events, logs and the result parsed from stdout', async () => {
    const dir = tmpDir();
    const stdout: string[] = [];
    const { client, events } = jsonlClient(tinyExperiment(dir), {
      onLog: (level, m) => level === 'stdout' && stdout.push(m),
    });
    client.start();
    const out = await client.done;
    assert.equal(out.type, 'finished', JSON.stringify(out));
    assert.equal(out.summary?.status, 'finished');
    const started = events.find((e) => e.type === 'started');
    assert.ok(started?.type === 'started' && fs.existsSync(path.join(started.runDir, 'summary.json')));
    assert.ok(events.some((e) => e.type === 'run' && e.event.type === 'epoch'));
    assert.ok(events.some((e) => e.type === 'log'));
    assert.deepEqual(stdout, [], 'every stdout line was an event');
  });

  it('stop() sends the stop control message on stdin: stopped, resumable', async () => {
    const dir = tmpDir();
    const { client, events } = jsonlClient(tinyExperiment(dir, 'long', 500), { stopGraceMs: 60_000 });
    const logs: string[] = [];
    client.onEvent((e) => {
      if (e.type === 'run' && e.event.type === 'epoch') void client.stop();
    });
    client.start();
    const out = await client.done;
    assert.equal(out.type, 'stopped', JSON.stringify(out));
    assert.equal(out.summary?.status, 'stopped', 'the trainer itself stopped (no signal was needed)');
    const runDir = (events.find((e) => e.type === 'started') as { runDir: string }).runDir;
    const rec = readRunRecord(runDir);
    assert.equal(rec.status, 'stopped');
    assert.equal(rec.resumable, true);
    assert.deepEqual(logs, []);
  });

  it('heartbeats come as JSON lines when the client watches for them, and are taken as events', async () => {
    const dir = tmpDir();
    const logFile = path.join(dir, 'trainer.log');
    const { client } = jsonlClient(tinyExperiment(dir), {
      heartbeatMs: 120_000,
      logFile,
      env: { ...process.env, SPT_HEARTBEAT_MS: '20' },
    });
    client.start();
    const out = await client.done;
    assert.equal(out.type, 'finished', JSON.stringify(out));
    const log = fs.readFileSync(logFile, 'utf8');
    assert.match(log, /epoch 2\/2/);
    assert.doesNotMatch(log, /heartbeat/, 'heartbeat lines are events, not logged output');
  });
});

describe('trainer contract: guards', () => {
  it('parses events and rejects lines that are not events, or whose fields do not match their type', () => {
    assert.deepEqual(parseTrainerEvent('{"type":"heartbeat","t":1}'), { type: 'heartbeat', t: 1 });
    assert.equal(parseTrainerEvent('loading backend...'), null);
    assert.equal(
      parseTrainerEvent('{"type":"run","event":{"type":"status","t":1,"status":"dancing","runDir":"x"}}'),
      null,
    );
    assert.equal(parseTrainerEvent('{"type":"run","event":{"type":"step","t":1}}'), null);
    assert.equal(parseTrainerEvent({ type: 'log', level: 'shout', message: 'x' }), null);
    const ok = parseTrainerEvent({
      type: 'run',
      event: { type: 'status', t: 1, status: 'running', runDir: '/r' },
    });
    assert.equal(ok?.type, 'run');
  });

  it('a step event carries its train line: the old flat fields alone are refused', () => {
    const line = {
      t: 1,
      epoch: 1,
      step: 3,
      split: 'train',
      loss: 0.7,
      acc: 0.5,
      lr: 0.01,
      ips: 40,
      rss_mb: 210,
    };
    const step = parseTrainerEvent({ type: 'run', event: { type: 'step', t: 1, line, totalSteps: 9 } });
    assert.deepEqual(step, { type: 'run', event: { type: 'step', t: 1, line, totalSteps: 9 } });
    const flat = { type: 'step', t: 1, epoch: 1, step: 3, totalSteps: 9, loss: 0.7, lr: 0.01, ips: 40 };
    assert.equal(parseTrainerEvent({ type: 'run', event: flat }), null);
    const valLine = { ...line, split: 'val' };
    assert.equal(
      parseTrainerEvent({ type: 'run', event: { type: 'step', t: 1, line: valLine, totalSteps: 9 } }),
      null,
    );
    const noLr = { ...line, lr: undefined };
    assert.equal(
      parseTrainerEvent({ type: 'run', event: { type: 'step', t: 1, line: noLr, totalSteps: 9 } }),
      null,
    );
  });

  it('a train result names its run folder and a summary with a status', () => {
    assert.equal(parseTrainResult({ runDir: '/r' }), null);
    assert.equal(parseTrainResult({ runDir: '/r', summary: { status: 'gone', name: 'x' } }), null);
    assert.equal(
      parseTrainResult({ runDir: '/r', summary: { status: 'finished', name: 'x' } })?.runDir,
      '/r',
    );
  });

  it('stop is a control message, not a job', () => {
    assert.deepEqual(parseTrainerControl('{"control":"stop"}'), { control: 'stop' });
    assert.equal(parseTrainerControl('{"kind":"stop"}'), null);
    assert.throws(() => parseTrainerJob({ kind: 'stop' }), /unknown trainer job kind "stop"/);
  });
});
