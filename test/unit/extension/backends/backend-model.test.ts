/** The pure part of the backend commands (backends/backend-model.ts), on the real package.json. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  backendEnv,
  backendPackages,
  doctorReportOf,
  outputLines,
} from '../../../../src/extension/backends/backend-model';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

describe('extension: backend model', () => {
  it('offers the GPU backend first, then the CPU one, from package.json optionalDependencies', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const offered = backendPackages(pkg.optionalDependencies ?? {});
    assert.deepEqual(
      offered.map((p) => p.label),
      ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
    );
    for (const p of offered) {
      assert.equal(p.spec, `${p.label}@${pkg.optionalDependencies[p.label]}`);
      assert.ok(p.detail.length > 10, p.label);
    }
    assert.deepEqual(backendPackages({ 'left-pad': '1' }), []);
  });

  it('unwraps the doctor answer, points it at installed backends, and splits npm output', () => {
    const report = { backends: [] };
    assert.equal(doctorReportOf(report), report);
    assert.equal(doctorReportOf({ type: 'result', data: report }), report);
    assert.equal(doctorReportOf(null), null);
    assert.equal(backendEnv([]), undefined);
    assert.deepEqual(backendEnv(['/a', '/b']), { SPT_BACKEND_DIRS: ['/a', '/b'].join(path.delimiter) });
    assert.deepEqual(outputLines('added 3 packages\n\n  \nok\n'), ['added 3 packages', 'ok']);
  });
});
