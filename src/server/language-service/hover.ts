/**
 * Hover: a key's documentation, type, default, allowed values and the paper's recipe values; on an
 * enum value, that value's documentation first; on an architecture name, its size.
 */
import type { Position, TextDocument } from 'vscode-languageserver-textdocument';
import { type Hover, MarkupKind } from 'vscode-languageserver-types';
import { isScalar } from 'yaml';
import { NAMED_VITS, type NamedViT } from '../../config/architectures';
import { experimentSchema } from '../../config/experiment-schema';
import { type Field, fieldAt } from '../../config/schema-dsl';
import { pairAt, parseYaml, toRange } from './positions';

const code = (v: unknown) => `\`${v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v)}\``;

/** A short type description: `number > 0`, `spt | vpt | linear | full`, `integer >= 1 | null`. */
export function typeLabel(f: Field): string {
  switch (f.kind) {
    case 'number': {
      const parts = [f.integer ? 'integer' : 'number'];
      if (f.min !== undefined) parts.push(`${f.exclusiveMin ? '>' : '>='} ${f.min}`);
      if (f.max !== undefined) parts.push(`<= ${f.max}`);
      return parts.join(' ');
    }
    case 'string':
      return f.path ? `${f.path === 'dir' ? 'folder' : 'file'} path` : 'string';
    case 'boolean':
      return 'true | false';
    case 'enum':
      return f.values.join(' | ');
    case 'nullable':
      return `${typeLabel(f.inner)} | null`;
    case 'oneOf':
      return f.options.map((o) => (o.kind === 'object' ? 'mapping' : typeLabel(o))).join(' | ');
    case 'object':
      return 'mapping';
    case 'list':
      return `list of ${typeLabel(f.items)}`;
    case 'record':
      return `mapping of ${typeLabel(f.values)}`;
    case 'any':
      return 'any value';
  }
}

export function archSummary(name: string): string | undefined {
  const v = NAMED_VITS[name as NamedViT];
  return v
    ? `embed_dim ${v.embedDim}, depth ${v.depth}, ${v.numHeads} heads, patch ${v.patchSize}, ${v.imageSize} px`
    : undefined;
}

/** Markdown documentation of a field (shared with completion). */
export function fieldMarkdown(f: Field, keyPath: readonly string[]): string {
  const lines = [`**${keyPath.join('.')}** · ${typeLabel(f)}`, '', f.doc];
  const facts: string[] = [];
  if ('default' in f && f.default !== undefined) facts.push(`Default: ${code(f.default)}`);
  else if (f.kind === 'nullable') facts.push('Default: `null`');
  if (f.example !== undefined) facts.push(`Example: ${code(f.example)}`);
  if (facts.length) lines.push('', facts.join(' · '));
  if (f.recipes?.length) {
    lines.push('', 'Recipes (paper):');
    for (const r of f.recipes) lines.push(`- ${code(r.value)}: ${r.source}`);
  }
  let inner: Field = f;
  while (inner.kind === 'nullable') inner = inner.inner;
  const enums =
    inner.kind === 'enum'
      ? [inner]
      : inner.kind === 'oneOf'
        ? inner.options.filter((o) => o.kind === 'enum')
        : [];
  for (const e of enums) {
    if (e.kind !== 'enum') continue;
    lines.push('', 'Allowed values:');
    for (const v of e.values) {
      const doc = e.valueDocs?.[v] ?? archSummary(v);
      lines.push(`- ${code(v)}${doc ? `: ${doc}` : ''}`);
    }
  }
  if (inner.kind === 'object') {
    lines.push('', 'Keys:');
    for (const [k, sub] of Object.entries(inner.fields))
      lines.push(`- ${code(k)}${inner.required?.includes(k) ? ' (required)' : ''}: ${sub.doc}`);
  }
  return lines.join('\n');
}

/** The enum (if any) a value of this field is checked against, and its documentation of `value`. */
function valueDoc(f: Field, value: string): string | undefined {
  while (f.kind === 'nullable') f = f.inner;
  const enums = f.kind === 'enum' ? [f] : f.kind === 'oneOf' ? f.options : [];
  for (const e of enums) {
    if (e.kind === 'enum' && (e.values as readonly string[]).includes(value))
      return e.valueDocs?.[value] ?? archSummary(value) ?? '';
  }
  return undefined;
}

export function hover(doc: TextDocument, pos: Position): Hover | null {
  const yaml = parseYaml(doc.getText());
  const hit = pairAt(yaml, doc.offsetAt(pos));
  if (!hit) return null;
  const field = fieldAt(experimentSchema, hit.path);
  if (!field) return null;
  let value = fieldMarkdown(field, hit.path);
  if (hit.part === 'value' && isScalar(hit.pair.value) && typeof hit.pair.value.value === 'string') {
    const v = hit.pair.value.value;
    const d = valueDoc(field, v);
    if (d !== undefined) value = `${code(v)}${d ? `: ${d}` : ''}\n\n---\n\n${value}`;
  }
  return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(doc, hit.range) };
}
