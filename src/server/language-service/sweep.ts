/**
 * The language service for sweep files (`*.sweep.yaml`): diagnostics from the engine's own sweep
 * parser (the sweep schema, every override key and value against the experiment schema, every
 * expanded configuration), hover (sweep keys from the sweep schema; override keys with the experiment
 * field's documentation), and completion (sweep keys, enum values, experiment files, and the
 * experiment's key paths under grid, list entries and tasks).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Position, TextDocument } from 'vscode-languageserver-textdocument';
import {
  type CompletionItem,
  CompletionItemKind,
  type CompletionList,
  type Hover,
  MarkupKind,
  type Range,
} from 'vscode-languageserver-types';
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { experimentSchema } from '../../config/experiment-schema';
import { type Field, fieldAt } from '../../config/schema-dsl';
import { overrideKeys, parseSweep } from '../../config/sweep/sweep-file';
import { sweepSchema } from '../../config/sweep/sweep-schema';
import type { LsProblem } from './file-checks';
import { fieldMarkdown, typeLabel } from './hover';
import { parseYaml, toRange } from './positions';

export const isSweepUri = (uri: string): boolean => /\.sweep\.ya?ml$/i.test(uri);

function filePath(doc: TextDocument): string | undefined {
  if (!doc.uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(doc.uri);
  } catch {
    return undefined;
  }
}

/** Problems of a sweep document and the files they depend on (the experiment file). */
export function sweepProblems(doc: TextDocument): { problems: LsProblem[]; files: string[] } {
  const parsed = parseSweep(doc.getText(), { file: filePath(doc) });
  const problems = parsed.problems.map(
    (p): LsProblem => ({
      range: p.range,
      message: p.message,
      severity: p.severity,
      code: p.code ?? 'schema',
      data: p.suggestion === undefined ? { path: p.path } : { path: p.path, suggestion: p.suggestion },
    }),
  );
  return { problems, files: parsed.experimentFile ? [parsed.experimentFile] : [] };
}

/** Sections whose keys are experiment key paths: grid, list entries, a task's overrides. */
function isOverrideParent(p: readonly (string | number)[]): boolean {
  return (
    (p.length === 1 && p[0] === 'grid') ||
    (p.length === 2 && p[0] === 'list' && typeof p[1] === 'number') ||
    (p.length === 2 && p[0] === 'tasks')
  );
}

interface Hit {
  path: (string | number)[];
  part: 'key' | 'value';
  range: [number, number];
  value?: unknown;
}

/** The innermost key or scalar value at `offset`, walking mappings and lists. */
function nodeAt(root: Node | null, offset: number): Hit | undefined {
  const within = (n: Node | null | undefined): n is Node =>
    !!n?.range && offset >= n.range[0] && offset <= n.range[1];
  const walk = (node: Node | null, p: (string | number)[]): Hit | undefined => {
    if (isMap(node)) {
      for (const pair of node.items as Pair[]) {
        const k = pair.key as Node | null;
        if (!isScalar(k)) continue;
        const kp = [...p, String(k.value)];
        if (within(k)) return { path: kp, part: 'key', range: [k.range![0], k.range![1]] };
        const v = pair.value as Node | null;
        if (within(v)) return walk(v, kp);
      }
      return undefined;
    }
    if (isSeq(node)) {
      for (const [i, item] of (node.items as (Node | null)[]).entries())
        if (within(item)) return walk(item, [...p, i]);
      return undefined;
    }
    if (isScalar(node) && node.range)
      return { path: p, part: 'value', range: [node.range[0], node.range[1]], value: node.value };
    return undefined;
  };
  return walk(root, []);
}

/** The experiment field an override path names (grid.<key>, list.<i>.<key>, tasks.<name>.<key>). */
function overrideField(p: readonly (string | number)[]): { key: string; field: Field } | undefined {
  const at = p[0] === 'grid' ? 1 : p[0] === 'list' || p[0] === 'tasks' ? 2 : -1;
  if (at < 0 || p.length <= at) return undefined;
  const key = String(p[at]);
  const field = fieldAt(experimentSchema, key.split('.'));
  return field ? { key, field } : undefined;
}

export function sweepHover(doc: TextDocument, pos: Position): Hover | null {
  const yaml = parseYaml(doc.getText());
  const hit = nodeAt(yaml.contents as Node | null, doc.offsetAt(pos));
  if (!hit) return null;
  let value: string | undefined;
  const o = overrideField(hit.path);
  if (o) {
    value = `Override of the experiment key **${o.key}**\n\n---\n\n${fieldMarkdown(o.field, o.key.split('.'))}`;
  } else if (hit.part === 'key' && hit.path.length === 2 && hit.path[0] === 'tasks') {
    value = `**tasks.${hit.path[1]}** · task\n\n${sweepSchema.fields.tasks.keyDoc ?? ''} Its overrides apply to every run of the task.`;
  } else {
    const p = hit.path.filter((k): k is string => typeof k === 'string');
    const field = fieldAt(sweepSchema, p);
    if (field) value = fieldMarkdown(field, p);
  }
  return value ? { contents: { kind: MarkupKind.Markdown, value }, range: toRange(doc, hit.range) } : null;
}

const KEY_LINE = /^(\s*)(?:-\s+)?([A-Za-z_][\w.-]*)?$/;
const VALUE_LINE = /^(\s*)(?:-\s+)?([A-Za-z_][\w.-]*)\s*:\s+(["']?)([^[{]*)$/;

const indentOf = (l: string) => l.length - l.trimStart().length;
const isBlank = (l: string) => /^\s*(#.*)?$/.test(l);

/**
 * The key path of the block that a line with this indentation belongs to, from indentation (the YAML
 * is often broken while typing); a `- ` item under `list:` counts as entry 0 (enough for completion).
 */
function blockPath(lines: string[], line: number, indent: number): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  let cur = indent;
  for (let i = line - 1; i >= 0 && cur > 0; i--) {
    if (isBlank(lines[i])) continue;
    const l = lines[i].replace(/^(\s*)- /, '$1  ');
    const ind = indentOf(l);
    if (ind >= cur) continue;
    const m = /^\s*([A-Za-z_][\w.-]*)\s*:\s*(#.*)?$/.exec(l);
    if (!m) return undefined;
    out.unshift(m[1]);
    cur = ind;
  }
  if (out.length === 1 && out[0] === 'list') out.push(0);
  return out;
}

/** Keys written at `indent` in the block around `line`. */
function writtenKeys(lines: string[], line: number, indent: number): Set<string> {
  const keys = new Set<string>();
  for (const step of [-1, 1])
    for (let i = line + step; i >= 0 && i < lines.length; i += step) {
      if (isBlank(lines[i])) continue;
      if (indentOf(lines[i]) < indent) break;
      const m = /^\s*([\w.-]+)\s*:/.exec(lines[i]);
      if (indentOf(lines[i]) === indent && m) keys.add(m[1]);
    }
  return keys;
}

export function sweepComplete(doc: TextDocument, pos: Position): CompletionList {
  const lines = doc.getText().split(/\r\n|\r|\n/);
  const before = (lines[pos.line] ?? '').slice(0, pos.character);
  const items: CompletionItem[] = [];
  const done = { isIncomplete: false, items };
  if (/#/.test(before.replace(/(["']).*?\1/g, ''))) return done;

  const value = VALUE_LINE.exec(before);
  if (value) {
    const indent = before.length - before.trimStart().length + (/^\s*-\s/.test(before) ? 2 : 0);
    const parent = blockPath(lines, pos.line, indent);
    if (!parent) return done;
    const typed = value[4];
    const range: Range = { start: { line: pos.line, character: pos.character - typed.length }, end: pos };
    const full = [...parent, value[2]];
    let field =
      overrideField(full)?.field ??
      fieldAt(
        sweepSchema,
        full.filter((k): k is string => typeof k === 'string'),
      );
    while (field?.kind === 'nullable') field = field.inner;
    if (field?.kind === 'enum')
      for (const v of field.values)
        items.push({
          label: v,
          kind: CompletionItemKind.EnumMember,
          detail: field.valueDocs?.[v],
          textEdit: { range, newText: v },
        });
    else if (field?.kind === 'boolean')
      for (const v of ['true', 'false'])
        items.push({ label: v, kind: CompletionItemKind.Value, textEdit: { range, newText: v } });
    else if (full.length === 1 && full[0] === 'experiment') {
      const file = filePath(doc);
      const slash = typed.lastIndexOf('/');
      const sub = slash >= 0 ? typed.slice(0, slash + 1) : './';
      if (file)
        try {
          for (const e of fs.readdirSync(path.resolve(path.dirname(file), sub), { withFileTypes: true })) {
            if (!(e.isDirectory() || e.name.endsWith('.spt.yaml')) || e.name.startsWith('.')) continue;
            const text = `${sub}${e.name}${e.isDirectory() ? '/' : ''}`;
            items.push({
              label: `${e.name}${e.isDirectory() ? '/' : ''}`,
              kind: e.isDirectory() ? CompletionItemKind.Folder : CompletionItemKind.File,
              filterText: text,
              textEdit: { range, newText: text },
            });
          }
        } catch {
          // no such folder
        }
    }
    return done;
  }

  const key = KEY_LINE.exec(before);
  if (!key) return done;
  const indent = key[1].length + (/^\s*-\s/.test(before) ? 2 : 0);
  const parent = blockPath(lines, pos.line, indent);
  if (!parent) return done;
  const typedStart = pos.character - (key[2]?.length ?? 0);
  const range: Range = { start: { line: pos.line, character: typedStart }, end: pos };
  if (isOverrideParent(parent)) {
    for (const k of overrideKeys()) {
      const f = fieldAt(experimentSchema, k.split('.'));
      if (!f || f.kind === 'object') continue;
      items.push({
        label: k,
        kind: CompletionItemKind.Property,
        detail: typeLabel(f),
        documentation: { kind: MarkupKind.Markdown, value: fieldMarkdown(f, k.split('.')) },
        textEdit: { range, newText: parent[0] === 'grid' ? `${k}: [` : `${k}: ` },
      });
    }
    return done;
  }
  const obj = parent.length === 0 ? sweepSchema : fieldAt(sweepSchema, parent.map(String));
  if (obj?.kind !== 'object') return done;
  const written = writtenKeys(lines, pos.line, indent);
  for (const [k, f] of Object.entries(obj.fields)) {
    if (written.has(k)) continue;
    const nested = f.kind === 'object' || f.kind === 'record' || f.kind === 'list';
    items.push({
      label: k,
      kind: nested ? CompletionItemKind.Module : CompletionItemKind.Property,
      detail: typeLabel(f),
      documentation: { kind: MarkupKind.Markdown, value: fieldMarkdown(f, [...parent.map(String), k]) },
      textEdit: { range, newText: nested ? `${k}:\n${' '.repeat(indent + 2)}` : `${k}: ` },
    });
  }
  return done;
}
