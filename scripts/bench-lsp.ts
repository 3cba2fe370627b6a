/**
 * Validation latency of the language service core (p50/p95), as the server runs it on every change:
 * a typical experiment with its file checks (cached after the first run) and a 5,000-line file.
 * Targets: p95 < 20 ms typical, < 200 ms for 5,000 lines.
 *
 *   npx tsx scripts/bench-lsp.ts [iterations] [--json]
 *
 * --json adds one `BENCH_RESULT {...}` line with the figures (read by `npm run bench`, bench/run.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { complete, hover, validate } from '../src/server/language-service';

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const iterations = Number(args.find((a) => /^\d+$/.test(a)) ?? 200);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-bench-lsp-'));
fs.mkdirSync(path.join(dir, 'exp'));
fs.symlinkSync(path.join(root, 'test/fixtures/parity'), path.join(dir, 'parity'));
const uri = pathToFileURL(path.join(dir, 'exp', 'bench.spt.yaml')).toString();

const typical = fs.readFileSync(path.join(root, 'test/fixtures/cli/parity-deep-mean.spt.yaml'), 'utf8');
const example = fs.readFileSync(path.join(root, 'examples/cub-spt-deep.spt.yaml'), 'utf8');

/** The example with comment lines between its keys, `lines` long (valid), its paths pointing at the fixtures. */
function big(lines: number): string {
  const src = example
    .replace('./checkpoints/mae_pretrain_vit_base.pth', '../parity/mae.pth')
    .replace('./data/CUB_200_2011', '../parity')
    .replace('cub200_train.txt', 'images.txt')
    .replace('cub200_test.txt', 'images24.txt')
    .split('\n');
  const out: string[] = [];
  const per = Math.ceil(lines / src.length);
  for (const line of src) {
    const indent = /^ */.exec(line)![0];
    for (let i = 1; i < per; i++) out.push(`${indent}# note ${out.length}: prompts, heads and recipes`);
    out.push(line);
  }
  return out.slice(out.length - lines).join('\n');
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

interface Figures {
  lines: number;
  runs: number;
  diagnostics: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}
const figures: Record<string, Figures> = {};

function bench(name: string, text: string, n: number) {
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < n + 5; i++) {
    // A new version each time, as after an edit (the text differs in one character).
    const doc = TextDocument.create(uri, 'yaml', i, `${text}\n# edit ${i}\n`);
    const t0 = performance.now();
    count = validate(doc).length;
    const dt = performance.now() - t0;
    if (i >= 5) times.push(dt); // warm-up (and the first, uncached file checks)
  }
  const lines = text.split('\n').length;
  figures[name] = {
    lines,
    runs: n,
    diagnostics: count,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    maxMs: Math.max(...times),
  };
  console.log(
    `${name.padEnd(28)} ${String(lines).padStart(5)} lines  p50 ${percentile(times, 50).toFixed(2)} ms  p95 ${percentile(times, 95).toFixed(2)} ms  max ${Math.max(...times).toFixed(2)} ms  (${count} diagnostics, ${n} runs)`,
  );
  return percentile(times, 95);
}

function benchRequests(text: string, n: number) {
  const doc = TextDocument.create(uri, 'yaml', 1, text);
  const lines = text.split('\n').length;
  const h: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < n; i++) {
    const pos = { line: (i * 7919) % lines, character: 2 };
    let t0 = performance.now();
    hover(doc, pos);
    h.push(performance.now() - t0);
    t0 = performance.now();
    complete(doc, pos);
    c.push(performance.now() - t0);
  }
  figures.hover = {
    lines,
    runs: n,
    diagnostics: 0,
    p50Ms: percentile(h, 50),
    p95Ms: percentile(h, 95),
    maxMs: Math.max(...h),
  };
  figures.completion = {
    lines,
    runs: n,
    diagnostics: 0,
    p50Ms: percentile(c, 50),
    p95Ms: percentile(c, 95),
    maxMs: Math.max(...c),
  };
  console.log(
    `hover / completion           ${String(lines).padStart(5)} lines  hover p95 ${percentile(h, 95).toFixed(2)} ms, completion p95 ${percentile(c, 95).toFixed(2)} ms`,
  );
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);
const p95Typical = bench('typical (file checks on)', typical, iterations);
bench('example (file checks on)', big(example.split('\n').length), iterations);
const p95Big = bench('5,000 lines (file checks on)', big(5000), Math.max(20, Math.floor(iterations / 4)));
benchRequests(big(5000), 100);
console.log(
  `targets: typical p95 ${p95Typical.toFixed(2)} < 20 ms ${p95Typical < 20 ? 'ok' : 'MISSED'}; 5,000 lines p95 ${p95Big.toFixed(2)} < 200 ms ${p95Big < 200 ? 'ok' : 'MISSED'}`,
);
fs.rmSync(dir, { recursive: true, force: true });
if (json) process.stdout.write(`BENCH_RESULT ${JSON.stringify(figures)}\n`);
