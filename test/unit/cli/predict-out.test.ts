/**
 * `spt predict --out F` never destroys an input (issue 14, item 1): real child processes of
 * bin/spt.js on a copy of the parity fixture. F is refused (exit 2, the file untouched) when it is
 * the images list, a listed image, the experiment file, a checkpoint, a folder, or an existing file
 * that is not an earlier predictions file; --force overrides only the last case; the write is atomic.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPredictionsLine, sniffInput } from '../../../src/engine/predict/output-guard';

const ROOT = path.join(__dirname, '..', '..', '..');
const PARITY = path.join(ROOT, 'test', 'fixtures', 'parity');

function spt(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A private copy of the parity experiment: data, checkpoint and experiment file in one folder. */
function workspace() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-predict-out-'));
  const data = path.join(dir, 'data');
  fs.cpSync(path.join(PARITY, 'images'), path.join(data, 'images'), { recursive: true });
  fs.copyFileSync(path.join(PARITY, 'images.txt'), path.join(data, 'images.txt'));
  fs.copyFileSync(path.join(PARITY, 'timm.pth'), path.join(dir, 'timm.pth'));
  fs.copyFileSync(path.join(PARITY, 'case_deep_mean.safetensors'), path.join(dir, 'weights.safetensors'));
  const experiment = path.join(dir, 'exp.spt.yaml');
  fs.writeFileSync(
    experiment,
    `name: out-guard
seed: 0
backbone:
  arch: {embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 32}
  checkpoint: ./timm.pth
  pool: mean
data: {format: vtab, root: ./data, train: images.txt, num_classes: 5}
prompt: {method: vpt, mode: deep, length: 4, init: xavier}
device: {backend: wasm}
`,
  );
  const images = path.join(data, 'images.txt');
  const weights = path.join(dir, 'weights.safetensors');
  const predict = (out: string, ...extra: string[]) =>
    spt(['predict', experiment, '--images', images, '--weights', weights, '--out', out, ...extra]);
  return { dir, data, experiment, images, weights, predict };
}

/** Asserts a refusal: exit 2, the --out path and the reason named, the file's bytes unchanged. */
function assertRefused(r: ReturnType<typeof spt>, file: string, before: Buffer | null, reason: RegExp): void {
  assert.equal(r.code, 2, `exit 2, got ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, /--out /);
  assert.match(r.stderr, reason);
  assert.match(r.stderr, /usage: spt predict /, 'the usage line of the command');
  if (before) assert.deepEqual(fs.readFileSync(file), before, `${file} is untouched`);
}

describe('spt predict --out: never replaces an input (issue 14 item 1)', () => {
  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
  });

  it('refuses the images list, a listed image, the experiment file and the checkpoints, even with --force', () => {
    const w = workspace();
    const img = path.join(w.data, 'images', 'img_3.png');
    const cases: [string, RegExp][] = [
      [w.images, /the --images list/],
      [img, /an image of the --images list \(images\/img_3\.png\)/],
      [w.experiment, /the experiment file/],
      [w.weights, /the --weights checkpoint/],
      [path.join(w.dir, 'timm.pth'), /the backbone checkpoint/],
    ];
    for (const [file, reason] of cases) {
      const before = fs.readFileSync(file);
      assertRefused(w.predict(file), file, before, reason);
      assertRefused(w.predict(file, '--force'), file, before, reason);
    }
    // The same files under another name: a symlink and a relative spelling.
    const link = path.join(w.dir, 'link.jsonl');
    fs.symlinkSync(w.images, link);
    assertRefused(w.predict(link), w.images, fs.readFileSync(w.images), /the --images list/);
    const rel = path.relative(ROOT, img);
    assertRefused(w.predict(rel, '--force'), img, fs.readFileSync(img), /an image of the --images list/);
  });

  it('refuses a folder with a clear message instead of a raw EISDIR', () => {
    const w = workspace();
    const r = w.predict(w.data);
    assertRefused(r, w.data, null, /is a folder/);
    assert.doesNotMatch(r.stderr, /EISDIR/);
    assert.match(r.stderr, /fix: name a file in it/);
  });

  it('refuses an existing file that is not a predictions file unless --force; images never', () => {
    const w = workspace();
    const notes = path.join(w.dir, 'notes.txt');
    fs.writeFileSync(notes, 'my notes\n');
    assertRefused(w.predict(notes), notes, Buffer.from('my notes\n'), /not a predictions file/);
    assert.match(w.predict(notes).stderr, /add --force to replace it/);
    // A training image copied elsewhere is recognised by its bytes: --force does not replace it.
    const png = path.join(w.dir, 'copy.png');
    fs.copyFileSync(path.join(w.data, 'images', 'img_0.png'), png);
    assertRefused(w.predict(png, '--force'), png, fs.readFileSync(png), /holds a PNG image/);
    // --force replaces the notes with predictions.
    const forced = w.predict(notes, '--force');
    assert.equal(forced.code, 0, forced.stderr);
    const lines = fs.readFileSync(notes, 'utf8').trim().split('\n');
    assert.equal(lines.length, 6);
    assert.ok(lines.every(isPredictionsLine));
  });

  it('replaces an earlier predictions file without --force, atomically', () => {
    const w = workspace();
    const out = path.join(w.dir, 'preds.jsonl');
    const first = w.predict(out);
    assert.equal(first.code, 0, first.stderr);
    const written = fs.readFileSync(out, 'utf8');
    // A run killed halfway through writing leaves the earlier file whole.
    const crash = spt(
      ['predict', w.experiment, '--images', w.images, '--out', out, '--set', 'prompt.length=2'],
      { SPT_TEST_FAULT: 'write:*preds.jsonl:data@1:kill' },
    );
    assert.equal(crash.signal, 'SIGKILL', crash.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), written, 'the earlier predictions are whole');
    // Other predictions replace it without --force.
    const other = spt([
      'predict',
      w.experiment,
      '--images',
      w.images,
      '--out',
      out,
      '--set',
      'prompt.length=2',
    ]);
    assert.equal(other.code, 0, other.stderr);
    assert.notEqual(fs.readFileSync(out, 'utf8'), written);
  });

  it('recognises predictions lines, images and checkpoints by their bytes', () => {
    assert.ok(isPredictionsLine('{"image":"a.png","logits":[0.1,-2],"pred":0}'));
    assert.ok(!isPredictionsLine('{"image":"a.png","logits":[0.1],"pred":0,"extra":1}'));
    assert.ok(!isPredictionsLine('images/img_0.png 0'));
    assert.ok(!isPredictionsLine(''));
    const head = (f: string) => fs.readFileSync(f).subarray(0, 16);
    assert.equal(sniffInput(head(path.join(PARITY, 'images', 'img_0.png'))), 'a PNG image');
    assert.match(sniffInput(head(path.join(PARITY, 'timm.pth'))) ?? '', /ZIP/);
    assert.match(sniffInput(head(path.join(PARITY, 'case_deep_mean.safetensors'))) ?? '', /safetensors/);
    assert.equal(sniffInput(Buffer.from('{"image":"a.png","logits":[1],"pred":0}')), null);
    assert.equal(sniffInput(Buffer.from('BMW notes, plain text')), null);
  });
});
