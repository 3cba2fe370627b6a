/**
 * `spt validate` as users run it (child processes of bin/spt.js over the built bundle): the editor's
 * validation, file checks included (issue 14 item 8): the same codes, positions and messages as the
 * language service, `--no-files` and `--json`. Also the command-line side of items 7 (every problem at
 * once), 9 (numeric ranges: validate and train agree, exit 2) and 16 (deeply nested YAML).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { validate } from '../../../src/server/language-service';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURE = fs.readFileSync(
  path.join(ROOT, 'test', 'fixtures', 'cli', 'parity-deep-mean.spt.yaml'),
  'utf8',
);
const PARITY = path.join(ROOT, 'test', 'fixtures', 'parity');

function spt(args: string[], cwd = ROOT) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

interface Entry {
  severity: string;
  code: string;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  override?: string;
}

describe('spt validate: one validation with the editor (issue 14, item 8)', () => {
  let dir: string;
  /** The parity experiment, in a folder of its own, pointing at a checkpoint and a data root that do not exist. */
  let missing: string;
  let good: string;

  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-validate-'));
    missing = path.join(dir, 'missing.spt.yaml');
    fs.writeFileSync(
      missing,
      FIXTURE.replace('../parity/timm.pth', './nowhere/vit.pth').replace(
        'root: ../parity',
        'root: ./no-data',
      ),
    );
    good = path.join(dir, 'good.spt.yaml');
    fs.writeFileSync(good, FIXTURE.replaceAll('../parity', PARITY));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports a missing checkpoint and data root, exit 2 (it said "ok" before)', () => {
    const r = spt(['validate', missing]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      [
        `${missing}:6:15: error: backbone.checkpoint: ${path.join(dir, 'nowhere', 'vit.pth')} does not exist [checkpoint-missing]`,
        `${missing}:10:9: error: data.root: the folder ${path.join(dir, 'no-data')} does not exist [data-missing]`,
        `${missing}: 2 error(s)`,
        '',
      ].join('\n'),
    );
  });

  it('--no-files skips the file checks', () => {
    const r = spt(['validate', missing, '--no-files']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${missing}: ok (vpt, deep x 4, 3 blocks of width 32)\n`);
  });

  it('a file whose files exist and agree is ok (the checkpoint header is read)', () => {
    const r = spt(['validate', good]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    // The checkpoint's header against the arch: a wrong width is an error of the file checks.
    const wrong = path.join(dir, 'wrong.spt.yaml');
    fs.writeFileSync(wrong, fs.readFileSync(good, 'utf8').replace('embed_dim: 32', 'embed_dim: 64'));
    const w = spt(['validate', wrong]);
    assert.equal(w.code, 2);
    assert.match(w.stderr, /:5:9: error: .*\[arch-mismatch\]/);
  });

  it('--json: the same codes, ranges and messages as the language service', () => {
    const text = fs
      .readFileSync(missing, 'utf8')
      .replace('method: vpt', 'method: vtp')
      .replace('seed: 0', 'seed: 0\ntrain: {lr: 5}');
    const file = path.join(dir, 'json.spt.yaml');
    fs.writeFileSync(file, text);
    const r = spt(['validate', file, '--json']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, '');
    const out = JSON.parse(r.stdout) as {
      file: string;
      ok: boolean;
      errors: number;
      warnings: number;
      problems: Entry[];
    };
    const editor = validate(TextDocument.create(pathToFileURL(file).toString(), 'yaml', 1, text));
    const sev = ['', 'error', 'warning', 'information', 'information'];
    assert.deepEqual(
      out.problems,
      editor.map((d) => ({
        severity: sev[d.severity ?? 1],
        code: d.code,
        message: d.message,
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
        endLine: d.range.end.line + 1,
        endColumn: d.range.end.character + 1,
      })),
    );
    assert.deepEqual(
      out.problems.map((p) => p.code),
      ['recipe-range', 'checkpoint-missing', 'data-missing', 'enum'],
    );
    assert.deepEqual([out.ok, out.errors, out.warnings, out.file], [false, 3, 1, file]);
    const ok = JSON.parse(spt(['validate', good, '--json']).stdout);
    assert.deepEqual(ok, { file: good, errors: 0, warnings: 0, problems: [], ok: true });
  });

  it('a problem caused by --set names the --set argument', () => {
    const r = spt(['validate', good, '--set', 'train.lr=.inf']);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^--set train\.lr=\.inf: error: train\.lr: must be a finite number, found Infinity \[range\]$/m,
    );
    const j = JSON.parse(spt(['validate', good, '--set', 'train.lr=.inf', '--json']).stdout);
    assert.equal(j.problems[0].override, 'train.lr=.inf');
  });

  it('disable comments hide a diagnostic as in the editor', () => {
    const file = path.join(dir, 'disabled.spt.yaml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(missing, 'utf8')
        .replace('  checkpoint:', '  # spt-disable-next-line checkpoint-missing\n  checkpoint:'),
    );
    const r = spt(['validate', file]);
    assert.deepEqual(
      [...r.stderr.matchAll(/\[([\w-]+)\]$/gm)].map((m) => m[1]),
      ['data-missing'],
    );
  });

  it('sweep files: the editor validation too', () => {
    const sweep = path.join(dir, 'x.sweep.yaml');
    fs.writeFileSync(sweep, 'experiment: ./good.spt.yaml\ngrid:\n  prompt.mode: [deeep]\n');
    const r = spt(['validate', sweep]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /x\.sweep\.yaml:3:17: error: prompt\.mode: the string 'deeep' is not one of shallow, deep \(did you mean 'deep'\?\) \[enum\]/,
    );
    fs.writeFileSync(sweep, 'experiment: ./good.spt.yaml\ngrid:\n  prompt.mode: [deep, shallow]\n');
    const ok = spt(['validate', sweep]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /x\.sweep\.yaml: ok \(1 task\(s\) x 2 setting\(s\)/);
  });

  it('every problem at once (item 7): a typo does not hide the cross-field rules or the file checks', () => {
    const file = path.join(dir, 'all.spt.yaml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(missing, 'utf8')
        .replace('  mode: deep', '  mode: deeep')
        .replace('  length: 4', '  lenght: 4')
        .replace('image_size: 32}', 'image_size: 36}'),
    );
    const r = spt(['validate', file]);
    assert.equal(r.code, 2);
    assert.deepEqual(
      [...r.stderr.matchAll(/:(\d+):\d+: error: .*\[([\w-]+)\]$/gm)].map((m) => `${m[1]} ${m[2]}`),
      ['5 image-size', '6 checkpoint-missing', '10 data-missing', '15 enum', '16 unknown-key'],
    );
  });

  describe('values that crashed training (item 9): validate and train agree, exit 2, nothing runs', () => {
    for (const [from, to, message] of [
      [
        'num_classes: 5',
        'num_classes: 5\n  image_size: 100000',
        /data\.image_size: must be <= 4096, found 100000/,
      ],
      ['length: 4', 'length: 100000', /prompt\.length: must be <= 4096, found 100000/],
      [
        'seed: 0',
        'seed: 0\ntrain: {lr: 1e309}',
        /train\.lr: must be a finite number, found Infinity \(written 1e309\)/,
      ],
      ['seed: 0', 'seed: 0\ntrain: {lr: .inf}', /train\.lr: must be a finite number/],
      [
        'seed: 0',
        'seed: 1e20',
        /seed: must be <= 4294967295 \(the random number generator takes 32-bit seeds\)/,
      ],
    ] as const) {
      it(`${to.split('\n').at(-1)?.trim()}`, () => {
        const file = path.join(dir, 'range.spt.yaml');
        fs.writeFileSync(file, fs.readFileSync(good, 'utf8').replace(from, to));
        const line =
          fs
            .readFileSync(file, 'utf8')
            .split('\n')
            .findIndex((l) => l.includes(to.split('\n').at(-1)!.trim())) + 1;
        const v = spt(['validate', file]);
        assert.equal(v.code, 2, v.stderr);
        assert.match(v.stderr, new RegExp(`range\\.spt\\.yaml:${line}:\\d+: error: `));
        assert.match(v.stderr, message);
        const runs = path.join(dir, 'runs');
        const t = spt(['train', file, '--set', `output.dir=${runs}`]);
        assert.equal(t.code, 2, t.stderr);
        assert.match(t.stderr, message);
        assert.match(t.stderr, new RegExp(`range\\.spt\\.yaml:${line}:\\d+: error: `));
        assert.ok(!fs.existsSync(runs), 'no run folder');
      });
    }
  });

  it('100,000 levels of nesting (item 16): one clear error, in about the time the CLI takes to start', () => {
    const file = path.join(dir, 'deep.spt.yaml');
    fs.writeFileSync(file, `name: x\nbackbone: ${'['.repeat(100_000)}\n`);
    const base = spt(['validate', good]).ms;
    const r = spt(['validate', file]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /deep\.spt\.yaml:2:\d+: error: YAML syntax error: lists and mappings are nested more than 100 levels deep at line 2/,
    );
    assert.doesNotMatch(r.stderr, /call stack/);
    assert.ok(r.ms < base + 1000, `${r.ms} ms (a plain validate: ${base} ms)`);
  });
});
