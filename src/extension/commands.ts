/**
 * Every command of the extension, from one table. Each id must also be in package.json
 * `contributes.commands`. A failing command shows its error with a "Show Logs" button. This is where
 * the context is wired to the commands: each domain's command takes only the narrow interface it
 * declares (RunCommandDeps, ExperimentCommandDeps, ...), which SptContext implements.
 */
import * as vscode from 'vscode';
import { installBackend, showBackends } from './backends/backend-commands';
import type { SptContext } from './context';
import {
  newExperiment,
  rerunWithSeed,
  runExperiment,
  validateExperiment,
} from './experiments/experiment-commands';
import { copyLanguageServerCommand } from './language/copy-language-server-command';
import {
  compareRuns,
  deleteRun,
  exportRunPrompts,
  openDashboard,
  resumeRun,
  revealRunFolder,
  showRunLog,
  stopRun,
} from './runs/run-commands';
import { compareSweepRuns, runSweep } from './sweeps/sweep-commands';

type Command = (ctx: SptContext, ...args: unknown[]) => unknown;

export const COMMANDS: Record<string, { title: string; run: Command }> = {
  'spt.newExperiment': { title: 'New Experiment', run: newExperiment },
  'spt.validateExperiment': { title: 'Validate Experiment', run: validateExperiment },
  'spt.runExperiment': { title: 'Run Experiment', run: runExperiment },
  'spt.stopRun': { title: 'Stop Run', run: stopRun },
  'spt.resumeRun': { title: 'Resume Run', run: resumeRun },
  'spt.rerunWithSeed': { title: 'Re-run with Another Seed', run: rerunWithSeed },
  'spt.runSweep': { title: 'Run Sweep', run: runSweep },
  'spt.openDashboard': { title: 'Open Dashboard', run: openDashboard },
  'spt.compareRuns': { title: 'Compare Runs', run: compareRuns },
  'spt.compareSweepRuns': { title: 'Compare Sweep Runs', run: compareSweepRuns },
  'spt.exportPrompts': { title: 'Export Prompts', run: exportRunPrompts },
  'spt.revealRunFolder': { title: 'Reveal Run Folder', run: revealRunFolder },
  'spt.deleteRun': { title: 'Delete Run', run: deleteRun },
  'spt.showRunLog': { title: 'Show Run Log', run: showRunLog },
  'spt.refreshRuns': { title: 'Refresh Runs', run: (ctx) => ctx.refreshRunsFolders() },
  'spt.showBackends': { title: 'Show Compute Backends', run: showBackends },
  'spt.installBackend': { title: 'Install GPU Backend', run: installBackend },
  'spt.showLogs': { title: 'Show Logs', run: (ctx) => ctx.logger.show() },
  'spt.copyLanguageServerCommand': { title: 'Copy Language Server Command', run: copyLanguageServerCommand },
};

export function registerCommands(ctx: SptContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, { title, run }]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await run(ctx, ...args);
      } catch (err) {
        if (err instanceof Error && err.name === 'AbortError') return; // cancelled by the user
        await ctx.logger.showError(`SPT: ${title} failed`, err);
      }
    }),
  );
}
