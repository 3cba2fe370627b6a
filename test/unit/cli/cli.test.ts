/**
 * The `spt` command line as users run it: real child processes of bin/spt.js over the built bundle
 * (npm test builds first), real files. Checks the predict contract, exit codes and messages.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  languageServerArgv,
  languageServerCommandLine,
  neovimCmd,
} from '../../../src/extension/language/language-server-command';
import { lspInitialize } from '../../helpers/lsp-handshake';
import { parityCases } from '../../helpers/parity-fixtures';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI_DIR = path.join(ROOT, 'test', 'fixtures', 'cli');
const EXPERIMENT = path.join(CLI_DIR, 'parity-deep-mean.spt.yaml');
const PARITY = path.join(ROOT, 'test', 'fixtures', 'parity');
const FORMATS = path.join(ROOT, 'test', 'fixtures', 'formats');

function spt(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-cli-'));
const readJsonl = (f: string) =>
  fs
    .readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { image: string; logits: number[]; pred: number });

describe('spt CLI', () => {
  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
  });

  for (const weights of ['case_deep_mean.safetensors', 'spt_authors_deep.pth']) {
    it(`predict with --weights ${weights} writes the PyTorch logits as JSONL`, () => {
      const out = path.join(tmp, `${weights}.jsonl`);
      const r = spt([
        'predict',
        EXPERIMENT,
        '--images',
        path.join(PARITY, 'images.txt'),
        '--weights',
        path.join(PARITY, weights),
        '--out',
        out,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const rows = readJsonl(out);
      const want = parityCases().find((c) => c.name === 'deep_mean')!;
      assert.equal(rows.length, 6);
      rows.forEach((row, i) => {
        assert.equal(row.image, `images/img_${i}.png`, 'the path as written in the split file');
        row.logits.forEach((v, c) => {
          assert.ok(Math.abs(v - want.logits[i][c]) <= 1e-4);
        });
        assert.equal(row.pred, row.logits.indexOf(Math.max(...row.logits)));
      });
    });
  }

  it('predict without --weights initialises SPT prompts from the training images, reproducibly', () => {
    const outs = [1, 2].map((k) => path.join(tmp, `init${k}.jsonl`));
    for (const out of outs) {
      const r = spt([
        'predict',
        EXPERIMENT,
        '--images',
        path.join(PARITY, 'images.txt'),
        '--out',
        out,
        '--set',
        'prompt.method=spt',
        '--set',
        'prompt.init=mean',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /SPT mean initialisation from 6 training images/);
    }
    assert.equal(fs.readFileSync(outs[0], 'utf8'), fs.readFileSync(outs[1], 'utf8'));
  });

  it('exits 2 with the file, line and fix for a broken experiment', () => {
    const bad = path.join(tmp, 'bad.spt.yaml');
    fs.writeFileSync(bad, fs.readFileSync(EXPERIMENT, 'utf8').replace('method: vpt', 'method: vtp'));
    const r = spt(['validate', bad]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(
        `${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:14:11: error: prompt.method: the string 'vtp' is not one of spt, vpt, linear, full \\(did you mean 'vpt'\\?\\)`,
      ),
    );
    assert.equal(spt(['validate', EXPERIMENT]).code, 0);
  });

  it('refuses a checkpoint whose pickle calls os.system, running nothing', () => {
    const marker = '/tmp/spt_pwned_marker';
    fs.rmSync(marker, { force: true });
    const r = spt([
      'predict',
      EXPERIMENT,
      '--images',
      path.join(PARITY, 'images.txt'),
      '--out',
      path.join(tmp, 'x.jsonl'),
      '--set',
      `backbone.checkpoint=${path.join(FORMATS, 'evil_os_system.pth')}`,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /evil_os_system\.pth/);
    assert.match(r.stderr, /(os|posix)\.system/);
    assert.equal(fs.existsSync(marker), false, 'nothing was executed');
    assert.equal(fs.existsSync(path.join(tmp, 'x.jsonl')), false, 'no output written');
  });

  it('names the missing split file and exits 2', () => {
    const r = spt([
      'predict',
      EXPERIMENT,
      '--images',
      path.join(tmp, 'nope.txt'),
      '--out',
      path.join(tmp, 'y.jsonl'),
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.txt: split file not found/);
  });

  it('doctor prints the backend table, reporting GPU backends that are not installed and why', () => {
    const r = spt(['doctor']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wasm\s+4\.\d+\.\d+\s+yes/m);
    const json = JSON.parse(spt(['doctor', '--json']).stdout);
    const gpu = json.backends.find((b: { name: string }) => b.name === 'tensorflow-gpu');
    assert.ok(gpu.loads === false ? /not installed|missing|driver/.test(gpu.detail) : true, gpu.detail);
    assert.ok(Array.isArray(json.cuda.missing));
    assert.equal(json.backends.find((b: { name: string }) => b.name === 'wasm').loads, true);
  });

  it('exits 2 with usage for an unknown command or missing arguments', () => {
    assert.equal(spt(['frobnicate']).code, 2);
    const r = spt(['predict', EXPERIMENT]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing --images/);
  });

  it("lsp --help shows the exact line that starts this CLI's server, the one the VS Code command copies, and it works", async function () {
    if (process.platform === 'win32') this.skip();
    const r = spt(['lsp', '--help']);
    assert.equal(r.code, 0, r.stderr);
    const line = languageServerCommandLine(ROOT);
    assert.equal(line, `node ${path.join(ROOT, 'dist', 'cli.js')} lsp --stdio`);
    assert.ok(
      r.stdout.split('\n').some((l) => l.trim() === line),
      r.stdout,
    );
    assert.ok(r.stdout.includes(neovimCmd(languageServerArgv(ROOT))), r.stdout);
    assert.doesNotMatch(r.stdout, /npx/);
    const result = await lspInitialize(line);
    assert.ok(result.capabilities.hoverProvider, JSON.stringify(result));
  });
});
