/**
 * Completion from the text around the cursor (the YAML is usually broken while typing, so the key
 * path comes from indentation, not from the parse tree): keys valid at the cursor, enum values with
 * their documentation, architecture names, numbers from the defaults and recipes, and file paths
 * relative to the document (split files relative to data.root).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Position, TextDocument } from 'vscode-languageserver-textdocument';
import {
  type CompletionItem,
  CompletionItemKind,
  type CompletionList,
  InsertTextFormat,
  MarkupKind,
  type Range,
} from 'vscode-languageserver-types';
import { experimentSchema } from '../../config/experiment-schema';
import { type Field, fieldAt } from '../../config/schema-dsl';
import { archSummary, fieldMarkdown, typeLabel } from './hover';
import { parseYaml, stringAt } from './positions';
import { documentDir } from './validate';

const MAX_PATH_ITEMS = 200;
const KEY_LINE = /^(\s*)([A-Za-z_][\w-]*)\s*:\s*(#.*)?$/;
const indentOf = (line: string) => /^ */.exec(line)![0].length;
const isBlank = (line: string) => /^\s*(#.*)?$/.test(line);

/** The key path of the block a line with this indentation belongs to (undefined: not a block). */
export function parentPath(lines: string[], lineNo: number, indent: number): string[] | undefined {
  const out: string[] = [];
  let cur = indent;
  for (let i = lineNo - 1; i >= 0 && cur > 0; i--) {
    if (isBlank(lines[i])) continue;
    const ind = indentOf(lines[i]);
    if (ind >= cur) continue;
    const m = KEY_LINE.exec(lines[i]);
    if (!m) return undefined;
    out.unshift(m[2]);
    cur = ind;
  }
  return out;
}

/** Keys already written at `indent` in the block around `lineNo`. */
function siblingKeys(lines: string[], lineNo: number, indent: number): Set<string> {
  const keys = new Set<string>();
  const scan = (step: number) => {
    for (let i = lineNo + step; i >= 0 && i < lines.length; i += step) {
      if (isBlank(lines[i])) continue;
      const ind = indentOf(lines[i]);
      if (ind < indent) return;
      const m = /^\s*([A-Za-z_][\w-]*)\s*:/.exec(lines[i]);
      if (ind === indent && m) keys.add(m[1]);
    }
  };
  scan(-1);
  scan(1);
  return keys;
}

const unwrap = (f: Field): Field => {
  while (f.kind === 'nullable') f = f.inner;
  return f;
};

function keyItems(
  parent: string[],
  lines: string[],
  pos: Position,
  indent: number,
  typedStart: number,
): CompletionItem[] {
  const f = fieldAt(experimentSchema, parent) ?? (parent.length === 0 ? experimentSchema : undefined);
  let obj = f && unwrap(f);
  if (obj?.kind === 'oneOf') obj = obj.options.find((o) => o.kind === 'object');
  if (obj?.kind !== 'object') return [];
  const present = siblingKeys(lines, pos.line, indent);
  const range: Range = { start: { line: pos.line, character: typedStart }, end: pos };
  const items: CompletionItem[] = [];
  for (const [key, sub] of Object.entries(obj.fields)) {
    if (present.has(key)) continue;
    const required = obj.required?.includes(key) ?? false;
    const nested = unwrap(sub).kind === 'object';
    const newText = nested ? `${key}:\n${' '.repeat(indent + 2)}` : `${key}: `;
    items.push({
      label: key,
      kind: nested ? CompletionItemKind.Module : CompletionItemKind.Property,
      detail: `${typeLabel(sub)}${required ? ' (required)' : ''}`,
      documentation: { kind: MarkupKind.Markdown, value: fieldMarkdown(sub, [...parent, key]) },
      sortText: `${required ? 0 : 1}${key}`,
      textEdit: { range, newText },
      insertTextFormat: InsertTextFormat.PlainText,
    });
  }
  return items;
}

const CHECKPOINT_FILE = /\.(pth|pt|bin|tar|safetensors|npz)$/i;

function pathItems(
  baseDir: string,
  typed: string,
  kind: 'file' | 'dir',
  accept: RegExp | undefined,
  range: Range,
): CompletionItem[] {
  const slash = typed.lastIndexOf('/');
  const dirPart = slash >= 0 ? typed.slice(0, slash + 1) : '';
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.resolve(baseDir, dirPart || '.'), { withFileTypes: true });
  } catch {
    return [];
  }
  const items: CompletionItem[] = [];
  for (const e of entries) {
    if (items.length >= MAX_PATH_ITEMS) break;
    if (e.name.startsWith('.') && !typed.slice(slash + 1).startsWith('.')) continue;
    const dir = e.isDirectory();
    if (!dir && (kind === 'dir' || (accept && !accept.test(e.name)))) continue;
    const text = `${dirPart}${e.name}${dir ? '/' : ''}`;
    items.push({
      label: `${e.name}${dir ? '/' : ''}`,
      kind: dir ? CompletionItemKind.Folder : CompletionItemKind.File,
      filterText: text,
      sortText: `${dir && kind === 'file' ? 1 : 0}${e.name}`,
      textEdit: { range, newText: text },
      ...(dir && kind === 'file'
        ? { command: { title: 'more', command: 'editor.action.triggerSuggest' } }
        : {}),
    });
  }
  return items;
}

function valueItems(doc: TextDocument, keyPath: string[], typed: string, range: Range): CompletionItem[] {
  const field = fieldAt(experimentSchema, keyPath);
  if (!field) return [];
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  const add = (label: string, kind: CompletionItemKind, detail?: string, doc?: string) => {
    if (seen.has(label)) return;
    seen.add(label);
    items.push({
      label,
      kind,
      ...(detail ? { detail } : {}),
      ...(doc ? { documentation: { kind: MarkupKind.Markdown, value: doc } } : {}),
      sortText: `${String(items.length).padStart(3, '0')}`,
      textEdit: { range, newText: label },
    });
  };
  const visit = (f: Field) => {
    switch (f.kind) {
      case 'nullable':
        visit(f.inner);
        add('null', CompletionItemKind.Keyword, f.doc);
        return;
      case 'oneOf':
        for (const o of f.options) visit(o);
        return;
      case 'enum':
        for (const v of f.values) {
          const d = f.valueDocs?.[v] ?? archSummary(v);
          add(v, CompletionItemKind.EnumMember, d, d);
        }
        return;
      case 'boolean':
        add('true', CompletionItemKind.Value);
        add('false', CompletionItemKind.Value);
        return;
      case 'number':
        if (f.default !== undefined) add(String(f.default), CompletionItemKind.Value, 'default');
        for (const r of f.recipes ?? [])
          add(String(r.value), CompletionItemKind.Value, `recipe: ${r.source}`);
        return;
      case 'string': {
        const dir = documentDir(doc);
        if (f.path && dir)
          items.push(
            ...pathItems(dir, typed, f.path, f.path === 'file' ? CHECKPOINT_FILE : undefined, range),
          );
        if (f.example !== undefined) add(String(f.example), CompletionItemKind.Value, 'example');
        if (f.default !== undefined) add(f.default, CompletionItemKind.Value, 'default');
        return;
      }
      default:
        return;
    }
  };
  visit(field);
  // Split files are relative to data.root.
  if (keyPath[0] === 'data' && ['train', 'val', 'test'].includes(keyPath[1])) {
    const dir = documentDir(doc);
    const yaml = parseYaml(doc.getText());
    const root = stringAt(yaml, ['data', 'root']);
    if (dir && root) {
      const imagefolder = stringAt(yaml, ['data', 'format']) === 'imagefolder';
      items.push(
        ...pathItems(path.resolve(dir, root), typed, imagefolder ? 'dir' : 'file', /\.(txt|json)$/i, range),
      );
    }
  }
  return items;
}

export function complete(doc: TextDocument, pos: Position): CompletionList {
  const text = doc.getText();
  const lines = text.split(/\r\n|\r|\n/);
  const line = lines[pos.line] ?? '';
  const before = line.slice(0, pos.character);
  const empty: CompletionList = { isIncomplete: false, items: [] };
  if (/#/.test(before.replace(/(["']).*?\1/g, ''))) return empty; // in a comment

  const value = /^(\s*)([A-Za-z_][\w-]*)\s*:\s+(["']?)(.*)$/.exec(before);
  if (value) {
    const parent = parentPath(lines, pos.line, value[1].length);
    if (!parent) return empty;
    const typed = value[4];
    const start = pos.character - typed.length;
    const range: Range = { start: { line: pos.line, character: start }, end: pos };
    return { isIncomplete: false, items: valueItems(doc, [...parent, value[2]], typed, range) };
  }
  const key = /^(\s*)([A-Za-z_][\w-]*)?$/.exec(before);
  if (key) {
    const indent = key[1].length;
    const parent = parentPath(lines, pos.line, indent);
    if (!parent) return empty;
    return { isIncomplete: false, items: keyItems(parent, lines, pos, indent, indent) };
  }
  return empty;
}
