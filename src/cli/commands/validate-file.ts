/**
 * `spt validate` runs the editor's validation: the language service's validateDocument on the file as
 * a `file:` document (schema, cross-field rules, recipe warnings, the checkpoint, data root and split
 * file checks, disable comments), so the command line and the editor report the same codes, ranges and
 * messages. Positions here are 1-based (the editor's are 0-based).
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { readExperimentText } from '../../config/load-config';
import { validateDocument } from '../../server/language-service';

export type Severity = 'error' | 'warning' | 'information';

export interface ValidationEntry {
  severity: Severity;
  code: string;
  message: string;
  /** 1-based, as `file:line:column`. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The `--set` argument that caused it, when one did. */
  override?: string;
}

export interface ValidationReport {
  file: string;
  errors: number;
  warnings: number;
  problems: ValidationEntry[];
}

const SEVERITY: Record<number, Severity> = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'information',
  [DiagnosticSeverity.Hint]: 'information',
};

export function validateFile(
  file: string,
  options: { fileChecks: boolean; overrides: string[] },
): ValidationReport {
  const text = readExperimentText(file);
  const doc = TextDocument.create(pathToFileURL(path.resolve(file)).toString(), 'yaml', 1, text);
  const { diagnostics } = validateDocument(doc, {
    fileChecks: options.fileChecks,
    overrides: options.overrides,
  });
  const problems = diagnostics.map((d): ValidationEntry => {
    const override = (d.data as { override?: string } | undefined)?.override;
    return {
      severity: SEVERITY[d.severity ?? DiagnosticSeverity.Error],
      code: String(d.code ?? ''),
      message: d.message,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      endLine: d.range.end.line + 1,
      endColumn: d.range.end.character + 1,
      ...(override === undefined ? {} : { override }),
    };
  });
  return {
    file,
    errors: problems.filter((p) => p.severity === 'error').length,
    warnings: problems.filter((p) => p.severity === 'warning').length,
    problems,
  };
}

/** `file:line:column: severity: message [code]`, or `--set key=value: ...` for a problem an override caused. */
export function formatEntry(file: string, p: ValidationEntry): string {
  const where = p.override !== undefined ? `--set ${p.override}` : `${file}:${p.line}:${p.column}`;
  return `${where}: ${p.severity}: ${p.message} [${p.code}]`;
}
