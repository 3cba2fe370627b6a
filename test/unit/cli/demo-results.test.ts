/**
 * The results `npm start` prints (issue 14, item 23): besides mean ± std per method, the text says what
 * a researcher needs to read it: chance level, split sizes, that test accuracy is taken at the epoch
 * chosen on val, that ± is a sample standard deviation over the seeds, and where the numbers are discussed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type DemoRun,
  meanStd,
  pairedDifference,
  pairedDifferences,
  resultsNotes,
  resultsTable,
} from '../../../src/cli/demo/results-table';

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

describe('spt demo: paired differences against VPT-deep (issue 17)', () => {
  it('pairs by seed and gives the t interval (hand-computed)', () => {
    // diffs 2, 4, 6 points: mean 4, sample std 2, t(0.975, 2) = 4.303, half-width 4.303 * 2 / sqrt(3) = 4.969
    const d = pairedDifference(
      new Map([
        [0, 0.72],
        [1, 0.74],
        [2, 0.76],
        [9, 0.5],
      ]),
      new Map([
        [0, 0.7],
        [1, 0.7],
        [2, 0.7],
      ]),
    );
    assert.ok(d);
    assert.equal(d.n, 3);
    assert.deepEqual(
      d.diffs.map((x) => Number(x.toFixed(6))),
      [2, 4, 6],
    );
    assert.ok(Math.abs(d.mean - 4) < 1e-9);
    assert.ok(Math.abs(d.lo - (4 - 4.969)) < 1e-3 && Math.abs(d.hi - (4 + 4.969)) < 1e-3, `${d.lo} ${d.hi}`);
    assert.equal(pairedDifference(new Map([[0, 0.7]]), new Map([[0, 0.6]])), null);
  });

  it('prints one row per prompt method, linear and the baseline left out', () => {
    const runs: DemoRun[] = [];
    for (const seed of [0, 1, 2]) {
      runs.push({ ...run('linear probe', seed, 0.7, 0.7), variant: 'linear' });
      runs.push({ ...run('VPT-deep (xavier)', seed, 0.7, 0.7), variant: 'vpt' });
      runs.push({ ...run('SPT-deep (random)', seed, 0.7 + 0.02 * seed, 0.7), variant: 'spt-random' });
    }
    const text = pairedDifferences(runs, 'vpt') ?? '';
    const rows = text.split('\n').filter((l) => l.startsWith('| SPT') || l.startsWith('| linear'));
    assert.equal(rows.length, 1);
    assert.match(
      rows[0],
      /SPT-deep \(random\) − VPT-deep \(xavier\) \| \+0\.0, \+2\.0, \+4\.0 \| \+2\.0 \| \[-3\.0, \+7\.0\]/,
    );
    assert.equal(
      pairedDifferences(
        runs.filter((r) => r.variant !== 'vpt'),
        'vpt',
      ),
      null,
    );
  });
});
