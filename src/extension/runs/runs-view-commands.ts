/**
 * The Runs view's own commands: Sort Runs (newest first / best val accuracy first), Filter Runs (words
 * matched against each run's name, seed, status, method, backend, note and tags), Clear Runs Filter, and
 * Set Run Note (a note with `#tags`, stored in the run folder's note.json). Sort and filter are kept per
 * workspace; the view's message says when a filter hides runs.
 */
import * as vscode from 'vscode';
import type { Logger } from '../logger';
import { readRunNote, writeRunNote } from './run-annotations';
import type { RunsSource } from './run-deps';
import { pickRunDir } from './run-picks';
import type { RunSort } from './run-tree-model';

const SORT_KEY = 'spt.runs.sort';
const FILTER_KEY = 'spt.runs.filter';

export class RunsViewState {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento) {
    void this.publish();
  }

  get sort(): RunSort {
    return this.memento.get<RunSort>(SORT_KEY, 'time') === 'valAcc' ? 'valAcc' : 'time';
  }

  get filter(): string {
    return this.memento.get<string>(FILTER_KEY, '');
  }

  async set(update: { sort?: RunSort; filter?: string }): Promise<void> {
    if (update.sort !== undefined) await this.memento.update(SORT_KEY, update.sort);
    if (update.filter !== undefined) await this.memento.update(FILTER_KEY, update.filter.trim());
    await this.publish();
    this.changed.fire();
  }

  /** The view's message: the filter and the order, when they are not the defaults. */
  message(): string | undefined {
    const bits = [
      this.filter ? `Filter: ${this.filter}` : '',
      this.sort === 'valAcc' ? 'best val acc first' : '',
    ].filter(Boolean);
    return bits.length ? bits.join(' · ') : undefined;
  }

  private async publish(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'spt.runsFiltered', !!this.filter);
    await vscode.commands.executeCommand('setContext', 'spt.runsSort', this.sort);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** What the Runs view's commands need of the extension (SptContext has it). */
export interface RunsViewCommandDeps extends RunsSource {
  readonly logger: Pick<Logger, 'showError'>;
}

export function registerRunsViewCommands(
  deps: RunsViewCommandDeps,
  state: RunsViewState,
  refresh: () => void,
): vscode.Disposable[] {
  const guarded =
    (title: string, run: (...args: unknown[]) => Promise<void>) =>
    async (...args: unknown[]) => {
      try {
        await run(...args);
      } catch (err) {
        await deps.logger.showError(`SPT: ${title} failed`, err);
      }
    };
  return [
    vscode.commands.registerCommand(
      'spt.sortRuns',
      guarded('Sort Runs', async () => {
        const items: (vscode.QuickPickItem & { sort: RunSort })[] = [
          { label: 'Newest first', description: 'by start time', sort: 'time' },
          { label: 'Best val accuracy first', description: 'best val acc of each run', sort: 'valAcc' },
        ];
        for (const i of items) if (i.sort === state.sort) i.description = `${i.description} (current)`;
        const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Sort the runs' });
        if (picked) await state.set({ sort: picked.sort });
      }),
    ),
    vscode.commands.registerCommand(
      'spt.filterRuns',
      guarded('Filter Runs', async () => {
        const filter = await vscode.window.showInputBox({
          title: 'Filter Runs',
          prompt:
            'Words every shown run must contain: name, seed, status, method, backend, note or #tag (empty: all runs)',
          value: state.filter,
          placeHolder: 'e.g. #baseline  or  vpt finished',
        });
        if (filter !== undefined) await state.set({ filter });
      }),
    ),
    vscode.commands.registerCommand(
      'spt.clearRunsFilter',
      guarded('Clear Runs Filter', () => state.set({ filter: '' })),
    ),
    vscode.commands.registerCommand(
      'spt.setRunNote',
      guarded('Set Run Note', async (arg?: unknown) => {
        const runDir = await pickRunDir(deps, arg, (v) => v.status !== 'queued', 'Run to annotate');
        if (!runDir) return;
        const text = await vscode.window.showInputBox({
          title: 'Run Note',
          prompt: `A note for ${runDir}; #words become tags. Stored in the run folder (note.json). Empty: remove it.`,
          value: readRunNote(runDir)?.note ?? '',
          placeHolder: 'e.g. #baseline lr from the paper',
        });
        if (text === undefined) return;
        writeRunNote(runDir, text);
        refresh();
      }),
    ),
  ];
}
