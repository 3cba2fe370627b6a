/**
 * Start-up time of `spt` commands that should be quick (`spt --help`, `spt validate`, `spt lsp --stdio`
 * until it answers `initialize`), and whether each loaded TensorFlow.js (bench/tf-guard.cjs): the CLI
 * loads a command's module only when the command runs (issue 18, point 6). Medians of `runs` starts.
 *
 *   npx tsx bench/cli-start.ts [--cli dist/cli.js] [--runs 5] [--json]
 *
 * --cli times another bundle (e.g. one built from an older commit, for a before/after figure); --json
 * adds one `BENCH_RESULT {...}` line (read by `npm run bench`, bench/run.ts).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const cli = path.resolve(opt('--cli') ?? path.join(root, 'dist', 'cli.js'));
const runs = Number(opt('--runs') ?? 5);
const guard = path.join(root, 'bench', 'tf-guard.cjs');
const example = path.join(root, 'examples', 'cub-spt-deep.spt.yaml');

interface Start {
  ms: number;
  tf: boolean;
}

/** One start of `spt <argv>`; `untilStdout` ends it (SIGTERM) once stdout holds that text. */
function start(argv: string[], input?: string, untilStdout?: string): Promise<Start> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spt-cli-start-')), 'guard.txt');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let ms = 0;
    const child = spawn(process.execPath, ['--require', guard, cli, ...argv], {
      env: { ...process.env, SPT_TF_GUARD_OUT: out },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (untilStdout && !ms && stdout.includes(untilStdout)) {
        ms = Number(process.hrtime.bigint() - t0) / 1e6;
        // End it as an editor does (shutdown, exit), so that the guard's exit handler runs.
        child.stdin.end(
          lspMessage({ jsonrpc: '2.0', id: 2, method: 'shutdown' }) +
            lspMessage({ jsonrpc: '2.0', method: 'exit' }),
        );
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }
    });
    if (input) child.stdin.write(input);
    else child.stdin.end();
    child.stdin.on('error', () => {}); // the child may exit before its input is written
    child.on('error', reject);
    child.on('close', () => {
      if (!ms) ms = Number(process.hrtime.bigint() - t0) / 1e6;
      let tf = false;
      try {
        tf = fs.readFileSync(out, 'utf8').includes('yes');
      } catch {
        // killed before its exit handler ran: the guard's answer is unknown, counted as no
      }
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
      resolve({ ms, tf });
    });
  });
}

function lspMessage(message: object): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function lspInitialize(): string {
  return lspMessage({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { processId: null, rootUri: null, capabilities: {} },
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(label: string, argv: string[], input?: string, until?: string) {
  const starts: Start[] = [];
  for (let i = 0; i < runs; i++) starts.push(await start(argv, input, until));
  return {
    label,
    medianMs: Math.round(median(starts.map((s) => s.ms))),
    loadsTensorFlow: starts.some((s) => s.tf),
  };
}

async function main(): Promise<void> {
  const results = [
    await measure('spt --help', ['--help']),
    await measure('spt validate <example> --no-files', ['validate', example, '--no-files']),
    await measure(
      'spt lsp --stdio (until initialize is answered)',
      ['lsp', '--stdio'],
      lspInitialize(),
      '"capabilities"',
    ),
    await measure('spt doctor --json (loads TensorFlow: the reference)', ['doctor', '--json']),
  ];
  for (const r of results)
    console.log(
      `${r.label.padEnd(52)} ${String(r.medianMs).padStart(6)} ms  TensorFlow: ${r.loadsTensorFlow ? 'loaded' : 'not loaded'}`,
    );
  if (args.includes('--json'))
    console.log(`BENCH_RESULT ${JSON.stringify({ cli: path.relative(root, cli), runs, commands: results })}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
