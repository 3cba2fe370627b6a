/**
 * Issue 14, item 16: 100,000 levels of nested YAML took 16 s and came back as "Maximum call stack size
 * exceeded". A nesting limit answers in milliseconds with one error at the line that got too deep,
 * for experiment files, sweep files and the language server (diagnostics and hover).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseDocument } from 'yaml';
import { parseExperiment } from '../../../src/config/load-config';
import { parseSweep } from '../../../src/config/sweep/sweep-file';
import { MAX_YAML_DEPTH, yamlDepthExceeded } from '../../../src/config/yaml-depth';
import { complete, hover, validate } from '../../../src/server/language-service';

const ROOT = path.join(__dirname, '../../..');
const LEVELS = 100_000;
const HOSTILE: Record<string, string> = {
  'flow lists': `name: x\nbackbone: ${'['.repeat(LEVELS)}${']'.repeat(LEVELS)}\n`,
  'flow mappings': `name: x\nbackbone: ${'{a: '.repeat(LEVELS)}1${'}'.repeat(LEVELS)}\n`,
  'unclosed brackets': `name: x\nbackbone: ${'['.repeat(LEVELS)}\n`,
  'block lists on one line': `name: x\nbackbone:\n  ${'- '.repeat(LEVELS)}x\n`,
};
const MESSAGE =
  /^YAML syntax error: lists and mappings are nested more than 100 levels deep at line \d \(experiment and sweep files need 5 at most\)/;

/** The real nesting depth of a parsed node. */
function depth(n: unknown): number {
  const items = (n as { items?: unknown[] } | null)?.items;
  if (!items) return 0;
  return (
    1 +
    Math.max(
      0,
      ...items.map((it) => {
        const p = it as { key?: unknown; value?: unknown };
        return 'value' in (p as object) ? Math.max(depth(p.key), depth(p.value)) : depth(it);
      }),
    )
  );
}

const timed = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
};

describe('YAML nesting limit (issue 14, item 16)', () => {
  for (const [what, text] of Object.entries(HOSTILE)) {
    const line = what.startsWith('block') ? 3 : 2;
    it(`${what}, 100,000 levels: one error at line ${line} within a second`, () => {
      const [parsed, ms] = timed(() => parseExperiment(text));
      assert.ok(ms < 1000, `${ms} ms`);
      assert.equal(parsed.config, undefined);
      assert.equal(parsed.problems.length, 1, parsed.problems.map((p) => p.message).join('\n'));
      const [p] = parsed.problems;
      assert.equal(p.code, 'RESOURCE_EXHAUSTION');
      assert.match(p.message, MESSAGE);
      assert.doesNotMatch(p.message, /call stack/);
      assert.equal(p.line, line);
      assert.ok(p.message.includes(`at line ${line} `));
    });
  }

  it('the language service: one diagnostic, and hover and completion answer at once', () => {
    const doc = TextDocument.create('untitled:deep.spt.yaml', 'yaml', 1, HOSTILE['flow mappings']);
    const [ds, ms] = timed(() => validate(doc));
    assert.ok(ms < 1000, `${ms} ms`);
    assert.deepEqual(
      ds.map((d) => [d.code, d.range.start.line]),
      [['RESOURCE_EXHAUSTION', 1]],
    );
    const [, hoverMs] = timed(() => hover(doc, { line: 1, character: 20 }));
    const [, completeMs] = timed(() => complete(doc, { line: 1, character: 20 }));
    assert.ok(hoverMs < 200 && completeMs < 200, `hover ${hoverMs} ms, completion ${completeMs} ms`);
  });

  it('sweep files have the same limit', () => {
    const text = `experiment: ./x.spt.yaml\ngrid: ${'['.repeat(LEVELS)}\n`;
    const [parsed, ms] = timed(() => parseSweep(text));
    assert.ok(ms < 1000, `${ms} ms`);
    assert.deepEqual(
      parsed.problems.map((p) => [p.code, p.line]),
      [['RESOURCE_EXHAUSTION', 2]],
    );
  });

  it('allows exactly MAX_YAML_DEPTH levels and refuses one more', () => {
    const nested = (k: number) => `a: ${'['.repeat(k - 1)}${']'.repeat(k - 1)}\n`; // the mapping is level 1
    assert.equal(yamlDepthExceeded(nested(MAX_YAML_DEPTH)), undefined);
    assert.equal(depth(parseDocument(nested(MAX_YAML_DEPTH)).contents), MAX_YAML_DEPTH);
    assert.deepEqual(yamlDepthExceeded(nested(MAX_YAML_DEPTH + 1)), {
      offset: 3 + MAX_YAML_DEPTH - 1,
      limit: MAX_YAML_DEPTH,
    });
  });

  it('ends on any text: 5,000 random strings of YAML punctuation, with and without a final newline', () => {
    const alphabet = [
      '[',
      ']',
      '{',
      '}',
      '- ',
      '? ',
      ': ',
      '|',
      '>',
      '#',
      '"',
      "'",
      '\\',
      '\n',
      ' ',
      'a',
      '&x ',
      '!t ',
      ',',
    ];
    let s = 7;
    const rnd = (k: number) => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s % k;
    };
    const t0 = performance.now();
    for (let k = 0; k < 5000; k++) {
      const text = Array.from({ length: 1 + rnd(40) }, () => alphabet[rnd(alphabet.length)]).join('');
      const r = yamlDepthExceeded(text, 3);
      if (r) assert.ok(r.offset >= 0 && r.offset < text.length, JSON.stringify(text));
    }
    assert.ok(performance.now() - t0 < 2000);
  });

  it('measures ordinary files exactly, and does not count brackets in quotes, comments or block scalars', () => {
    const exact = (text: string) => {
      let est = 0;
      while (yamlDepthExceeded(text, est)) est++;
      return est;
    };
    const files = [
      'examples/cub-spt-deep.spt.yaml',
      'examples/default/default.spt.yaml',
      'examples/default/default.sweep.yaml',
      'test/fixtures/cli/parity-deep-mean.spt.yaml',
    ];
    for (const f of files) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      assert.equal(exact(text), depth(parseDocument(text).contents), f);
    }
    for (const text of [
      "a: 'it''s [[[[ not'\nb: \"x [ \\\" {{{\"\n",
      'a: |\n  [[[[[\n  {{{{\nb: 1\n',
      'a: x[y\nb: z{{{\n',
      '# [[[[\na: 1 # {{{{\n',
      "k: it's [fine\n",
    ])
      assert.equal(exact(text), 1, text);
    assert.equal(exact('a: &x [1]\nb: !!seq [[2]]\n'), 3);
    assert.equal(exact('- - - x\n'), 3);
    assert.equal(exact('a: [\n  [\n    [1]\n  ]\n]\n'), 4);
  });
});
