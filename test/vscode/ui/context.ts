/**
 * What the UI scenarios share: the open workbench (set by ./index.ts before mocha runs the files) and
 * the steps several of them take.
 */
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import type { UiSession } from './session';
import { SEL, type Workbench } from './workbench';

let current: UiSession | undefined;

export function setSession(session: UiSession | undefined): void {
  current = session;
}

/** The open workbench; the scenarios run only through test/vscode/ui/index.ts. */
export function ui(): UiSession {
  if (!current) throw new Error('no workbench: run the UI scenarios through test/vscode/run.ts ui');
  return current;
}

export const workspacePath = (relative: string) => path.join(ui().workspace, relative);

/** Closes every editor, answering "Don't Save" if one was left dirty by a failed scenario. */
export async function closeAllEditors(wb: Workbench): Promise<void> {
  await wb.escape(2);
  await wb.runCommand('View: Close All Editors');
  const dontSave = wb.page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Don't Save$/ });
  if (await dontSave.isVisible().catch(() => false)) await dontSave.click();
}

export interface TreeRow {
  /** 1: experiment, 2: run, 3: a run's metric or artifact. */
  level: number;
  /** What a screen reader says: label and description (`ui-run 1 run · 1 running`). */
  label: string;
}

/** The rows of the Runs view as shown (only rendered rows: the view must be tall enough). */
export async function runsTree(wb: Workbench): Promise<TreeRow[]> {
  return wb
    .viewPane('Runs')
    .locator('.pane-body .monaco-list-row')
    .evaluateAll((els) =>
      els
        .map((e) => ({
          level: Number(e.getAttribute('aria-level') ?? 0),
          label: (e.getAttribute('aria-label') ?? '').replace(/\s+/g, ' ').trim(),
          top: Number.parseFloat((e as HTMLElement).style.top || '0'),
        }))
        .sort((a, b) => a.top - b.top)
        .map(({ level, label }) => ({ level, label })),
    );
}

/** The experiment row of `experiment` and the rows of its runs (newest first). */
export async function experimentRows(
  wb: Workbench,
  experiment: string,
): Promise<{ experiment?: string; runs: string[] }> {
  const rows = await runsTree(wb);
  const at = rows.findIndex((r) => r.level === 1 && r.label.startsWith(`${experiment} `));
  if (at < 0) return { runs: [] };
  const runs: string[] = [];
  for (let i = at + 1; i < rows.length && rows[i].level > 1; i++)
    if (rows[i].level === 2) runs.push(rows[i].label);
  return { experiment: rows[at].label, runs };
}

/** `tree` for failure messages. */
export async function describeRunsTree(wb: Workbench): Promise<string> {
  const rows = await runsTree(wb);
  return rows.length
    ? `the Runs view ${JSON.stringify(rows.map((r) => `${'  '.repeat(r.level - 1)}${r.label}`))}`
    : `an empty Runs view (${JSON.stringify((await wb.texts(wb.viewPane('Runs'))).join(' ').slice(0, 200))})`;
}

/** The status bar item of the active run of `experiment` (`ui-run · epoch 3/16 · loss 1.6 · ETA 4s`). */
export async function runStatusItem(wb: Workbench, experiment: string): Promise<string | undefined> {
  return (await wb.statusBarTexts()).find((t) => t.startsWith(`${experiment} · `));
}

/** `epoch 3/16` in a row or status text: [3, 16]. */
export function epochOf(text: string | undefined): [number, number] | undefined {
  const m = /epoch (\d+)\/(\d+)/.exec(text ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * Opens the dashboard of a finished run of `experiment` through "SPT: Open Dashboard", training one first
 * (its Run Experiment) when the Runs view has none; returns the dashboard's document.
 */
export async function openFinishedRunDashboard(wb: Workbench, experiment: string): Promise<FrameLocator> {
  await wb.showViewContainer('SPT', 'Runs');
  const finished = async () => (await experimentRows(wb, experiment)).runs.some((r) => / finished/.test(r));
  if (!(await finished())) {
    await wb.openFile(`exp/${experiment}.spt.yaml`);
    await wb.runCommand('SPT: Run Experiment');
    await wb.waitFor(`a finished ${experiment} run`, finished, () => describeRunsTree(wb), {
      timeoutMs: 90_000,
    });
  }
  await wb.runCommand('SPT: Open Dashboard');
  const row = await wb.waitFor(
    `a finished ${experiment} run in the Open Dashboard quick pick`,
    async () => {
      const r = wb.page
        .locator(SEL.quickInputRows)
        .filter({ hasText: experiment })
        .filter({ hasText: /finished/ });
      return (await r.first().isVisible()) ? r.first() : undefined;
    },
    () => wb.describeQuickInput(),
    { timeoutMs: 15_000 },
  );
  await row.click();
  return dashboardFrame(wb);
}

/** The dashboard webview's document (two nested iframes), the newest panel when several are open. */
export function dashboardFrame(wb: Workbench): FrameLocator {
  return wb.page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
}

export interface MetricsInfo {
  runDir: string;
  loaded: boolean;
  train: number;
  val: number;
  lastStep: number | null;
}

/** The metric rows the dashboard holds per run (the data, before downsampling for display). */
export async function dashboardMetrics(frame: FrameLocator): Promise<MetricsInfo[]> {
  return frame
    .locator('body')
    .evaluate(() => {
      const dbg = (globalThis as { sptDashboardDebug?: { metrics?(): MetricsInfo[] } }).sptDashboardDebug;
      return dbg?.metrics ? dbg.metrics() : [];
    })
    .catch(() => []);
}
