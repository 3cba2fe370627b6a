/**
 * The dashboard panels' message flow, with a recorded `vscode` (fake-vscode.ts) and a real run queue
 * fed by a fake trainer process: the handshake, one response per request, refusals, live lines
 * without repeats, analysis and summary updates, one panel per run or compare set, restored panels
 * and exports.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SptContext } from '../../../../src/extension/context';
import { RunQueue } from '../../../../src/extension/runs/run-queue';
import type { MetricLine, RunEvent } from '../../../../src/shared/run-events';
import type { ToWebview } from '../../../../src/shared/webview-contract';
import type { TrainerOutcome, TrainerProcessEvent } from '../../../../src/trainer/client';
import { calls, FakePanel, Uri } from './fake-vscode';
import { type SyntheticRun, writeSyntheticRun } from './synthetic-run';

// Loaded after fake-vscode.ts has stood in for `vscode` (an import could be sorted above it).
const { DashboardManager } =
  require('../../../../src/extension/dashboard/dashboard-manager') as typeof import('../../../../src/extension/dashboard/dashboard-manager');

class FakeProcess {
  private readonly listeners = new Set<(e: TrainerProcessEvent) => void>();
  private resolve!: (o: TrainerOutcome) => void;
  readonly done = new Promise<TrainerOutcome>((r) => {
    this.resolve = r;
  });
  onEvent(l: (e: TrainerProcessEvent) => void) {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }
  start(): void {}
  emit(e: TrainerProcessEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
  run(event: RunEvent): void {
    this.emit({ type: 'run', event });
  }
  end(o: TrainerOutcome): void {
    this.emit(o);
    this.resolve(o);
  }
  stop(): Promise<TrainerOutcome> {
    this.end({ type: 'stopped' });
    return this.done;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ofType = <T extends ToWebview['type']>(p: FakePanel, type: T) =>
  p.posted.filter((m) => (m as ToWebview).type === type) as Extract<ToWebview, { type: T }>[];
const line = (step: number, split: MetricLine['split'] = 'train', epoch = 2, t = 10 + step): MetricLine => ({
  t,
  epoch,
  step,
  split,
  loss: 1,
  acc: 0.5,
  lr: 0.01,
  ips: 5,
});
/** A trainer's `step` event: it carries its train line. */
const stepEvent = (step: number, epoch: number, t: number): RunEvent => ({
  type: 'step',
  t,
  line: line(step, 'train', epoch, t),
  totalSteps: 9,
});

describe('dashboard panels', () => {
  let s: SyntheticRun;
  let other: SyntheticRun;
  let queue: RunQueue;
  let proc: FakeProcess;
  let manager: InstanceType<typeof DashboardManager>;
  const logged: string[] = [];

  beforeEach(() => {
    s = writeSyntheticRun();
    other = writeSyntheticRun();
    calls.panels.length = 0;
    calls.saveDialogs.length = 0;
    calls.written.clear();
    calls.opened.length = 0;
    logged.length = 0;
    proc = new FakeProcess();
    queue = new RunQueue({ createProcess: () => proc });
    const log = (level: string) => (m: string) => logged.push(`${level}: ${m}`);
    const ctx = {
      queue,
      logger: {
        info: log('info'),
        warn: log('warn'),
        debug: log('debug'),
        error: log('error'),
        showError: log('error'),
      },
      extension: { extensionUri: Uri.file('/ext') },
    } as unknown as SptContext;
    manager = new DashboardManager(ctx);
  });

  afterEach(async () => {
    manager.dispose();
    await queue.dispose();
    for (const r of [s, other]) fs.rmSync(r.root, { recursive: true, force: true });
  });

  it('opens one panel per run with the HTML, and posts nothing before the handshake', () => {
    manager.openRun(s.runDir);
    manager.openRun(path.join(s.runDir, '.'));
    assert.equal(calls.panels.length, 1, 'the same run reveals the same panel');
    const p = calls.panels[0];
    assert.equal(p.revealed, 1);
    assert.equal(p.viewType, 'spt.dashboard');
    assert.equal(p.title, 'SPT: synth 20260101-120000');
    assert.deepEqual(p.options.retainContextWhenHidden, false);
    assert.equal(p.options.enableScripts, true);
    assert.deepEqual(
      (p.webview.options.localResourceRoots as Uri[]).map((u) => u.fsPath),
      ['/ext/dist/webview', '/ext/media'],
    );
    assert.match(p.webview.html, /script-src 'nonce-[^']+'/);
    assert.match(p.webview.html, /src="[^"]*\/ext\/dist\/webview\/main\.js"/);
    assert.match(p.webview.html, /href="[^"]*\/ext\/media\/dashboard\.css"/);
    assert.deepEqual(p.posted, []);
    p.send({ type: 'initialized' });
    const [init] = ofType(p, 'init');
    assert.equal(init.payload.mode, 'run');
    assert.deepEqual(
      init.payload.runs.map((r) => [r.runDir, r.status, r.testAcc]),
      [[s.runDir, 'finished', 0.5]],
    );
    p.send({ type: 'initialized' });
    assert.equal(ofType(p, 'init').length, 2, 'every initialized gets an init');
  });

  it('answers each request once, refuses other runs and hostile messages', async () => {
    manager.openRun(s.runDir);
    const p = calls.panels[0];
    p.send({ type: 'request', requestId: 1, kind: 'metrics', params: { runDir: s.runDir } });
    assert.deepEqual(p.posted, [], 'no response before the handshake');
    p.send({ type: 'initialized' });
    p.send({ type: 'request', requestId: 2, kind: 'metrics', params: { runDir: s.runDir } });
    p.send({
      type: 'request',
      requestId: 3,
      kind: 'prototypeMap',
      params: { runDir: s.runDir, epoch: 3, layer: 0 },
    });
    p.send({ type: 'request', requestId: 4, kind: 'analysisIndex', params: { runDir: other.runDir } });
    p.send({
      type: 'request',
      requestId: 5,
      kind: 'readFile',
      params: { runDir: s.runDir, path: '/etc/passwd' },
    });
    p.send({
      type: 'request',
      requestId: 6,
      kind: 'attention',
      params: { runDir: s.runDir, epoch: -1, layer: 0 },
    });
    p.send({ type: 'export', payload: { fileName: '../../x.sh', mime: 'text/csv', data: 'x' } });
    p.send('garbage');
    const responses = ofType(p, 'response').map((r) => r.payload);
    assert.deepEqual(
      responses.map((r) => [r.requestId, r.ok]),
      [
        [2, true],
        [3, true],
        [4, false],
        [5, false],
        [6, false],
      ],
    );
    const errors = responses.map((r) => (r.ok ? '' : r.error));
    assert.match(errors[2], /refused: .* is not a run this dashboard shows/);
    assert.match(errors[3], /refused: kind must be one of/);
    assert.match(errors[4], /refused: params\.epoch/);
    assert.equal(logged.filter((l) => l.startsWith('warn: dashboard: ignored a message')).length, 4);
    assert.equal(calls.saveDialogs.length, 0);
    p.send({ type: 'log', payload: { level: 'error', message: 'chart broke' } });
    assert.ok(logged.includes('error: dashboard: chart broke'));
  });

  it('forwards live lines once, new analysis epochs and summary updates of a run the queue trains', async () => {
    queue.enqueue({ kind: 'train', resume: s.runDir });
    proc.emit({ type: 'started', runDir: s.runDir });
    manager.openRun(s.runDir);
    const p = calls.panels[0];
    proc.run(stepEvent(3, 2, 1));
    p.send({ type: 'initialized' });
    proc.run(stepEvent(3, 2, 1));
    await sleep(250);
    assert.deepEqual(ofType(p, 'metricLines'), [], 'no lines before the webview read the metrics');
    p.send({ type: 'request', requestId: 1, kind: 'metrics', params: { runDir: s.runDir } });
    // Steps 1-3 and epoch 1's val line are in the file already; step 4 and epoch 2's val line are new.
    for (const step of [3, 4]) proc.run(stepEvent(step, 2, 10 + step));
    proc.run({
      type: 'epoch',
      t: 20,
      epoch: 2,
      epochs: 4,
      train: { loss: 1, acc: 0.5 },
      val: { loss: 1, acc: 0.5 },
      best: { epoch: 2, acc: 0.5 },
      valLine: line(4, 'val'),
    });
    assert.deepEqual(ofType(p, 'metricLines'), [], 'batched');
    await sleep(300);
    const batches = ofType(p, 'metricLines');
    assert.equal(batches.length, 1);
    assert.deepEqual(batches[0].payload, { runDir: s.runDir, lines: [line(4), line(4, 'val')] });
    assert.ok(ofType(p, 'runs').length >= 1, 'the epoch updated the summary');
    assert.equal(ofType(p, 'runs').at(-1)?.payload[0].status, 'running');
    assert.equal(ofType(p, 'runs').at(-1)?.payload[0].epoch, 2);
    proc.run(stepEvent(5, 3, 30));
    proc.run({ type: 'analysis', t: 31, epoch: 2, path: 'x' });
    const posted = p.posted.map((m) => (m as ToWebview).type);
    assert.deepEqual(posted.slice(-2), ['metricLines', 'analysisAdded'], 'lines first, then the analysis');
    assert.deepEqual(ofType(p, 'analysisAdded')[0].payload, { runDir: s.runDir, epoch: 2 });
    proc.end({ type: 'finished', runDir: s.runDir, data: null });
    await sleep(100);
    assert.equal(ofType(p, 'runs').at(-1)?.payload[0].status, 'finished');
  });

  it('stops posting while the panel is hidden, and starts over after the next handshake', async () => {
    queue.enqueue({ kind: 'train', resume: s.runDir });
    proc.emit({ type: 'started', runDir: s.runDir });
    manager.openRun(s.runDir);
    const p = calls.panels[0];
    p.send({ type: 'initialized' });
    p.send({ type: 'request', requestId: 1, kind: 'metrics', params: { runDir: s.runDir } });
    p.setVisible(false);
    proc.run(stepEvent(4, 1, 14));
    await sleep(250);
    assert.deepEqual(ofType(p, 'metricLines'), []);
    p.setVisible(true);
    p.send({ type: 'initialized' });
    proc.run(stepEvent(5, 1, 15));
    await sleep(250);
    assert.deepEqual(ofType(p, 'metricLines'), [], 'nothing until the new webview asks for the metrics');
  });

  it('opens one compare panel per set of runs, and runs from it in their own panels', () => {
    manager.openCompare([s.runDir, other.runDir]);
    manager.openCompare([other.runDir, s.runDir, s.runDir]);
    assert.equal(calls.panels.length, 1);
    const p = calls.panels[0];
    assert.equal(p.title, 'SPT: Compare 2 Runs');
    p.send({ type: 'initialized' });
    assert.equal(ofType(p, 'init')[0].payload.mode, 'compare');
    assert.equal(ofType(p, 'init')[0].payload.runs.length, 2);
    p.send({ type: 'openRun', payload: { runDir: other.runDir } });
    p.send({ type: 'openRun', payload: { runDir: '/etc' } });
    assert.equal(calls.panels.length, 2);
    assert.deepEqual(manager.open()[1].runDirs, [other.runDir]);
    assert.ok(logged.some((l) => /refused to open \/etc/.test(l)));
    p.send({ type: 'openConfig', payload: { runDir: s.runDir } });
    p.dispose();
    assert.deepEqual(
      manager.open().map((o) => o.mode),
      ['run'],
    );
  });

  it('restores panels from their webview state, marking runs that are gone', async () => {
    manager.registerSerializer();
    const serializer = calls.serializers.get('spt.dashboard');
    assert.ok(serializer);
    const gone = path.join(s.root, 'runs', 'synth', '20990101-000000');
    const restored = new FakePanel('spt.dashboard', 'old title');
    await serializer.deserializeWebviewPanel(restored, {
      mode: 'compare',
      runDirs: [s.runDir, gone],
      tab: 'curves',
    });
    assert.equal(restored.webview.options.enableScripts, true);
    restored.send({ type: 'initialized' });
    const runs = ofType(restored, 'init')[0].payload.runs;
    assert.deepEqual(
      runs.map((r) => r.status),
      ['finished', 'unreadable'],
    );
    assert.match(runs[1].error ?? '', /no longer exists/);
    const empty = new FakePanel('spt.dashboard', 'x');
    await serializer.deserializeWebviewPanel(empty, undefined);
    assert.ok(empty.disposed, 'a panel that names no runs is closed');
    const twice = new FakePanel('spt.dashboard', 'y');
    await serializer.deserializeWebviewPanel(twice, { mode: 'compare', runDirs: [gone, s.runDir] });
    assert.ok(twice.disposed && restored.revealed === 1, 'the same set reveals the restored panel');
  });

  it('exports through a save dialog in the run folder, decoding PNG', async () => {
    manager.openRun(s.runDir);
    const p = calls.panels[0];
    p.send({ type: 'initialized' });
    calls.saveTo = Uri.file(path.join(s.runDir, 'loss.png'));
    p.send({ type: 'export', payload: { fileName: 'loss', mime: 'image/png', data: 'iVBORw==' } });
    await sleep(20);
    assert.equal((calls.saveDialogs[0].defaultUri as Uri).fsPath, path.join(s.runDir, 'loss.png'));
    assert.deepEqual(calls.saveDialogs[0].filters, { 'PNG image': ['png'] });
    assert.deepEqual(
      [...(calls.written.get(path.join(s.runDir, 'loss.png')) ?? [])],
      [0x89, 0x50, 0x4e, 0x47],
    );
    calls.saveTo = undefined;
    p.send({ type: 'export', payload: { fileName: 'data.csv', mime: 'text/csv', data: 'a,b' } });
    await sleep(20);
    assert.equal(calls.written.size, 1, 'a cancelled dialog writes nothing');
  });

  it('cleans up: a disposed panel stops listening and the manager forgets it', () => {
    manager.openRun(s.runDir);
    const p = calls.panels[0];
    assert.equal(p.listeners, 1);
    p.dispose();
    assert.equal(p.listeners, 0);
    assert.deepEqual(manager.open(), []);
    manager.openRun(s.runDir);
    assert.equal(calls.panels.length, 2, 'a new panel after the old one closed');
  });
});
