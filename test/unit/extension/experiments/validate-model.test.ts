/** Validate Experiment's verdict on `spt validate`'s output (experiments/validate-model.ts). */
import * as assert from 'node:assert/strict';
import { validateVerdict } from '../../../../src/extension/experiments/validate-model';

describe('extension: validate model', () => {
  const file = '/w/exp/cub.spt.yaml';

  it('a valid file: the CLI line without the path, and the count of warnings', () => {
    assert.deepEqual(
      validateVerdict(file, { code: 0, stdout: `${file}: ok (spt, 10 epochs)\n`, stderr: '' }),
      {
        ok: true,
        message: 'SPT: cub.spt.yaml is valid: ok (spt, 10 epochs)',
      },
    );
    const warned = validateVerdict(file, {
      code: 0,
      stdout: `${file}: ok\n`,
      stderr: `${file}:3:1: warning: a\n${file}:4:1: warning: b\n`,
    });
    assert.equal(warned.message, 'SPT: cub.spt.yaml is valid: ok (2 warnings)');
  });

  it('an invalid file: the problems without their positions, the first three in the message', () => {
    const errors = [1, 2, 3, 4].map((n) => `${file}:${n}:5: error: problem ${n}`).join('\n');
    const v = validateVerdict(file, { code: 1, stdout: '', stderr: errors });
    assert.equal(v.ok, false);
    assert.ok(!v.ok && v.problems.length === 4);
    assert.equal(v.message, 'SPT: cub.spt.yaml has 4 problems: problem 1; problem 2; problem 3');
    assert.equal(
      validateVerdict(file, { code: 2, stdout: '', stderr: 'crashed' }).message,
      'SPT: cub.spt.yaml has some problems',
    );
    assert.equal(
      validateVerdict(file, { code: 1, stdout: '', stderr: `${file}:1:1: error: one` }).message,
      'SPT: cub.spt.yaml has 1 problem: one',
    );
  });
});
