/** Which folders hold runs, from what the workspace search found (runs/runs-folders.ts), on real folders. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runsFoldersOf } from '../../../../src/extension/runs/runs-folders';
import { RUN_FILES } from '../../../../src/run-folder/layout';
import { SWEEP_STATE_FILE } from '../../../../src/shared/sweep-state';
import { tmpDir } from './helpers';

const write = (file: string, text = '{}') => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
};

describe('extension: runs folders', () => {
  it("every workspace folder's runs/, the runs folders of runs found, sweeps' and experiments' output.dir", () => {
    const ws = tmpDir();
    const own = write(path.join(ws, 'elsewhere', 'cub', '20240101-000001', RUN_FILES.summary));
    const sweep = path.join(ws, 'out', 'sweeps', 'lr');
    write(path.join(sweep, SWEEP_STATE_FILE));
    const swept = write(
      path.join(sweep, 'task', 'lr=0.1', 'seed=1', 'cub', '20240101-000002', RUN_FILES.events),
    );
    const notARun = write(path.join(ws, 'misc', 'a', 'b', RUN_FILES.summary));
    const experiment = write(path.join(ws, 'exp', 'cub.spt.yaml'), 'name: cub\noutput:\n  dir: ../results\n');
    const broken = write(path.join(ws, 'exp', 'bad.spt.yaml'), 'name: [\n');
    assert.deepEqual(
      runsFoldersOf({
        workspaceFolders: [ws],
        runFiles: [own, swept, notARun],
        experimentFiles: [experiment, broken],
      }).sort(),
      [
        path.join(ws, 'runs'),
        path.join(ws, 'elsewhere'),
        path.join(ws, 'out'),
        path.join(ws, 'results'),
      ].sort(),
    );
  });
});
