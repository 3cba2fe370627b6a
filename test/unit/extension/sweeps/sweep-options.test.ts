/** Run Sweep's pure part (sweeps/sweep-options.ts): sweep files, the sweep's folder, how it ended. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSweepFile, sweepEndMessage, sweepFolder } from '../../../../src/extension/sweeps/sweep-options';

describe('extension: sweep options', () => {
  it('knows sweep files by their name', () => {
    assert.ok(isSweepFile('/w/lr.sweep.yaml'));
    assert.ok(isSweepFile('/w/LR.Sweep.YML'));
    assert.ok(!isSweepFile('/w/cub.spt.yaml'));
  });

  it("puts the sweep under its experiment's output.dir, named by the file or its name:", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-sweep-folder-'));
    try {
      fs.writeFileSync(path.join(dir, 'cub.spt.yaml'), 'name: cub\noutput:\n  dir: out\n');
      const named = path.join(dir, 'lr.sweep.yaml');
      fs.writeFileSync(named, 'name: lr-grid\nexperiment: cub.spt.yaml\n');
      assert.deepEqual(sweepFolder(named), {
        name: 'lr-grid',
        dir: path.join(dir, 'out', 'sweeps', 'lr-grid'),
      });
      const unnamed = path.join(dir, 'seeds.sweep.yaml');
      fs.writeFileSync(unnamed, 'experiment: cub.spt.yaml\n');
      assert.deepEqual(sweepFolder(unnamed), {
        name: 'seeds',
        dir: path.join(dir, 'out', 'sweeps', 'seeds'),
      });
      // Broken YAML or no experiment: the name from the file, no folder (the CLI reports the file).
      const broken = path.join(dir, 'bad.sweep.yaml');
      fs.writeFileSync(broken, 'name: [\n');
      assert.deepEqual(sweepFolder(broken), { name: 'bad', dir: null });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how the sweep ended: stopped, done, done with failed runs; other exits are errors', () => {
    assert.deepEqual(sweepEndMessage('lr', { aborted: true, code: 130 }), {
      level: 'info',
      text: 'SPT: sweep lr stopped; run it again to continue.',
      actions: [],
    });
    assert.equal(sweepEndMessage('lr', { aborted: false, code: 0 })?.text, 'SPT: sweep lr done.');
    assert.deepEqual(sweepEndMessage('lr', { aborted: false, code: 1 })?.actions, [
      'Open Results',
      'Show Logs',
    ]);
    assert.equal(sweepEndMessage('lr', { aborted: false, code: 1 })?.level, 'warning');
    assert.equal(sweepEndMessage('lr', { aborted: false, code: 2 }), null);
  });
});
