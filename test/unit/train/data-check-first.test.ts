/**
 * A data check that fails (a bad label, a missing image, too few images for one batch) stops `spt train` with exit 2 before the run
 * folder is created: no `runs/<name>/<time>/` is left behind to show up as a failed run. Real
 * `spt train` processes on a copy of the parity fixtures.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PARITY_DIR } from '../../helpers/parity-fixtures';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';
import { hasDist, removeScratch, spt, tmpDir } from '../reliability/harness';

/** An experiment on a copy of the parity images whose training split is `trainLines`. */
function experimentWithTrainSplit(trainLines: string[]): { file: string; runs: string } {
  const dir = tmpDir('spt-datacheck-');
  const root = path.join(dir, 'data');
  fs.cpSync(path.join(PARITY_DIR, 'images'), path.join(root, 'images'), { recursive: true });
  fs.copyFileSync(path.join(PARITY_DIR, 'images.txt'), path.join(root, 'images.txt'));
  fs.writeFileSync(path.join(root, 'train.txt'), `${trainLines.join('\n')}\n`);
  const file = writeTinyExperiment(dir, {
    name: 'datacheck',
    seed: 0,
    pool: 'cls',
    init: 'random',
    train: '{epochs: 1, warmup_epochs: 0, batch_size: 2, lr: 0.01}',
    analysis: '{every_epochs: 0}',
    outputDir: './runs',
  });
  fs.writeFileSync(
    file,
    fs
      .readFileSync(file, 'utf8')
      .replace(/data: \{root: [^,]+, train: images\.txt/, 'data: {root: ./data, train: train.txt'),
  );
  return { file, runs: path.join(dir, 'runs') };
}

describe('a failed data check leaves no run folder', function () {
  this.timeout(120_000);
  before(function () {
    if (!hasDist()) this.skip();
  });
  after(removeScratch);

  const good = ['images/img_0.png 0', 'images/img_1.png 1', 'images/img_2.png 2'];
  for (const [what, lines, message] of [
    ['a label out of range', [...good, 'images/img_3.png 7'], /train\.txt, line 4: label 7 is out of range/],
    ['a missing image', [...good, 'images/missing.png 3'], /missing\.png/],
    [
      'fewer training images than one batch',
      ['images/img_0.png 0'],
      /1 training images do not fill one batch of 2 \(train\.batch_size\)\n {2}fix: lower train\.batch_size/,
    ],
  ] as const) {
    it(`${what}: exit 2 naming the file, and no runs/<name>/<time>/ folder`, async () => {
      const { file, runs } = experimentWithTrainSplit([...lines]);
      const r = await spt(['train', file]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(
        fs.existsSync(runs),
        false,
        `a run folder was left: ${fs.existsSync(runs) ? fs.readdirSync(runs) : ''}`,
      );
    });
  }

  it('the same experiment with good data trains into a run folder (the check is not vacuous)', async () => {
    const { file, runs } = experimentWithTrainSplit([...good, 'images/img_3.png 3']);
    const r = await spt(['train', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readdirSync(path.join(runs, 'datacheck')).length, 1);
  });
});
