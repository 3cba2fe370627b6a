/**
 * Issue 14, item 11: a fix hint said "set numClasses to at least 8" where the field is
 * `data.num_classes`. Every message text in src/ (string literals and the text of template literals,
 * read with the TypeScript parser) is checked: a field named as `section.key` must exist in the
 * experiment schema (or the sweep schema for its own sections), no schema key appears in its camelCase
 * spelling, and "set/remove/lower <key>" always names the full path.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { experimentSchema } from '../../../src/config/experiment-schema';
import { type Field, fieldAt } from '../../../src/config/schema-dsl';
import { sweepSchema } from '../../../src/config/sweep/sweep-schema';
import { parseSplitFile } from '../../../src/engine/data/split-file';

const SRC = path.join(__dirname, '../../../src');

/** File extensions, so that `data.pkl` or `train.txt` is not read as a field path. */
const EXTENSIONS = new Set(['pkl', 'txt', 'json', 'jsonl', 'yaml', 'yml', 'ts', 'js', 'md', 'csv', 'lock']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The texts of a file's string and template literals that read like prose (they contain a space). */
function messageTexts(file: string): { text: string; where: string }[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: { text: string; where: string }[] = [];
  const add = (text: string, node: ts.Node) => {
    if (/\s/.test(text))
      out.push({
        text,
        where: `${path.relative(SRC, file)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`,
      });
  };
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) add(n.text, n);
    else if (ts.isTemplateExpression(n)) {
      add(n.head.text, n.head);
      for (const s of n.templateSpans) add(s.literal.text, s.literal);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Every key of an object schema, at any depth. */
function keysOf(f: Field, into = new Set<string>()): Set<string> {
  if (f.kind === 'object')
    for (const [k, v] of Object.entries(f.fields)) {
      into.add(k);
      keysOf(v, into);
    }
  else if (f.kind === 'nullable') keysOf(f.inner, into);
  else if (f.kind === 'oneOf') for (const o of f.options) keysOf(o, into);
  return into;
}

const sections = (s: Field) =>
  s.kind === 'object' ? Object.keys(s.fields).filter((k) => s.fields[k].kind === 'object') : [];
const EXPERIMENT_SECTIONS = sections(experimentSchema);
const SWEEP_SECTIONS = sections(sweepSchema).filter((k) => !EXPERIMENT_SECTIONS.includes(k));
const KEYS = keysOf(experimentSchema);
const CAMEL = new Map(
  [...KEYS].filter((k) => k.includes('_')).map((k) => [k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), k]),
);

/** The problems of one text: field paths that do not exist, camelCase keys, bare keys after a verb. */
function hintProblems(text: string): string[] {
  const out: string[] = [];
  const dotted = new RegExp(
    `(?<![\\w./-])(${[...EXPERIMENT_SECTIONS, ...SWEEP_SECTIONS].join('|')})\\.([A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*)*)`,
    'g',
  );
  for (const m of text.matchAll(dotted)) {
    const parts = [m[1], ...m[2].split('.')];
    if (parts.length === 2 && EXTENSIONS.has(parts[1])) continue;
    const schema = SWEEP_SECTIONS.includes(m[1]) ? sweepSchema : experimentSchema;
    if (!fieldAt(schema, parts)) out.push(`'${m[0]}' is not a field`);
  }
  for (const m of text.matchAll(/\b[a-z]+(?:[A-Z][a-z]*)+\b/g))
    if (CAMEL.has(m[0])) out.push(`'${m[0]}' should be written as the field path of ${CAMEL.get(m[0])}`);
  for (const m of text.matchAll(/(?<!-)\b(?:set|remove|lower|raise|increase|change) `?([a-z_]+)(?![\w.])/g))
    if (KEYS.has(m[1])) out.push(`'${m[0]}' names the key ${m[1]} without its section`);
  return out;
}

describe('fix hints name real fields (issue 14, item 11)', () => {
  it('the check itself catches the old hint and its kind', () => {
    assert.deepEqual(hintProblems('set numClasses to at least 8 in the experiment config'), [
      "'numClasses' should be written as the field path of num_classes",
    ]);
    assert.deepEqual(hintProblems('set format: auto'), [
      "'set format' names the key format without its section",
    ]);
    assert.deepEqual(hintProblems('set data.num_class to 3'), ["'data.num_class' is not a field"]);
    assert.deepEqual(hintProblems('set select.metric: val_acc, --set train.lr=0.1, train.txt, data.pkl'), []);
  });

  it('every message in src/ names fields by their path in the schema', () => {
    const files = sourceFiles(SRC);
    assert.ok(files.length > 100, `${files.length} source files`);
    const found = files.flatMap((f) =>
      messageTexts(f).flatMap(({ text, where }) => hintProblems(text).map((p) => `${where}: ${p}`)),
    );
    assert.deepEqual(found, []);
  });

  it('the label hint of a split file names data.num_classes', () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'spt-hint-'));
    try {
      const f = path.join(dir, 'train.txt');
      fs.writeFileSync(f, 'a.jpg 0\nb.jpg 7\n');
      assert.throws(
        () => parseSplitFile(f, { numClasses: 3 }),
        (e: { fix?: string }) => {
          assert.match(e.fix ?? '', /^set data\.num_classes to at least 8 in the experiment file/);
          assert.deepEqual(hintProblems(e.fix ?? ''), []);
          return true;
        },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
