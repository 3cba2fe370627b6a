/**
 * Run folders written by trying the examples (output.dir, default `runs/` beside the experiment file),
 * and the CUB example's downloaded dataset and checkpoint, stay out of git and out of the .vsix: checked
 * with git's own `check-ignore` against the real .gitignore and with vsce's own file listing against the
 * real .vscodeignore.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Files that trying the examples creates (none of them may be committed or packaged). */
const GENERATED = [
  'examples/runs/cub-spt-deep/20260101-120000/summary.json',
  'examples/runs/cub-spt-deep/20260101-120000/checkpoints/last.safetensors',
  'examples/default/runs/default-spt-random/20260101-120000/metrics.jsonl',
  'examples/default/runs/results.md',
  'examples/default/runs/sweeps/default/lr=0.05/seed=0/default-spt-random/20260101-120000/summary.json',
  'examples/templates/runs/spt-deep/20260101-120000/config.yaml',
  'examples/default/data/images/bag/0.png',
  'examples/study/runs/x/20260101-120000/summary.json',
  'examples/data/CUB_200_2011/images.txt',
  'examples/checkpoints/mae_pretrain_vit_base.pth',
];

/** Files of the repository that must stay visible to git and in the .vsix. */
const SHIPPED = [
  'examples/cub-spt-deep.spt.yaml',
  'examples/default/default.spt.yaml',
  'examples/default/default.sweep.yaml',
  'examples/default/methods.sweep.yaml',
  'examples/default/backbone/mae_vit_fashion_d64h4.safetensors',
  'examples/default/dataset/images-idx3-ubyte.gz',
  'examples/default/dataset/labels-idx1-ubyte.gz',
  'examples/default/dataset/split.json',
  'examples/templates/spt-deep.spt.yaml',
];

describe('run folders under examples/ (issue 14, item 26)', () => {
  it('are ignored by git, and the shipped example files are not', () => {
    const r = spawnSync(
      'git',
      ['check-ignore', '--no-index', '--verbose', '--non-matching', ...GENERATED, ...SHIPPED],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    assert.ok(r.status === 0 || r.status === 1, `git check-ignore failed: ${r.stderr}`);
    // --verbose --non-matching: "<source>:<line>:<pattern>\t<path>", with an empty source for a path not ignored.
    const ignored = new Map<string, string>();
    for (const line of r.stdout.trim().split('\n')) {
      const [rule, file] = line.split('\t');
      if (rule !== '::') ignored.set(file, rule);
    }
    for (const f of GENERATED) assert.ok(ignored.has(f), `${f} is not git-ignored: it could be committed`);
    for (const f of SHIPPED) assert.ok(!ignored.has(f), `${f} is git-ignored by ${ignored.get(f)}`);
  });

  it('are left out of the .vsix by .vscodeignore (vsce lists the files it would pack)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-vscodeignore-'));
    try {
      for (const f of [...GENERATED, ...SHIPPED, 'package.json']) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), 'x');
      }
      // vsce's own listing (the one `vsce package` zips), with the repository's .vscodeignore.
      const { listFiles } = require('@vscode/vsce/out/package') as {
        listFiles(o: {
          cwd: string;
          manifest: object;
          dependencies: boolean;
          ignoreFile: string;
        }): Promise<string[]>;
      };
      const packed = await listFiles({
        cwd: dir,
        manifest: { name: 'x', publisher: 'x', version: '0.0.0', engines: { vscode: '^1.100.0' } },
        dependencies: false,
        ignoreFile: path.join(ROOT, '.vscodeignore'),
      });
      const leaked = packed.filter((f) => GENERATED.includes(f));
      assert.deepEqual(leaked, [], `.vscodeignore lets these into the .vsix: ${leaked.join(', ')}`);
      for (const f of SHIPPED) assert.ok(packed.includes(f), `${f} is left out of the .vsix`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
