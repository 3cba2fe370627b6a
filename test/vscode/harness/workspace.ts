/**
 * The temp workspace the VS Code tests open:
 *   parity/             a copy of test/fixtures/parity (tiny ViT checkpoint, images, split files)
 *   exp/tiny.spt.yaml   the parity experiment (valid, checkpoint and data checked on disk)
 *   exp/bad.spt.yaml    the same with `method: vptt` (one error, at the value)
 *   exp/train-tiny.spt.yaml  the same, trainable: 2 epochs, batch 4 (finishes in seconds)
 *   exp/long.spt.yaml        the same with 200 epochs (for Stop)
 *   exp/long-kill.spt.yaml   the same with 200 epochs (for a trainer killed from outside)
 *   exp/ui-run.spt.yaml      the same with 40 epochs (the UI scenario watches it progress, about 10 s)
 *   exp/ui-long.spt.yaml     the same with 400 epochs (the UI scenario stops and resumes it)
 *   exp/ui-live.spt.yaml     the same with 20000 epochs (the dashboard scenario watches its curve grow, then stops it)
 *   exp/ui-progress.spt.yaml the same with 20000 epochs (the progress scenario reads every place that shows it, then stops it)
 *   exp/ui-sweep.spt.yaml, exp/ui-sweep.sweep.yaml  150 epochs, a sweep over two learning rates (the sweep scenario)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './code-server';

export const PARITY_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'parity');
export const TINY_EXPERIMENT = path.join(REPO_ROOT, 'test', 'fixtures', 'cli', 'parity-deep-mean.spt.yaml');

export interface TestWorkspace {
  dir: string;
  dispose(): void;
}

export function createTestWorkspace(): TestWorkspace {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-vscode-ws-'));
  const dir = path.join(root, 'workspace');
  fs.cpSync(PARITY_FIXTURES, path.join(dir, 'parity'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'exp'));
  const tiny = fs.readFileSync(TINY_EXPERIMENT, 'utf8');
  if (!/^ {2}method: vpt$/m.test(tiny)) throw new Error(`${TINY_EXPERIMENT} no longer has '  method: vpt'`);
  fs.writeFileSync(path.join(dir, 'exp', 'tiny.spt.yaml'), tiny);
  fs.writeFileSync(
    path.join(dir, 'exp', 'bad.spt.yaml'),
    tiny.replace(/^name: .*$/m, 'name: bad').replace(/^ {2}method: vpt$/m, '  method: vptt'),
  );
  // tiny.spt.yaml keeps the default batch of 32, more than its 5 training images: trainable variants.
  const trainable = (name: string, epochs: number) =>
    `${tiny.replace(/^name: .*$/m, `name: ${name}`).trimEnd()}\ntrain:\n  epochs: ${epochs}\n  warmup_epochs: 0\n  batch_size: 4\n`;
  fs.writeFileSync(path.join(dir, 'exp', 'train-tiny.spt.yaml'), trainable('train-tiny', 2));
  fs.writeFileSync(path.join(dir, 'exp', 'long.spt.yaml'), trainable('long', 200));
  fs.writeFileSync(path.join(dir, 'exp', 'long-kill.spt.yaml'), trainable('long-kill', 200));
  fs.writeFileSync(path.join(dir, 'exp', 'ui-run.spt.yaml'), trainable('ui-run', 40));
  fs.writeFileSync(path.join(dir, 'exp', 'ui-long.spt.yaml'), trainable('ui-long', 400));
  fs.writeFileSync(path.join(dir, 'exp', 'ui-live.spt.yaml'), trainable('ui-live', 20_000));
  fs.writeFileSync(path.join(dir, 'exp', 'ui-progress.spt.yaml'), trainable('ui-progress', 20_000));
  // A two-setting sweep of a 150-epoch experiment (the sweep scenario watches its runs, then compares them;
  // 30 epochs ended in about a second each on idle cores, between two looks at the Runs view).
  fs.writeFileSync(path.join(dir, 'exp', 'ui-sweep.spt.yaml'), trainable('ui-sweep', 150));
  fs.writeFileSync(
    path.join(dir, 'exp', 'ui-sweep.sweep.yaml'),
    'experiment: ./ui-sweep.spt.yaml\ngrid:\n  train.lr: [0.01, 0.1]\n',
  );
  return { dir, dispose: () => fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 }) };
}
