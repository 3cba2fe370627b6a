/**
 * The extension by domain (issue 18, point 5), checked on the import graph (./import-graph.ts):
 * - src/extension/ holds the domains (experiments, runs, sweeps, backends, dashboard, language), the
 *   shared helpers of the commands (common/), and at its root only the wiring and what cuts across all
 *   (extension.ts, context.ts, commands.ts, logger.ts, settings.ts);
 * - in each domain, the files that talk to VS Code are the thin ones listed below; every other file
 *   (the models: `*-model.ts`, the readers, the queue...) reaches no `vscode` at run time, not even
 *   through another file, so plain mocha unit-tests it;
 * - every `*-model.ts` of a domain is unit-tested in the mirror folder test/unit/extension/<domain>/;
 * - the commands take narrow interfaces, not the context: only extension.ts and commands.ts (the
 *   wiring) import context.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importGraph, ROOT } from './import-graph';

const EXT = 'src/extension';
const DOMAINS = ['backends', 'dashboard', 'experiments', 'language', 'runs', 'sweeps'];
const ROOT_FILES = ['commands.ts', 'context.ts', 'extension.ts', 'logger.ts', 'settings.ts'];
const FOLDERS = [...DOMAINS, 'common'];

/** The thin files of each domain that import `vscode`: UI, commands, providers. */
const VSCODE_FILES: Record<string, string[]> = {
  backends: ['backend-commands.ts', 'doctor-view.ts'],
  dashboard: ['dashboard-manager.ts', 'dashboard-panel.ts'],
  experiments: ['code-lens.ts', 'experiment-commands.ts', 'experiment-picks.ts'],
  language: ['copy-language-server-command.ts', 'language-client.ts', 'lazy-language-client.ts'],
  runs: [
    'run-commands.ts',
    'run-notification.ts',
    'run-picks.ts',
    'runs-tree-provider.ts',
    'runs-view-commands.ts',
    'status-bar.ts',
  ],
  sweeps: ['sweep-commands.ts'],
};

const edges = importGraph();
const ts = (dir: string) =>
  fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => e.name)
    .sort();

/** Files that reach `vscode` at run time (directly or through other files; type-only imports load nothing). */
function reachingVscode(): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const memo = new Map<string, boolean>();
  const reaches = (f: string, seen: Set<string>): boolean => {
    if (f === 'vscode') return true;
    const known = memo.get(f);
    if (known !== undefined) return known;
    if (seen.has(f)) return false;
    seen.add(f);
    const r = (next.get(f) ?? []).some((t) => reaches(t, seen));
    memo.set(f, r);
    return r;
  };
  return new Set([...next.keys()].filter((f) => reaches(f, new Set())));
}

/** The chain of run-time imports from `from` to `vscode`, for the failure message. */
function chainToVscode(from: string, reaching: Set<string>): string {
  const chain = [from];
  let f = from;
  while (f !== 'vscode' && chain.length < 20) {
    const step = edges.find((e) => e.from === f && !e.typeOnly && (e.to === 'vscode' || reaching.has(e.to)));
    if (!step) break;
    f = step.to;
    chain.push(f);
  }
  return chain.join(' -> ');
}

describe('architecture: the extension by domain', () => {
  it('the root holds only the wiring and what cuts across domains; the rest is in domain folders', () => {
    assert.deepEqual(ts(EXT), ROOT_FILES);
    const folders = fs
      .readdirSync(path.join(ROOT, EXT), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    assert.deepEqual(folders, [...FOLDERS].sort());
  });

  it('in each domain, only the listed thin files reach vscode; every other file is pure', () => {
    const reaching = reachingVscode();
    assert.ok(reaching.has(`${EXT}/extension.ts`), 'the check can see a file that imports vscode');
    const problems: string[] = [];
    for (const domain of DOMAINS) {
      const thin = new Set(VSCODE_FILES[domain]);
      for (const name of ts(`${EXT}/${domain}`)) {
        const file = `${EXT}/${domain}/${name}`;
        if (name.endsWith('-model.ts') && thin.has(name))
          problems.push(`${file}: a model is never a vscode file`);
        if (!thin.has(name) && reaching.has(file))
          problems.push(`${file} reaches vscode: ${chainToVscode(file, reaching)}`);
      }
      for (const name of thin)
        if (!fs.existsSync(path.join(ROOT, EXT, domain, name)))
          problems.push(`${EXT}/${domain}/${name} is listed but missing`);
    }
    assert.deepEqual(problems, []);
  });

  it('every model of a domain is unit-tested in the mirror folder test/unit/extension/<domain>/', () => {
    const missing: string[] = [];
    for (const domain of DOMAINS) {
      const models = ts(`${EXT}/${domain}`).filter((n) => n.endsWith('-model.ts'));
      const testDir = path.join(ROOT, 'test', 'unit', 'extension', domain);
      const tests = fs.existsSync(testDir)
        ? fs
            .readdirSync(testDir)
            .filter((n) => n.endsWith('.test.ts'))
            .map((n) => fs.readFileSync(path.join(testDir, n), 'utf8'))
        : [];
      for (const m of models) {
        const spec = `src/extension/${domain}/${m.replace(/\.ts$/, '')}'`;
        if (!tests.some((t) => t.includes(spec))) missing.push(`${EXT}/${domain}/${m}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('the commands take narrow interfaces: only the wiring imports context.ts', () => {
    const importers = [
      ...new Set(edges.filter((e) => e.to === `${EXT}/context.ts`).map((e) => e.from)),
    ].sort();
    assert.deepEqual(importers, [`${EXT}/commands.ts`, `${EXT}/extension.ts`]);
  });
});
