/** Tiny real experiments for the extension runs tests (the parity fixtures' 3-block ViT). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..', '..', '..');
export const TRAINER = path.join(ROOT, 'dist', 'trainer.js');
const PARITY = path.join(ROOT, 'test', 'fixtures', 'parity');

export function tmpDir(prefix = 'spt-ext-runs-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `<dir>/<name>.spt.yaml` (runs go to `<dir>/runs`). */
export function tinyExperiment(
  dir: string,
  name = 'tiny',
  epochs = 2,
  mode: 'deep' | 'shallow' = 'deep',
): string {
  const f = path.join(dir, `${name}.spt.yaml`);
  fs.writeFileSync(
    f,
    `name: ${name}
seed: 3
backbone:
  arch: {embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 32}
  checkpoint: ${path.join(PARITY, 'timm.pth')}
  pool: cls
data: {root: ${PARITY}, train: images.txt, val: images.txt, test: images.txt, num_classes: 5}
prompt: {method: spt, mode: ${mode}, length: 4, init: mean}
train: {epochs: ${epochs}, warmup_epochs: 1, batch_size: 3, lr: 0.01}
device: {backend: wasm}
analysis: {every_epochs: 0}
output: {dir: ${path.join(dir, 'runs')}}
`,
  );
  return f;
}

/** `spt train file` through the real CLI; returns the run folder it printed. */
export function cliTrain(file: string): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), 'train', file], {
    cwd: path.dirname(file),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`spt train failed (${r.status}): ${r.stderr}`);
  const m = /-> (.+)$/m.exec(`${r.stdout}\n${r.stderr}`);
  if (!m) throw new Error(`no run folder in the output: ${r.stdout}${r.stderr}`);
  return m[1].trim();
}

export function hasDist(): boolean {
  return fs.existsSync(TRAINER) && fs.existsSync(path.join(ROOT, 'dist', 'cli.js'));
}
