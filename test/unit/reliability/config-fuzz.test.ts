/**
 * Experiment files (issue 9): seeded fuzz with KNOWN violations. Each case takes a valid experiment,
 * injects 1-4 independent schema violations (a wrong type, a value out of range, an unknown enum
 * value, an unknown key, a missing required key, a hostile key such as `constructor`), writes it in a
 * random YAML style, and checks that BOTH the trainer's loader (parseExperiment / loadExperiment) and
 * the language-service core report every one of them, at the right place, without throwing. Then
 * random `--set` overrides. (The byte-level mutation fuzz of the language service is in
 * test/unit/server/fuzz.test.ts.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { stringify } from 'yaml';
import { ConfigError, loadExperiment, parseExperiment } from '../../../src/config/load-config';
import { validate } from '../../../src/server/language-service';
import { cases, type Prng, prng, removeScratch, tmpDir } from './harness';

type Json = Record<string, unknown>;

/** A valid experiment (every section written). */
const BASE: Json = {
  name: 'fuzz',
  seed: 3,
  backbone: { arch: 'vit_tiny_patch16_224', checkpoint: null, pool: 'cls' },
  data: { root: '.', train: 'train.txt', val: 'val.txt', test: 'test.txt', num_classes: 5 },
  prompt: { method: 'spt', mode: 'deep', length: 4, init: 'mean' },
  train: { epochs: 10, warmup_epochs: 1, batch_size: 8, lr: 0.01, weight_decay: 0.0001 },
  device: { backend: 'wasm' },
  analysis: { every_epochs: 0 },
  output: { dir: 'runs' },
};

interface Violation {
  /** Key path the problem is reported at. */
  path: string[];
  /** The text the reported range must cover (the bad value or key). */
  text: string;
  apply: (doc: Json) => void;
}

const get = (doc: Json, p: string[]) => p.reduce<unknown>((o, k) => (o as Json)[k], doc) as Json;

/** Every kind of violation, at a given leaf: [path, make]. */
const VIOLATIONS: ((r: Prng) => Violation)[] = [
  // wrong types
  ...[['train', 'lr'], ['train', 'epochs'], ['data', 'num_classes'], ['prompt', 'length'], ['seed']].map(
    (p) => (r: Prng) => {
      const bad = r.pick(['abc', 'true-ish', 'x1']);
      return { path: p, text: bad, apply: (d: Json) => (get(d, p.slice(0, -1))[p.at(-1) as string] = bad) };
    },
  ),
  // out of range
  ...(
    [
      [['train', 'lr'], -0.5],
      [['train', 'epochs'], 0],
      [['data', 'num_classes'], -3],
      [['prompt', 'length'], -2], // (0 is legal for the schema; 'must be >= 1 for spt' is a cross-field rule)
      [['seed'], -7],
      [['train', 'batch_size'], 0],
    ] as [string[], number][]
  ).map(([p, v]) => () => ({
    path: p,
    text: String(v),
    apply: (d: Json) => (get(d, p.slice(0, -1))[p.at(-1) as string] = v),
  })),
  // unknown enum values
  ...(
    [
      [['prompt', 'method'], 'vptt'],
      [['backbone', 'pool'], 'avgpool'],
      [['device', 'backend'], 'tpu'],
      [['prompt', 'mode'], 'deeper'],
      [['backbone', 'arch'], 'vit_huge_patch99'],
    ] as [string[], string][]
  ).map(([p, v]) => () => ({
    path: p,
    text: v,
    apply: (d: Json) => (get(d, p.slice(0, -1))[p.at(-1) as string] = v),
  })),
  // unknown keys, hostile keys included
  ...(
    [
      [['train'], 'lrr'],
      [['prompt'], 'lenght'],
      [[], 'extra_section'],
      [['data'], 'constructor'],
      [['train'], 'toString'],
      [[], 'hasOwnProperty'],
      [['output'], '__defineGetter__'],
    ] as [string[], string][]
  ).map(([parent, key]) => () => ({
    path: [...parent, key],
    text: key,
    apply: (d: Json) => (get(d, parent)[key] = 1),
  })),
  // a missing required key
  () => ({ path: ['name'], text: '', apply: (d: Json) => delete d.name }),
  () => ({
    path: ['data', 'num_classes'],
    text: '',
    apply: (d: Json) => delete (d.data as Json).num_classes,
  }),
];

/** Writes the config in a random style: block or flow sections, comments, key order. */
function render(doc: Json, r: Prng): string {
  const order = Object.keys(doc).sort(() => r.next() - 0.5);
  const parts: string[] = [];
  for (const k of order) {
    if (r.next() < 0.3) parts.push(`# ${k} ${'-'.repeat(r.int(10))}`);
    const v = doc[k];
    const flow = v !== null && typeof v === 'object' && r.next() < 0.5;
    parts.push(
      flow
        ? `${k}: ${stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trim()}`
        : stringify({ [k]: v }, { lineWidth: 0 }).trimEnd(),
    );
  }
  return `${parts.join(r.next() < 0.3 ? '\n\n' : '\n')}\n`;
}

describe('reliability: experiment files with known violations', function () {
  this.timeout(cases(60_000, 1_800_000));
  after(removeScratch);

  it(`seeded: ${cases(300, 6000)} files with 1-4 violations each: the loader and the language service report every one, in place`, () => {
    const r = prng(424242);
    const dir = tmpDir();
    const file = path.join(dir, 'fuzz.spt.yaml');
    let reported = 0;
    for (let i = 0; i < cases(300, 6000); i++) {
      const doc = structuredClone(BASE) as Json;
      const chosen: Violation[] = [];
      for (let k = 1 + r.int(4); k > 0; k--) {
        const v = r.pick(VIOLATIONS)(r);
        // Independent violations only: no two on the same key or one inside the other.
        const clash = chosen.some((c) => {
          const n = Math.min(c.path.length, v.path.length);
          return c.path.slice(0, n).join('.') === v.path.slice(0, n).join('.');
        });
        if (clash) continue;
        v.apply(doc);
        chosen.push(v);
      }
      const text = render(doc, r);
      fs.writeFileSync(file, text);
      const what = `case ${i}: ${chosen.map((c) => c.path.join('.')).join(', ')}\n${text}`;
      // The trainer's loader: a ConfigError listing each one with its line and column.
      const parsed = parseExperiment(text);
      assert.equal(parsed.config, undefined, what);
      assert.throws(() => loadExperiment(file), ConfigError, what);
      // The language service: an error diagnostic covering each bad value or key.
      const td = TextDocument.create(`file://${file}`, 'yaml', 1, text);
      const diags = validate(td, { fileChecks: false }).filter((d) => d.severity === 1);
      for (const v of chosen) {
        const problem = parsed.problems.find(
          (p) => p.severity === 'error' && p.path.join('.') === v.path.join('.'),
        );
        assert.ok(
          problem,
          `the loader missed ${v.path.join('.')}: ${JSON.stringify(parsed.problems).slice(0, 1500)}\n${what}`,
        );
        const covered = text.slice(problem.range[0], problem.range[1]);
        if (v.text) assert.ok(covered.includes(v.text), `the range '${covered}' misses '${v.text}'\n${what}`);
        const line = text.slice(0, problem.range[0]).split('\n').length;
        assert.equal(problem.line, line, what);
        const diag = diags.find((d) => {
          const s = td.offsetAt(d.range.start);
          const e = td.offsetAt(d.range.end);
          return s === problem.range[0] && e === Math.max(problem.range[1], s);
        });
        assert.ok(
          diag,
          `the language service missed ${v.path.join('.')}\n${JSON.stringify(diags).slice(0, 1500)}\n${what}`,
        );
        reported++;
      }
    }
    assert.ok(reported >= cases(300, 6000), `${reported} violations reported`);
  });

  it(`seeded: ${cases(500, 10000)} random --set overrides: a reported problem, a clear --set error, or a valid config`, () => {
    const r = prng(17);
    const text = render(BASE, r);
    const keys = [
      'train.lr',
      'train',
      'seed',
      'name',
      'data.root',
      'prompt.method',
      'x',
      '__proto__',
      'constructor',
      'a.b.c',
      'train.lr.x',
      '',
    ];
    const values = [
      '1',
      '-1',
      'abc',
      '',
      'null',
      '[1,',
      '{a: 1}',
      '1e400',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile value, on purpose
      '${process.exit(1)}',
      '!!js/function f',
      '&a [*a]',
      '"x',
    ];
    for (let i = 0; i < cases(500, 10000); i++) {
      const overrides = Array.from({ length: 1 + r.int(3) }, () => {
        const k = Array.from({ length: 1 + r.int(2) }, () => r.pick(keys)).join('.');
        return r.next() < 0.05 ? k : `${k}=${r.pick(values)}`;
      });
      try {
        const parsed = parseExperiment(text, overrides);
        assert.ok(parsed.config || parsed.problems.some((p) => p.severity === 'error'), overrides.join(' '));
      } catch (e) {
        assert.match((e as Error).message, /^--set /, `${overrides.join(' ')}: ${(e as Error).stack}`);
      }
      assert.equal(({} as Json).polluted, undefined);
    }
  });
});
