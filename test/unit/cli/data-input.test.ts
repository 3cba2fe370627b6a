/**
 * Bad data and weights through the real `spt` command (child processes of bin/spt.js over the built
 * bundle, real files), issue 14: split-list entries outside data.root (#5) and `--weights` that do not
 * fit the experiment, or hold only the prompts and head (#6). Bad input exits 2 with a message naming
 * the file, both values and the fix.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCheckpointFile } from '../../../src/engine/checkpoint/read-checkpoint';
import type { HostTensor } from '../../../src/run-folder/tensors/host-tensor';
import { torchSave } from '../checkpoint/torch-save';

const ROOT = path.join(__dirname, '..', '..', '..');
const EXPERIMENT = path.join(ROOT, 'test', 'fixtures', 'cli', 'parity-deep-mean.spt.yaml');
const PARITY = path.join(ROOT, 'test', 'fixtures', 'parity');
const IMAGES = path.join(PARITY, 'images.txt');

function spt(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-data-input-'));
const predictions = (f: string) =>
  fs
    .readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { image: string; logits: number[] });

/** The parity experiment with data.root at `root` (absolute), written into `dir`. */
function experimentAt(dir: string, root: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'exp.spt.yaml');
  fs.writeFileSync(
    file,
    fs
      .readFileSync(EXPERIMENT, 'utf8')
      .replace(
        'checkpoint: ../parity/timm.pth',
        `checkpoint: ${JSON.stringify(path.join(PARITY, 'timm.pth'))}`,
      )
      .replace('root: ../parity', `root: ${JSON.stringify(root)}`)
      .replace('name: parity-deep-mean', 'name: data-input'),
  );
  return file;
}

describe('spt CLI: data and weights input (issue 14)', () => {
  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('#5 split-list entries outside data.root', () => {
    it('train: exit 2 naming the split file, the lines and data.allow_outside_root; no run folder', () => {
      const dir = path.join(tmp, 'train-outside');
      const root = path.join(dir, 'data');
      fs.mkdirSync(root, { recursive: true });
      const lines = fs.readFileSync(IMAGES, 'utf8').trim().split('\n');
      for (const l of lines) {
        const rel = l.split(' ')[0];
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.copyFileSync(path.join(PARITY, rel), path.join(root, rel));
      }
      const split = path.join(root, 'images.txt');
      fs.writeFileSync(split, [...lines, '../../../../../../etc/passwd 0', '/etc/shadow 1'].join('\n'));
      const exp = experimentAt(dir, root);
      const r = spt(['train', exp]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(`${split}, line 7`), r.stderr);
      assert.match(
        r.stderr,
        /2 entries resolve outside .*line 7 "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd", line 8 "\/etc\/shadow"/,
      );
      assert.match(r.stderr, /data\.allow_outside_root: true/);
      assert.equal(fs.existsSync(path.join(dir, 'runs')), false, 'no run folder was left behind');
    });

    it('predict --images: exit 2 for an entry outside the folder; accepted with data.allow_outside_root: true', () => {
      // The parity images copied elsewhere, listed by absolute path: outside data.root (test/fixtures/parity).
      const elsewhere = path.join(tmp, 'elsewhere');
      fs.mkdirSync(elsewhere);
      const list = path.join(tmp, 'abs-list.txt');
      const abs = fs
        .readFileSync(IMAGES, 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const [rel, label] = l.split(' ');
          const copy = path.join(elsewhere, path.basename(rel));
          fs.copyFileSync(path.join(PARITY, rel), copy);
          return `${copy} ${label}`;
        });
      fs.writeFileSync(list, `${abs.join('\n')}\n`);
      const out = path.join(tmp, 'abs.jsonl');
      const refused = spt(['predict', EXPERIMENT, '--images', list, '--out', out]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /abs-list\.txt, line 1: 6 entries resolve outside/);
      assert.equal(fs.existsSync(out), false);
      const allowed = spt([
        'predict',
        EXPERIMENT,
        '--images',
        list,
        '--out',
        out,
        '--weights',
        path.join(PARITY, 'spt_authors_deep.pth'),
        '--set',
        'data.allow_outside_root=true',
      ]);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(predictions(out).length, 6);
    });
  });

  describe('#6 --weights that do not fit the experiment, and prompt/head-only files', () => {
    const predictWith = (weights: string, ...set: string[]) =>
      spt([
        'predict',
        EXPERIMENT,
        '--images',
        IMAGES,
        '--out',
        path.join(tmp, `${path.basename(weights)}.jsonl`),
        '--weights',
        weights,
        ...set.flatMap((s) => ['--set', s]),
      ]);

    it('another prompt mode: exit 2 naming shallow and deep', () => {
      const w = path.join(PARITY, 'spt_authors_shallow.pth');
      const r = predictWith(w);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(w), r.stderr);
      assert.match(r.stderr, /its prompts are shallow \(1 set\), prompt\.mode is deep \(3 sets\)/);
      assert.match(r.stderr, /--set prompt\.mode=shallow/);
    });

    it('another prompt length: exit 2 naming both (the checkpoint no longer wins silently)', () => {
      const r = predictWith(path.join(PARITY, 'spt_authors_deep.pth'), 'prompt.length=8');
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /it holds 4 prompt tokens per set, prompt\.length is 8/);
    });

    it('another class count: exit 2 (not 1) naming both', () => {
      const r = predictWith(path.join(PARITY, 'spt_authors_deep.pth'), 'data.num_classes=7');
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /its head has 5 classes, data\.num_classes is 7/);
    });

    it("a .pth with only module.prompt_token and module.head.*: accepted, the backbone from the experiment's checkpoint", () => {
      const full = readCheckpointFile(path.join(PARITY, 'spt_authors_deep.pth')).value as Record<
        string,
        unknown
      >;
      const sd = (full.model ?? full) as Record<string, HostTensor>;
      const only = Object.fromEntries(
        Object.entries(sd).filter(([k]) => k === 'module.prompt_token' || k.startsWith('module.head.')),
      );
      assert.deepEqual(Object.keys(only).sort(), [
        'module.head.bias',
        'module.head.weight',
        'module.prompt_token',
      ]);
      const task = path.join(tmp, 'task_only.pth');
      fs.writeFileSync(task, torchSave(only));
      const a = predictWith(task);
      assert.equal(a.code, 0, a.stderr);
      const b = predictWith(path.join(PARITY, 'spt_authors_deep.pth'));
      assert.equal(b.code, 0, b.stderr);
      const [pa, pb] = [
        predictions(path.join(tmp, 'task_only.pth.jsonl')),
        predictions(path.join(tmp, 'spt_authors_deep.pth.jsonl')),
      ];
      assert.equal(pa.length, 6);
      assert.deepEqual(pa, pb, 'the same logits as the full authors checkpoint');
    });
  });
});
