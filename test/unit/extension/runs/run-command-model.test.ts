/** What the run commands decide without asking or showing anything (runs/run-command-model.ts). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  describeView,
  interruptedNotice,
  queueIdOfArg,
  runDirOfArg,
  runEndedMessage,
  runFailedMessage,
  runName,
  runNotificationMessage,
  selectedRunDirs,
  trainingUnderWay,
} from '../../../../src/extension/runs/run-command-model';
import { readRunRecord } from '../../../../src/extension/runs/run-discovery';
import { mergeRun, type RunTreeNode } from '../../../../src/extension/runs/run-tree-model';
import { RUN_FILES } from '../../../../src/run-folder/layout';
import { queueEntry, tmpDir } from './helpers';

const node = (over: Partial<RunTreeNode>): RunTreeNode =>
  ({ kind: 'run', contextValue: 'run', id: 'n', label: 'n', ...over }) as RunTreeNode;

describe('extension: run command model', () => {
  it('finds the run folder and queue entry a command argument names', () => {
    assert.equal(runDirOfArg('/r/cub/1'), '/r/cub/1');
    assert.equal(runDirOfArg({ fsPath: '/r/cub/2', scheme: 'file' }), '/r/cub/2');
    assert.equal(runDirOfArg(node({ runDir: '/r/cub/3' })), '/r/cub/3');
    assert.equal(runDirOfArg({ runDir: '/not/a/node' }), undefined);
    assert.equal(runDirOfArg(undefined), undefined);
    const queue = { byRunDir: (d: string) => (d === '/r/cub/1' ? { id: 'live' } : undefined) };
    assert.equal(queueIdOfArg(queue, node({ queueId: 'q9', runDir: '/r/cub/1' })), 'q9');
    assert.equal(queueIdOfArg(queue, '/r/cub/1'), 'live');
    assert.equal(queueIdOfArg(queue, '/r/other/1'), undefined);
  });

  it('names runs in pick lists and questions, and reads the Runs view selection', () => {
    const queued = mergeRun(undefined, queueEntry({ state: 'queued' }), 0);
    assert.equal(describeView(queued), 'cub · queued');
    assert.equal(describeView({ ...queued, runDir: '/r/cub/20260101-000000' }), 'cub · 20260101-000000');
    assert.equal(runName('/r/cub/20260101-000000'), 'cub/20260101-000000');
    assert.deepEqual(
      selectedRunDirs([
        node({ runDir: '/a' }),
        node({ kind: 'experiment', runDir: '/b' }),
        node({ runDir: '/c' }),
      ]),
      ['/a', '/c'],
    );
    assert.deepEqual(selectedRunDirs(undefined), []);
  });

  it('words the run notification and the message when the run ends', () => {
    assert.equal(runNotificationMessage(queueEntry({ state: 'queued' }), ''), 'queued');
    assert.equal(runNotificationMessage(queueEntry({}), ''), 'starting');
    assert.ok(!trainingUnderWay(queueEntry({ step: 0 })));
    const training = queueEntry({ step: 1 });
    assert.ok(trainingUnderWay(training));
    assert.equal(
      runNotificationMessage(training, 'epoch 0/10 · step 1/40'),
      'epoch 0/10 · step 1/40 · follow it in the status bar',
    );
    assert.equal(
      runEndedMessage(queueEntry({ state: 'finished', testAcc: 0.681, bestValAcc: 0.7 }), 'epoch 10/10'),
      'SPT: cub finished: epoch 10/10 · test 68.1%.',
    );
    assert.equal(
      runEndedMessage(queueEntry({ state: 'finished', bestValAcc: 0.7 }), ''),
      'SPT: cub finished: val 70.0%.',
    );
    assert.equal(
      runEndedMessage(queueEntry({ state: 'stopped' }), ''),
      'SPT: cub stopped at its start; resume it from the Runs view.',
    );
    assert.equal(runEndedMessage(queueEntry({ state: 'failed' }), ''), null);
  });

  it('offers to resume interrupted runs, an old `initialising` run folder among them', () => {
    const runs = tmpDir();
    const legacy = path.join(runs, 'cub', '20240101-000001');
    fs.mkdirSync(path.join(legacy, 'checkpoints'), { recursive: true });
    fs.writeFileSync(
      path.join(legacy, RUN_FILES.events),
      `${JSON.stringify({ type: 'status', t: 1, status: 'initialising', runDir: legacy })}\n`,
    );
    fs.writeFileSync(path.join(legacy, 'checkpoints', 'last.json'), '{}');
    const rec = readRunRecord(legacy);
    assert.equal(rec.status, 'interrupted', 'recorded as created, no process writes it');
    assert.ok(rec.resumable);
    assert.deepEqual(interruptedNotice([rec]), {
      message:
        'SPT: The run cub/20240101-000001 was interrupted (VS Code closed or the trainer died) and can be resumed.',
      runDir: legacy,
    });
    assert.deepEqual(interruptedNotice([rec, { ...rec, runDir: `${legacy}-2` }]), {
      message: 'SPT: 2 runs were interrupted (VS Code closed or the trainer died) and can be resumed.',
    });
    assert.equal(interruptedNotice([{ ...rec, resumable: false }]), null);
    assert.equal(interruptedNotice([{ ...rec, status: 'finished' }]), null);
    assert.equal(
      runFailedMessage(queueEntry({ state: 'failed', message: 'loss is NaN' })),
      'SPT: run cub failed: loss is NaN',
    );
    assert.equal(runFailedMessage(queueEntry({ state: 'failed' })), 'SPT: run cub failed: unknown error');
  });
});
