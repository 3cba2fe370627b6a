/**
 * The CLI loads a command's module only when that command runs (issue 18, point 6): `spt --help`,
 * `spt help <command>`, `spt <command> --help`, an argument error, `spt validate` and `spt lsp --stdio`
 * run the real dist/cli.js with bench/tf-guard.cjs preloaded, which reports whether TensorFlow.js's
 * engine was created; `spt doctor` (which loads every backend) shows that the guard sees it when it is.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const GUARD = path.join(ROOT, 'bench', 'tf-guard.cjs');
const EXAMPLE = path.join(ROOT, 'examples', 'cub-spt-deep.spt.yaml');

function lspMessage(message: object): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

interface Outcome {
  code: number | null;
  stdout: string;
  tensorflow: 'yes' | 'no';
}

/** Runs `spt <argv>` under the guard; `lsp` drives a language-server session (initialize, shutdown, exit). */
function spt(argv: string[], lsp = false): Promise<Outcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-lazy-'));
  const out = path.join(dir, 'guard.txt');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', GUARD, CLI, ...argv], {
      env: { ...process.env, SPT_TF_GUARD_OUT: out },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let answered = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (lsp && !answered && stdout.includes('"capabilities"')) {
        answered = true;
        child.stdin.end(
          lspMessage({ jsonrpc: '2.0', id: 2, method: 'shutdown' }) +
            lspMessage({ jsonrpc: '2.0', method: 'exit' }),
        );
      }
    });
    child.stdin.on('error', () => {});
    if (lsp)
      child.stdin.write(
        lspMessage({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { processId: null, rootUri: null, capabilities: {} },
        }),
      );
    else child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const guard = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
      fs.rmSync(dir, { recursive: true, force: true });
      if (!/TF_LOADED (yes|no)/.test(guard))
        return reject(new Error(`no guard report (exit ${code}): ${stdout}`));
      resolve({ code, stdout, tensorflow: guard.includes('yes') ? 'yes' : 'no' });
    });
  });
}

describe('spt: commands load their modules when they run', () => {
  before(function () {
    if (!fs.existsSync(CLI)) this.skip();
  });

  for (const argv of [
    ['--help'],
    ['help', 'train'],
    ['train', '--help'],
    ['sweep', '--parallel'],
    ['validate', EXAMPLE, '--no-files'],
  ])
    it(`spt ${argv.map((a) => path.basename(a)).join(' ')} loads no TensorFlow`, async () => {
      const r = await spt(argv);
      assert.equal(r.tensorflow, 'no');
      assert.notEqual(r.code, null);
    });

  it('spt lsp --stdio answers initialize and loads no TensorFlow', async () => {
    const r = await spt(['lsp', '--stdio'], true);
    assert.match(r.stdout, /"capabilities"/);
    assert.equal(r.tensorflow, 'no');
  });

  it('the guard sees TensorFlow when a command loads it (spt doctor)', async () => {
    const r = await spt(['doctor', '--json']);
    assert.equal(r.tensorflow, 'yes');
  });
});
