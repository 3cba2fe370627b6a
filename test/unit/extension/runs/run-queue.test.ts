/** The run queue with fake trainer processes. */
import * as assert from 'node:assert/strict';
import {
  experimentNameOf,
  type QueueEntry,
  type RunProcess,
  RunQueue,
} from '../../../../src/extension/runs/run-queue';
import type { TrainerOutcome, TrainerProcessEvent } from '../../../../src/trainer/client';

class FakeProcess implements RunProcess {
  listeners: ((e: TrainerProcessEvent) => void)[] = [];
  started = false;
  stopCalls = 0;
  logFile = '/tmp/fake.log';
  private resolve!: (o: TrainerOutcome) => void;
  readonly done = new Promise<TrainerOutcome>((r) => {
    this.resolve = r;
  });
  constructor(readonly entry: QueueEntry) {}
  onEvent(l: (e: TrainerProcessEvent) => void) {
    this.listeners.push(l);
    return { dispose: () => {} };
  }
  start() {
    this.started = true;
    this.emit({ type: 'started', runDir: `/runs/${this.entry.id}` });
  }
  emit(e: TrainerProcessEvent) {
    for (const l of this.listeners) l(e);
  }
  end(o: TrainerOutcome) {
    this.emit(o);
    setTimeout(() => this.resolve(o), 5);
  }
  stop() {
    this.stopCalls++;
    setTimeout(() => this.end({ type: 'stopped', runDir: `/runs/${this.entry.id}` }), 10);
    return this.done;
  }
}

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

function makeQueue(maxConcurrent?: number) {
  const procs: FakeProcess[] = [];
  const q = new RunQueue({
    maxConcurrent,
    createProcess: (e) => {
      const p = new FakeProcess(e);
      procs.push(p);
      return p;
    },
  });
  return { q, procs };
}

const job = (f: string) => ({ kind: 'train' as const, file: `/w/${f}.spt.yaml` });

describe('RunQueue', () => {
  it('runs one job at a time by default, in order', async () => {
    const { q, procs } = makeQueue();
    const a = q.enqueue(job('a'));
    const b = q.enqueue(job('b'));
    assert.equal(q.get(a)?.state, 'running');
    assert.equal(q.get(b)?.state, 'queued');
    assert.equal(q.get(a)?.experiment, 'a');
    assert.equal(q.get(a)?.runDir, `/runs/${a}`);
    procs[0].emit({
      type: 'run',
      event: {
        type: 'epoch',
        t: 0,
        epoch: 1, // the first epoch ended (epochs are counted from 1)
        epochs: 10,
        train: { loss: 1, acc: 0.5 },
        val: { loss: 1, acc: 0.6 },
        best: { epoch: 1, acc: 0.6 },
      },
    });
    assert.equal(q.get(a)?.epoch, 1);
    assert.equal(q.get(a)?.epochs, 10);
    assert.equal(q.get(a)?.bestValAcc, 0.6);
    assert.equal(q.get(a)?.bestEpoch, 1);
    procs[0].end({ type: 'finished', runDir: `/runs/${a}`, data: null });
    await tick();
    assert.equal(q.get(a)?.state, 'finished');
    assert.equal(q.get(b)?.state, 'running');
    procs[1].end({ type: 'failed', message: 'boom', logFile: '/tmp/x.log' });
    await tick();
    assert.equal(q.get(b)?.state, 'failed');
    assert.equal(q.get(b)?.message, 'boom');
    assert.equal(q.get(b)?.logFile, '/tmp/x.log');
    await q.idle();
  });

  it('respects maxConcurrent and starts more when it is raised', async () => {
    const { q, procs } = makeQueue(2);
    const ids = ['a', 'b', 'c', 'd'].map((n) => q.enqueue(job(n)));
    assert.deepEqual(
      ids.map((id) => q.get(id)?.state),
      ['running', 'running', 'queued', 'queued'],
    );
    q.maxConcurrent = 3;
    assert.equal(q.get(ids[2])?.state, 'running');
    procs[0].end({ type: 'finished', data: null });
    await tick();
    assert.equal(q.get(ids[3])?.state, 'running');
    assert.equal(q.active().length, 3);
    await q.dispose();
  });

  it('cancels queued jobs and stops running ones', async () => {
    const { q, procs } = makeQueue();
    const a = q.enqueue(job('a'));
    const b = q.enqueue(job('b'));
    const changes: string[] = [];
    q.onDidChange((e) => changes.push(`${e.id === a ? 'a' : 'b'}:${e.state}`));
    assert.equal(q.cancel(b), true);
    assert.equal(q.cancel(a), false, 'a running job is not cancelled');
    assert.equal(q.get(b)?.state, 'cancelled');
    await q.stop(a);
    assert.equal(q.get(a)?.state, 'stopped');
    assert.equal(procs.length, 1, 'the cancelled job never started');
    assert.deepEqual(changes, ['b:cancelled', 'a:stopped']);
  });

  it('dispose() stops every running job and resolves once they exited', async () => {
    const { q, procs } = makeQueue(2);
    const ids = ['a', 'b', 'c'].map((n) => q.enqueue(job(n)));
    await q.dispose();
    assert.deepEqual(
      procs.map((p) => p.stopCalls),
      [1, 1],
    );
    assert.deepEqual(
      ids.map((id) => q.get(id)?.state),
      ['stopped', 'stopped', 'cancelled'],
    );
    assert.throws(() => q.enqueue(job('d')), /disposed/);
  });

  it('a factory that throws fails the job and the queue goes on', async () => {
    let n = 0;
    const q = new RunQueue({
      createProcess: (e) => {
        if (n++ === 0) throw new Error('no node');
        return new FakeProcess(e);
      },
    });
    const a = q.enqueue(job('a'));
    const b = q.enqueue(job('b'));
    assert.equal(q.get(a)?.state, 'failed');
    assert.match(q.get(a)?.message ?? '', /no node/);
    assert.equal(q.get(b)?.state, 'running');
    await q.dispose();
  });

  it('names experiments from the job', () => {
    assert.equal(experimentNameOf({ kind: 'train', file: '/x/cifar-deep.spt.yaml' }), 'cifar-deep');
    assert.equal(experimentNameOf({ kind: 'train', resume: '/r/runs/exp/20250101-000000' }), 'exp');
  });
});
