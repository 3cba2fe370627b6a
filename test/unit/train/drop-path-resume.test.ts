/**
 * train.drop_path through the trainer: the masks change the run, and a run stopped mid-epoch resumes
 * to exactly the numbers of the uninterrupted one (the masks are keyed by seed, epoch and step).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../../src/config/load-config';
import { trainExperiment } from '../../../src/engine/train/train-run';
import { readJsonl } from '../../../src/run-folder/run-folder';
import { savedRunConfig } from '../../../src/run-folder/run-resume';
import type { MetricLine, RunEvent } from '../../../src/shared/run-events';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

function experiment(dir: string, dropPath: number): string {
  return writeTinyExperiment(dir, {
    name: 'drop',
    seed: 5,
    pool: 'mean',
    init: 'random',
    train: `{epochs: 3, warmup_epochs: 1, batch_size: 2, lr: 0.05, drop_path: ${dropPath}}`,
    analysis: '{every_epochs: 0}',
    outputDir: path.join(dir, 'runs'),
  });
}

const comparable = (m: MetricLine[]) =>
  m.map(({ epoch, step, split, loss, acc, lr }) => ({ epoch, step, split, loss, acc, lr }));

async function trainAll(dropPath: number): Promise<MetricLine[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-drop-'));
  const { runDir } = await trainExperiment(loadExperiment(experiment(dir, dropPath)));
  return readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
}

describe('train.drop_path in a run', function () {
  this.timeout(300_000);

  it('changes the training numbers (rate 0.5 vs 0), and resumes exactly after a mid-epoch stop', async () => {
    const reference = await trainAll(0.5);
    const none = await trainAll(0);
    const trainLoss = (m: MetricLine[]) => m.filter((x) => x.split === 'train').map((x) => x.loss);
    assert.equal(trainLoss(reference).length, 9);
    assert.notDeepEqual(trainLoss(reference), trainLoss(none), 'the masks change the run');

    // stop after the 4th step (epoch 1, step 1 of 3), then resume from the saved checkpoint
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-drop-stop-'));
    const control = { stop: false };
    let steps = 0;
    const first = await trainExperiment(loadExperiment(experiment(dir, 0.5)), {
      control,
      onEvent: (e: RunEvent) => {
        if (e.type === 'step' && ++steps === 4) control.stop = true;
      },
    });
    assert.equal(first.summary.status, 'stopped');
    const stoppedAt = readJsonl<MetricLine>(path.join(first.runDir, 'metrics.jsonl'));
    assert.ok(stoppedAt.filter((m) => m.split === 'train').length < 9, 'stopped before the end');
    const resumed = await trainExperiment(savedRunConfig(first.runDir), { resumeDir: first.runDir });
    assert.equal(resumed.summary.status, 'finished');
    const after = readJsonl<MetricLine>(path.join(first.runDir, 'metrics.jsonl'));
    assert.deepEqual(comparable(after), comparable(reference));
  });
});
