/**
 * Quick fixes for the diagnostics of ./validate.ts: apply a did-you-mean (unknown key, enum value,
 * backbone.format), insert a missing required key with its default or example, make `prompt.init`
 * fit `prompt.method`, set `backbone.arch` to what the checkpoint holds, and `pool: mean` for MAE.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  type CodeAction,
  CodeActionKind,
  type Diagnostic,
  type Range,
  type TextEdit,
} from 'vscode-languageserver-types';
import { type Document, isMap, isScalar, type Node, parse, type YAMLMap } from 'yaml';
import { experimentSchema } from '../../config/experiment-schema';
import { SPT_INITS } from '../../config/methods';
import { type Field, fieldAt } from '../../config/schema-dsl';
import { sweepSchema } from '../../config/sweep/sweep-schema';
import { parseYaml, toRange } from './positions';
import { isSweepUri } from './sweep';
import { DIAGNOSTIC_SOURCE, problemsOf, type ValidateOptions } from './validate';

interface FixData {
  path: (string | number)[];
  suggestion?: string;
}

const PLAIN = /^[A-Za-z0-9_./~-][\w./~ -]*$/;

/** A scalar as YAML text. */
function scalarText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return PLAIN.test(v) && parse(v) === v ? v : JSON.stringify(v);
  return String(v);
}

/** The value to write for a field: its example, else its default, else a placeholder of its type. */
function valueFor(f: Field): unknown {
  if (f.example !== undefined) return f.example;
  if ('default' in f && f.default !== undefined) return f.default;
  switch (f.kind) {
    case 'nullable':
      return null;
    case 'number':
      return f.min ?? 0;
    case 'boolean':
      return false;
    case 'enum':
      return f.values[0];
    case 'oneOf':
      return valueFor(f.options[0]);
    default:
      return '';
  }
}

/** `key: value` lines for a field, nested objects written with their required keys. */
function entryText(key: string, f: Field, indent: number, flow: boolean): string {
  if (f.kind === 'object') {
    const keys = (f.required?.length ? f.required : []) as string[];
    if (flow || keys.length === 0)
      return `${key}: {${keys.map((k) => entryText(k, f.fields[k], 0, true)).join(', ')}}`;
    return `${key}:\n${keys.map((k) => ' '.repeat(indent + 2) + entryText(k, f.fields[k], indent + 2, false)).join('\n')}`;
  }
  return `${key}: ${scalarText(valueFor(f))}`;
}

/** An edit that adds `key` (with `valueText` lines) to the mapping at `parent`. */
function insertKey(
  doc: TextDocument,
  yaml: Document,
  parent: string[],
  key: string,
  f: Field,
): TextEdit | undefined {
  const text = doc.getText();
  const node = (parent.length ? yaml.getIn(parent, true) : yaml.contents) as Node | null | undefined;
  const at = (offset: number, newText: string): TextEdit => ({
    range: toRange(doc, [offset, offset]),
    newText,
  });
  if (isMap(node) && node.range) {
    const map = node as YAMLMap;
    if (map.flow) {
      const close = text.lastIndexOf('}', map.range![1]);
      if (close < 0) return undefined;
      return at(close, `${map.items.length ? ', ' : ''}${entryText(key, f, 0, true)}`);
    }
    const start = map.range![0];
    const indent = start - (text.lastIndexOf('\n', start - 1) + 1);
    const end = map.range![1];
    const needsNewline = end > 0 && text[end - 1] !== '\n';
    return at(end, `${needsNewline ? '\n' : ''}${' '.repeat(indent)}${entryText(key, f, indent, false)}\n`);
  }
  if (parent.length === 0) {
    // An empty document (or one that is not a mapping): append.
    const needsNewline = text.length > 0 && !text.endsWith('\n');
    return at(text.length, `${needsNewline ? '\n' : ''}${entryText(key, f, 0, false)}\n`);
  }
  // The parent key is written with an empty value (`backbone:`): add the key under it.
  const grand = (parent.length > 1 ? yaml.getIn(parent.slice(0, -1), true) : yaml.contents) as Node | null;
  if (!isMap(grand)) return undefined;
  const pair = grand.items.find((p) => isScalar(p.key) && String(p.key.value) === parent[parent.length - 1]);
  const keyNode = pair?.key as Node | undefined;
  if (!keyNode?.range || (pair?.value && !(isScalar(pair.value) && pair.value.value === null)))
    return undefined;
  const lineEnd = text.indexOf('\n', keyNode.range[1]);
  const insertAt = lineEnd < 0 ? text.length : lineEnd;
  const indent = keyNode.range[0] - (text.lastIndexOf('\n', keyNode.range[0] - 1) + 1) + 2;
  return at(insertAt, `\n${' '.repeat(indent)}${entryText(key, f, indent, false)}`);
}

/** Replaces the value at `keyPath` (or adds the key when it is not written). */
function setValue(
  doc: TextDocument,
  yaml: Document,
  keyPath: string[],
  newText: string,
): TextEdit | undefined {
  const node = yaml.getIn(keyPath, true) as Node | undefined;
  if (node?.range) {
    const text = doc.getText();
    let [start, end] = node.range;
    while (end > start && /\s/.test(text[end - 1])) end--;
    return { range: toRange(doc, [start, end]), newText };
  }
  const field = fieldAt(experimentSchema, keyPath);
  if (!field) return undefined;
  const withValue = { ...field, example: newText } as Field;
  return insertKey(doc, yaml, keyPath.slice(0, -1), keyPath[keyPath.length - 1], withValue);
}

/** Writes a section that has an empty value (`backbone:`) with its required keys. */
function fillSection(doc: TextDocument, yaml: Document, keyPath: string[], f: Field): TextEdit | undefined {
  const parent = (keyPath.length > 1 ? yaml.getIn(keyPath.slice(0, -1), true) : yaml.contents) as Node | null;
  if (!isMap(parent) || parent.flow) return undefined;
  const pair = parent.items.find(
    (p) => isScalar(p.key) && String(p.key.value) === keyPath[keyPath.length - 1],
  );
  const key = pair?.key as Node | undefined;
  const value = pair?.value as Node | null | undefined;
  if (!key?.range || (value && !(isScalar(value) && value.value === null))) return undefined;
  const text = doc.getText();
  const colon = text.indexOf(':', key.range[1]);
  const end = Math.max(colon + 1, value?.range?.[1] ?? 0);
  const indent = key.range[0] - (text.lastIndexOf('\n', key.range[0] - 1) + 1);
  return {
    range: toRange(doc, [key.range[0], end]),
    newText: entryText(keyPath[keyPath.length - 1], f, indent, false),
  };
}

/** Deletes the whole line(s) of the pair at `keyPath` (block style) or the pair (flow style). */
function removeKey(doc: TextDocument, yaml: Document, keyPath: string[]): TextEdit | undefined {
  const parent = (keyPath.length > 1 ? yaml.getIn(keyPath.slice(0, -1), true) : yaml.contents) as Node | null;
  if (!isMap(parent)) return undefined;
  const idx = parent.items.findIndex(
    (p) => isScalar(p.key) && String(p.key.value) === keyPath[keyPath.length - 1],
  );
  if (idx < 0) return undefined;
  const pair = parent.items[idx];
  const key = pair.key as Node;
  const value = pair.value as Node | null;
  const text = doc.getText();
  if (!key.range) return undefined;
  if (parent.flow) {
    const end = value?.range ? value.range[1] : key.range[1];
    const next = text.slice(end).match(/^\s*,\s*/);
    const prev = idx > 0 ? text.slice(0, key.range[0]).match(/,\s*$/) : null;
    if (next) return { range: toRange(doc, [key.range[0], end + next[0].length]), newText: '' };
    if (prev) return { range: toRange(doc, [key.range[0] - prev[0].length, end]), newText: '' };
    return { range: toRange(doc, [key.range[0], end]), newText: '' };
  }
  const lineStart = text.lastIndexOf('\n', key.range[0] - 1) + 1;
  const end = value?.range ? value.range[1] : key.range[1];
  const lineEnd = text.indexOf('\n', end - 1 >= lineStart ? Math.max(end - 1, key.range[1]) : end);
  return { range: toRange(doc, [lineStart, lineEnd < 0 ? text.length : lineEnd + 1]), newText: '' };
}

function action(
  doc: TextDocument,
  title: string,
  d: Diagnostic,
  edit: TextEdit | undefined,
  preferred = false,
) {
  if (!edit) return undefined;
  const a: CodeAction = {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    edit: { changes: { [doc.uri]: [edit] } },
  };
  if (preferred) a.isPreferred = true;
  return a;
}

/** Enums with more values than this get only the did-you-mean fix. */
const MAX_ENUM_FIXES = 8;

/** The allowed values of the enum at `keyPath` (an experiment file, or a sweep file and its overrides). */
function enumValues(doc: TextDocument, keyPath: string[]): string[] {
  let field: Field | undefined;
  if (isSweepUri(doc.uri)) {
    const at = keyPath[0] === 'grid' ? 1 : keyPath[0] === 'list' || keyPath[0] === 'tasks' ? 2 : -1;
    field =
      at > 0 && keyPath.length > at
        ? fieldAt(experimentSchema, keyPath[at].split('.'))
        : fieldAt(sweepSchema, keyPath);
  } else field = fieldAt(experimentSchema, keyPath);
  const values: string[] = [];
  const collect = (f: Field | undefined) => {
    if (f?.kind === 'enum') values.push(...f.values);
    else if (f?.kind === 'nullable') collect(f.inner);
    else if (f?.kind === 'oneOf') for (const o of f.options) collect(o);
    else if (f?.kind === 'list') collect(f.items);
  };
  collect(field);
  return values;
}

function fixesFor(
  doc: TextDocument,
  yaml: Document,
  d: Diagnostic,
  data: FixData,
): (CodeAction | undefined)[] {
  const keyPath = data.path.map(String);
  const s = data.suggestion;
  switch (d.code) {
    case 'unknown-key': {
      const key = keyPath[keyPath.length - 1];
      return [
        s ? action(doc, `Change to '${s}'`, d, { range: d.range, newText: s }, true) : undefined,
        action(doc, `Remove unknown key '${key}'`, d, removeKey(doc, yaml, keyPath)),
      ];
    }
    case 'enum': {
      // The did-you-mean first (preferred), then every other allowed value of a short list.
      const written = doc.getText(d.range).replace(/^(["'])(.*)\1$/, '$2');
      const others = enumValues(doc, keyPath).filter((v) => v !== s && v !== written);
      return [
        s ? action(doc, `Change to '${s}'`, d, { range: d.range, newText: s }, true) : undefined,
        ...(others.length + (s ? 1 : 0) <= MAX_ENUM_FIXES
          ? others.map((v) => action(doc, `Change to '${v}'`, d, { range: d.range, newText: v }))
          : []),
      ];
    }
    case 'format-mismatch':
    case 'pool-mae': {
      // pool-mae may mark the checkpoint (pool not written): the fix always sets the key itself.
      const target = d.code === 'pool-mae' ? ['backbone', 'pool'] : keyPath;
      return s ? [action(doc, `Set ${target.join('.')}: ${s}`, d, setValue(doc, yaml, target, s), true)] : [];
    }
    case 'arch-mismatch':
      return s
        ? [action(doc, `Set backbone.arch to ${s}`, d, setValue(doc, yaml, ['backbone', 'arch'], s), true)]
        : [];
    case 'type': {
      const field = fieldAt(experimentSchema, keyPath);
      if (field?.kind !== 'object' || !field.required?.length) return [];
      const key = keyPath[keyPath.length - 1];
      return [
        action(doc, `Add the required keys of '${key}'`, d, fillSection(doc, yaml, keyPath, field), true),
      ];
    }
    case 'missing-key': {
      const field = fieldAt(experimentSchema, keyPath);
      if (!field) return [];
      const key = keyPath[keyPath.length - 1];
      return [
        action(
          doc,
          `Add missing key '${key}'`,
          d,
          insertKey(doc, yaml, keyPath.slice(0, -1), key, field),
          true,
        ),
      ];
    }
    case 'init-method': {
      const method = yaml.getIn(['prompt', 'method']) ?? 'spt';
      const init = ['prompt', 'init'];
      if (method === 'spt') {
        return [
          ...SPT_INITS.map((v, i) =>
            action(doc, `Set prompt.init: ${v}`, d, setValue(doc, yaml, init, v), i === 0),
          ),
          action(doc, 'Set prompt.method: vpt', d, setValue(doc, yaml, ['prompt', 'method'], 'vpt')),
        ];
      }
      if (method === 'vpt') {
        return [
          action(doc, 'Set prompt.init: xavier', d, setValue(doc, yaml, init, 'xavier'), true),
          action(doc, 'Set prompt.method: spt', d, setValue(doc, yaml, ['prompt', 'method'], 'spt')),
        ];
      }
      return [action(doc, 'Remove prompt.init', d, removeKey(doc, yaml, init), true)];
    }
    default:
      return [];
  }
}

const overlaps = (a: Range, b: Range) =>
  !(
    a.end.line < b.start.line ||
    (a.end.line === b.start.line && a.end.character < b.start.character) ||
    b.end.line < a.start.line ||
    (b.end.line === a.start.line && b.end.character < a.start.character)
  );

/**
 * Quick fixes for `diagnostics` (those the client sends for `range`; when it sends none, the
 * document's own diagnostics overlapping `range`).
 */
export function codeActions(
  doc: TextDocument,
  range: Range,
  diagnostics?: Diagnostic[],
  options: ValidateOptions = {},
): CodeAction[] {
  let fresh: Diagnostic[] | undefined;
  const ours = () => {
    if (!fresh) {
      const { problems } = problemsOf(doc, options);
      fresh = problems.map((p) => ({
        range: toRange(doc, p.range),
        message: p.message,
        code: p.code,
        source: DIAGNOSTIC_SOURCE,
        data: p.data,
      }));
    }
    return fresh;
  };
  const list = diagnostics?.length ? diagnostics : ours().filter((d) => overlaps(d.range, range));
  const yaml = parseYaml(doc.getText());
  const out: CodeAction[] = [];
  for (const d of list) {
    if (d.source !== undefined && d.source !== DIAGNOSTIC_SOURCE) continue;
    let data = d.data as FixData | undefined;
    if (!data?.path) {
      const same = ours().find(
        (x) => x.message === d.message && x.range.start.line === d.range.start.line && x.code === d.code,
      );
      data = same?.data as FixData | undefined;
    }
    if (!data?.path) continue;
    for (const a of fixesFor(doc, yaml, d, data)) if (a) out.push(a);
  }
  return out;
}
