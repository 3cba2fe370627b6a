/**
 * `# spt-disable-next-line` on its own line hides the diagnostics that start on the next line;
 * `# spt-disable-next-line unknown-key, enum` hides only those codes.
 */
import type { Diagnostic } from 'vscode-languageserver-types';

export const DISABLE_COMMENT = 'spt-disable-next-line';
const PATTERN = /^[ \t]*#[ \t]*spt-disable-next-line\b([^\n]*)$/;

/** Line number -> the codes it disables (an empty set: every code). */
export function disabledLines(text: string): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  if (!text.includes(DISABLE_COMMENT)) return out;
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = PATTERN.exec(lines[i]);
    if (!m) continue;
    const codes = m[1]
      .split(/[\s,]+/)
      .map((c) => c.trim())
      .filter(Boolean);
    out.set(i + 1, new Set(codes));
  }
  return out;
}

export function applyDisableComments(text: string, diagnostics: Diagnostic[]): Diagnostic[] {
  const disabled = disabledLines(text);
  if (disabled.size === 0) return diagnostics;
  return diagnostics.filter((d) => {
    const codes = disabled.get(d.range.start.line);
    if (!codes) return true;
    return codes.size > 0 && !codes.has(String(d.code ?? ''));
  });
}
