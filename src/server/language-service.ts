/**
 * The language service's pure core: text in, diagnostics out. No connection, no documents, so the
 * tests call it directly. For now it reports YAML syntax errors and warnings with exact ranges.
 */

import { type Diagnostic, DiagnosticSeverity, type Position } from 'vscode-languageserver';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';

export const DIAGNOSTIC_SOURCE = 'spt';

function toDiagnostic(
  e: YAMLError,
  text: string,
  lines: LineCounter,
  severity: DiagnosticSeverity,
): Diagnostic {
  // yaml's positions are 1-based; LSP's are 0-based. Errors at the end of the text may point one
  // past it: clamp so that the range stays inside the document.
  const at = (offset: number): Position => {
    const { line, col } = lines.linePos(Math.min(offset, text.length));
    return { line: line - 1, character: col - 1 };
  };
  return {
    range: { start: at(e.pos[0]), end: at(Math.max(e.pos[0], e.pos[1])) },
    severity,
    code: e.code,
    source: DIAGNOSTIC_SOURCE,
    message: e.message,
  };
}

/** Diagnostics for the text of an experiment file (`*.spt.yaml`). */
export function validate(text: string): Diagnostic[] {
  const lines = new LineCounter();
  // prettyErrors off: plain messages; the ranges come from the error offsets.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  return [
    ...doc.errors.map((e) => toDiagnostic(e, text, lines, DiagnosticSeverity.Error)),
    ...doc.warnings.map((e) => toDiagnostic(e, text, lines, DiagnosticSeverity.Warning)),
  ];
}
