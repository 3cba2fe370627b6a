/**
 * The import graph of src/ and webview-ui/src, read from the sources (static imports, `export ... from`,
 * `import()` and `require()` of relative paths): who imports whom, by file, for the layer tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');

export interface ImportEdge {
  /** Importing file, relative to the repository root (forward slashes). */
  from: string;
  /** Imported file, likewise, or the package name for a bare specifier. */
  to: string;
  /** 1-based line of the import. */
  line: number;
  /** `import type` / `export type`: no module is loaded at run time. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');

function resolve(fromFile: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')])
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return rel(candidate);
  return rel(base);
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

/** Every import of every source file under `dirs` (relative to the repository root). */
export function importGraph(dirs = ['src', 'webview-ui/src']): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of dirs.flatMap((d) => sourceFiles(path.join(ROOT, d)))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
      const line = text.slice(0, m.index).split('\n').length;
      const typeOnly = /^\s*(?:import|export)\s+type\s/.test(m[0].replace(/^[\s;]+/, ''));
      edges.push({ from: rel(file), to: resolve(file, spec), line, typeOnly });
    }
  }
  return edges;
}

/** The edges among files only (bare package specifiers dropped). */
export function fileEdges(edges: ImportEdge[]): ImportEdge[] {
  return edges.filter((e) => e.to.startsWith('src/') || e.to.startsWith('webview-ui/'));
}

/** Import cycles at run time (type-only imports left out) among the files of `edges`, found by DFS. */
export function cycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of next.get(f) ?? []) {
      if (state.get(t) === 'open') found.push([...stack.slice(stack.indexOf(t)), t]);
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of next.keys()) if (!state.has(f)) visit(f);
  return found;
}
