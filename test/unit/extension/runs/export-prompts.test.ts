/** Export Prompts on a real run: the safetensors reads back, the Python snippet parses. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportPrompts } from '../../../../src/extension/runs/export-prompts';
import { readSafetensors } from '../../../../src/run-folder/tensors/safetensors';
import { cliTrain, hasDist, tinyExperiment, tmpDir } from './helpers';

const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('export prompts', () => {
  before(function () {
    if (!hasDist()) this.skip();
  });

  for (const mode of ['deep', 'shallow'] as const) {
    it(`writes prompts.safetensors and load_prompts.py (${mode})`, function () {
      const runDir = cliTrain(tinyExperiment(tmpDir(), `exp-${mode}`, 2, mode));
      const out = exportPrompts(runDir);
      assert.equal(out.safetensors, path.join(runDir, 'export', 'prompts.safetensors'));
      assert.equal(out.snippet, path.join(runDir, 'export', 'load_prompts.py'));
      assert.equal(out.checkpoint, 'best');
      const { tensors, metadata } = readSafetensors(out.safetensors);
      assert.deepEqual([...tensors.keys()], ['prompts', 'head.weight', 'head.bias']);
      assert.deepEqual(tensors.get('prompts')?.shape, [mode === 'deep' ? 3 : 1, 4, 32]);
      assert.deepEqual(tensors.get('head.weight')?.shape, [5, 32]);
      assert.deepEqual(tensors.get('head.bias')?.shape, [5]);
      assert.equal(metadata.mode, mode);
      assert.equal(metadata.pool, 'cls');
      // Same values as the best checkpoint.
      const best = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints', 'best.json'), 'utf8'));
      const src = readSafetensors(path.join(runDir, 'checkpoints', best.weights)).tensors;
      assert.deepEqual(tensors.get('prompts')?.data, src.get('prompts')?.data);
      const py = fs.readFileSync(out.snippet, 'utf8');
      assert.match(py, /pip install/);
      assert.match(py, /def attach_prompts/);
      if (!hasPython) this.skip();
      const r = spawnSync(
        'python3',
        ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', out.snippet],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 0, r.stderr);
    });
  }

  it('refuses a run without checkpoints', () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'checkpoints'));
    assert.throws(() => exportPrompts(dir), /no checkpoint to export/);
  });
});
