/**
 * Sweeps in the Runs tree, as plain data: a parent per sweep with its progress (n of m finished), its
 * tasks (when there are several), and under them the sweep's runs, labelled by their stable names
 * (`lr=0.01/seed=0`); runs that have no folder yet show as pending. No `vscode` here.
 */

import * as path from 'node:path';
import { RUN_STATUS } from '../../run-folder/status';
import type { RunRecord } from '../runs/run-discovery';
import type { BuildTreeOptions, RunTreeNode } from '../runs/run-tree-model';
import { fromRecord, mergeRun, runNode } from '../runs/run-tree-model';
import type { SweepRecord, SweepRunRecord } from './sweep-discovery';

const esc = (s: string) => s.replace(/([\\`*_[\]|<>])/g, '\\$1');

export function sweepProgress(
  s: Pick<SweepRecord, 'finished' | 'total' | 'running' | 'failed' | 'phase'>,
): string {
  const parts = [`${s.finished} of ${s.total} finished`];
  if (s.running) parts.push(`${s.running} running`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.phase === 'done') parts.push('table written');
  else if (s.phase === 'final') parts.push('final seeds');
  return parts.join(' · ');
}

function sweepRunNode(sweep: SweepRecord, r: SweepRunRecord, opts: BuildTreeOptions): RunTreeNode {
  const label = r.state.name.split('/').slice(1).join('/'); // <setting>/seed=<n>: the task is the parent
  const phase = r.state.phases.includes('final')
    ? r.state.phases.includes('search')
      ? 'search + final'
      : 'final'
    : 'search';
  const live = opts.sweepLive?.(sweep.dir, r.state.name);
  if (r.record || live) {
    // A run this window's sweep trains now: its live state over its folder's, as for the queue's runs.
    const view = live ? mergeRun(r.record, live, opts.now ?? Date.now()) : fromRecord(r.record as RunRecord);
    const node = runNode({ ...view, experiment: `${sweep.name}/${r.state.name}` }, opts);
    return { ...node, label, description: `${phase} · ${node.description ?? ''}` };
  }
  const failed = r.state.status === RUN_STATUS.failed;
  // sweep.json names a folder that is gone (deleted): the next `spt sweep` trains the run again.
  const gone = r.state.run_dir !== null;
  return {
    id: `sweep:${path.resolve(sweep.dir)}/${r.state.name}`,
    kind: 'run',
    label,
    description: gone
      ? `${phase} · folder missing (runs again with the sweep)`
      : `${phase} · ${r.state.status}${r.state.error ? ` · ${r.state.error.slice(0, 60)}` : ''}`,
    icon: failed ? 'error' : 'clock',
    tooltip: [
      `**${esc(`${sweep.name}/${r.state.name}`)}** · ${r.state.status}`,
      '',
      `overrides: \`${r.state.overrides.join(' ').replace(/`/g, "'")}\``,
      ...(r.state.error ? ['', `**Error:** ${esc(r.state.error)}`] : []),
    ].join('\n'),
    contextValue: 'sweep.run.pending',
    status: failed ? 'failed' : 'queued',
  };
}

function sweepIcon(s: SweepRecord): string {
  if (s.running) return 'loading~spin';
  if (s.phase === 'done') return s.failed ? 'warning' : 'pass';
  return 'run-all';
}

/** The sweep nodes (newest first), each with its runs. */
export function buildSweepTree(sweeps: readonly SweepRecord[], opts: BuildTreeOptions = {}): RunTreeNode[] {
  return sweeps.map((s) => {
    const id = `sweep:${path.resolve(s.dir)}`;
    const tasks = [...new Set(s.runs.map((r) => r.state.task))];
    const byTask = (t: string) => s.runs.filter((r) => r.state.task === t);
    const children: RunTreeNode[] =
      tasks.length > 1
        ? tasks.map((t) => {
            const runs = byTask(t);
            const done = runs.filter(
              (r) => (r.record?.status ?? r.state.status) === RUN_STATUS.finished,
            ).length;
            return {
              id: `${id}/task/${t}`,
              kind: 'task',
              label: t,
              description: `${done} of ${runs.length} finished`,
              icon: 'folder',
              contextValue: 'sweep.task',
              children: runs.map((r) => sweepRunNode(s, r, opts)),
            };
          })
        : s.runs.map((r) => sweepRunNode(s, r, opts));
    if (s.resultsFile)
      children.unshift({
        id: `${id}/results`,
        kind: 'artifact',
        label: 'results.md',
        icon: 'table',
        contextValue: 'run.artifact',
        resourcePath: s.resultsFile,
        tooltip: `\`${s.resultsFile}\``,
      });
    return {
      id,
      kind: 'sweep',
      label: s.name,
      description: sweepProgress(s),
      icon: sweepIcon(s),
      tooltip: [
        `**Sweep ${esc(s.name)}** (${s.mode})`,
        '',
        sweepProgress(s),
        '',
        ...(s.file ? [`file: \`${s.file.replace(/`/g, "'")}\``] : []),
        `folder: \`${s.dir.replace(/`/g, "'")}\``,
      ].join('\n'),
      contextValue: s.resultsFile ? 'sweep sweep.results' : 'sweep',
      runDir: s.dir,
      children,
    };
  });
}

/** The run folders of a sweep node (its runs that have a folder), for Compare Sweep Runs. */
export function sweepRunDirs(node: RunTreeNode): string[] {
  const out: string[] = [];
  const walk = (n: RunTreeNode) => {
    if (n.kind === 'run' && n.runDir) out.push(n.runDir);
    else for (const c of n.children ?? []) walk(c);
  };
  for (const c of node.children ?? []) walk(c);
  return out;
}
