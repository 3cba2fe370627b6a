/**
 * Diagnostics of an experiment file: YAML syntax, the schema, the cross-field rules (all from
 * src/config, the trainer's own validator), recipe warnings, and the file-system checks.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver-types';
import { type Document, isMap, isScalar, type Node } from 'yaml';
import { experimentSchema } from '../../config/experiment-schema';
import { parseExperiment } from '../../config/load-config';
import type { Field } from '../../config/schema-dsl';
import { applyDisableComments } from './disable-comments';
import { checkFiles, type LsProblem, type LsSeverity } from './file-checks';
import { toRange } from './positions';
import { isSweepUri, sweepProblems } from './sweep';

export const DIAGNOSTIC_SOURCE = 'spt';

export interface ValidateOptions {
  /** Check the checkpoint, data root and split files on disk (default true). */
  fileChecks?: boolean;
  /**
   * Longer documents are not validated: one diagnostic says so (the server's bound on the time and
   * memory one document may cost). Default: no limit.
   */
  maxChars?: number;
  /** `--set key=value` overrides applied before validation (`spt validate`; experiment files only). */
  overrides?: string[];
}

/** The one diagnostic of a document longer than `maxChars`. */
function tooLarge(doc: TextDocument, maxChars: number): LsProblem {
  const text = doc.getText();
  const firstLine = text.search(/\r|\n/);
  const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
  return {
    range: [0, firstLine < 0 ? Math.min(text.length, 200) : firstLine],
    severity: 'warning',
    code: 'too-large',
    message: `this file has ${text.length} characters (${kib(text.length)}); the editor checks files up to ${kib(maxChars)} (experiment files are a few KiB), so nothing in it was checked: run \`spt validate\` on it`,
    data: { path: [] },
  };
}

/** Whether a document is over the validated size (hover and completion skip it too). */
export function isTooLarge(doc: TextDocument, options: ValidateOptions): boolean {
  return options.maxChars !== undefined && doc.getText().length > options.maxChars;
}

export interface ValidationOutput {
  diagnostics: Diagnostic[];
  /** Files and folders the diagnostics depend on (absolute paths). */
  files: string[];
}

const SEVERITY: Record<LsSeverity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

const fmt = (v: number) => (Math.abs(v) > 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v));

/** Numbers legal for the schema but far from every published recipe (fields with `typical`). */
function recipeWarnings(doc: Document): LsProblem[] {
  const out: LsProblem[] = [];
  const walk = (node: Node | null, field: Field | undefined, keyPath: string[]) => {
    while (field && (field.kind === 'nullable' || field.kind === 'oneOf'))
      field = field.kind === 'nullable' ? field.inner : field.options.find((o) => o.kind === 'object');
    if (!field) return;
    if (field.kind === 'object' && isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        walk(pair.value as Node | null, Object.hasOwn(field.fields, key) ? field.fields[key] : undefined, [
          ...keyPath,
          key,
        ]);
      }
      return;
    }
    if (field.kind !== 'number' || !field.typical || !isScalar(node) || typeof node.value !== 'number')
      return;
    const v = node.value;
    const outOfSchema =
      (field.min !== undefined && (field.exclusiveMin ? v <= field.min : v < field.min)) ||
      (field.max !== undefined && v > field.max);
    if (outOfSchema) return; // already an error
    const [lo, hi] = field.typical;
    if (v >= lo && v <= hi) return;
    const recipes = (field.recipes ?? []).map((r) => `${fmt(r.value as number)} (${r.source})`).join(', ');
    out.push({
      range: node.range ? [node.range[0], node.range[1]] : [0, 1],
      severity: 'warning',
      code: 'recipe-range',
      message: `${keyPath.join('.')}: ${fmt(v)} is far outside the published recipes${recipes ? ` (${recipes})` : ''}; typical values lie in [${fmt(lo)}, ${fmt(hi)}]`,
      data: { path: keyPath },
    });
  };
  walk(doc.contents as Node | null, experimentSchema, []);
  return out;
}

/** The folder of a `file:` document, for relative paths; undefined for untitled documents. */
export function documentDir(doc: TextDocument): string | undefined {
  if (!doc.uri.startsWith('file:')) return undefined;
  try {
    return path.dirname(fileURLToPath(doc.uri));
  } catch {
    return undefined;
  }
}

/** Every problem of the document, in offsets (before disable comments). */
export function problemsOf(
  doc: TextDocument,
  options: ValidateOptions = {},
): ValidationOutput & { problems: LsProblem[] } {
  if (options.maxChars !== undefined && isTooLarge(doc, options))
    return { problems: [tooLarge(doc, options.maxChars)], diagnostics: [], files: [] };
  if (isSweepUri(doc.uri)) return { ...sweepProblems(doc), diagnostics: [] };
  const parsed = parseExperiment(doc.getText(), options.overrides);
  const problems: LsProblem[] = parsed.problems.map((p) => ({
    range: p.range,
    message: p.message,
    severity: p.severity,
    code: p.code ?? 'schema',
    data: {
      path: p.path,
      ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }),
      ...(p.override === undefined ? {} : { override: p.override }),
    },
  }));
  let files: string[] = [];
  const syntaxOk = parsed.doc.errors.length === 0;
  if (syntaxOk) {
    problems.push(...recipeWarnings(parsed.doc));
    const dir = documentDir(doc);
    if (options.fileChecks !== false && dir !== undefined) {
      const r = checkFiles(parsed.doc, dir);
      problems.push(...r.problems);
      files = r.files;
    }
  }
  return { problems, diagnostics: [], files };
}

export function validateDocument(doc: TextDocument, options: ValidateOptions = {}): ValidationOutput {
  const { problems, files } = problemsOf(doc, options);
  const diagnostics = problems
    .map(
      (p): Diagnostic => ({
        range: toRange(doc, p.range),
        severity: SEVERITY[p.severity],
        code: p.code,
        source: DIAGNOSTIC_SOURCE,
        message: p.message,
        ...(p.data ? { data: p.data } : {}),
      }),
    )
    .sort(
      (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
    );
  // A file too large to check is not scanned for disable comments either.
  if (isTooLarge(doc, options)) return { diagnostics, files };
  return { diagnostics: applyDisableComments(doc.getText(), diagnostics), files };
}

/** Diagnostics for an experiment file (`*.spt.yaml`) or a sweep file (`*.sweep.yaml`). */
export function validate(doc: TextDocument, options: ValidateOptions = {}): Diagnostic[] {
  return validateDocument(doc, options).diagnostics;
}
