/**
 * The temp workspace the VS Code tests open:
 *   parity/             a copy of test/fixtures/parity (tiny ViT checkpoint, images, split files)
 *   exp/tiny.spt.yaml   the parity experiment (valid, checkpoint and data checked on disk)
 *   exp/bad.spt.yaml    the same with `method: vptt` (one error, at the value)
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
  return { dir, dispose: () => fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 }) };
}
