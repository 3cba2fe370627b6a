/**
 * The results `npm start` prints (issue 14, item 23): besides mean ± std per method, the text says what
 * a researcher needs to read it: chance level, split sizes, that test accuracy is taken at the epoch
 * chosen on val, that ± is a sample standard deviation over the seeds, and where the numbers are discussed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DemoRun, meanStd, resultsNotes, resultsTable } from '../../../src/cli/demo/results-table';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function run(label: string, seed: number, test: number, val: number): DemoRun {
  return {
    variant: label,
    label,
    seed,
    runDir: `/runs/${label}/${seed}`,
    summary: {
      status: 'finished',
      name: `default-${label}-s${seed}`,
      method: 'spt',
      best_epoch: 7,
      val_acc: val,
      test_acc: test,
      trainable_params: 2698,
      total_params: 216266,
      backend: 'wasm',
      images_per_sec: 140,
      wall_seconds: 85,
      seed,
      epochs_completed: 10,
      skipped_images: 0,
    },
  };
}

describe('spt demo results (issue 14, item 23)', () => {
  const runs = [
    run('linear probe', 0, 0.159, 0.185),
    run('linear probe', 1, 0.17, 0.2),
    run('linear probe', 2, 0.178, 0.21),
    run('SPT-deep (mean)', 0, 0.169, 0.19),
    run('SPT-deep (mean)', 1, 0.16, 0.18),
  ];
  const ctx = { numClasses: 10, split: { train: 800, val: 200, test: 1000 }, valSource: 'file' as const };

  it('the table gives mean ± sample std per method and how many seeds each row has', () => {
    const table = resultsTable(runs);
    const { mean, std } = meanStd([15.9, 17, 17.8]);
    assert.ok(Math.abs(std - 0.9539) < 1e-3, `sample std (n - 1), got ${std}`);
    const linear = table.split('\n').find((l) => l.startsWith('| linear probe'));
    assert.ok(linear, table);
    assert.match(linear, new RegExp(`\\| ${mean.toFixed(1)} ± ${std.toFixed(1)} `));
    assert.match(linear, /\| 3 +\|$/);
    assert.match(table.split('\n').find((l) => l.startsWith('| SPT-deep')) ?? '', /\| 2 +\|$/);
  });

  it('the notes state chance, split sizes, test at the val-chosen epoch, ± as a sample std over seeds, docs/RESULTS.md', () => {
    const notes = resultsNotes(runs, ctx);
    assert.match(notes, /^Chance: 10\.0 % \(10 classes\)\./m);
    assert.match(notes, /Splits: 800 train, 200 val, 1000 test images\./);
    assert.match(notes, /test acc: .*the epoch that had the best val acc \(chosen on val, never on test\)/);
    assert.match(
      notes,
      /mean and sample standard deviation \(n - 1\) over the runs of a row, one per seed \(seeds 0, 1, 2;/,
    );
    const doc = /docs\/RESULTS\.md/.exec(notes)?.[0];
    assert.ok(doc && fs.existsSync(path.join(ROOT, doc)), 'the notes point to docs/RESULTS.md, which exists');
  });

  it('the notes follow the data: another class count, a held-out val split, no test split', () => {
    const notes = resultsNotes(runs, {
      numClasses: 200,
      split: { train: 5395, val: 599, test: null },
      valSource: 'held-out',
    });
    assert.match(notes, /Chance: 0\.5 % \(200 classes\)/);
    assert.match(notes, /5395 train, 599 val \(held out of train\), no test images/);
  });
});
