/** New Experiment, Validate Experiment, Run Experiment, Re-run with Another Seed. */

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  renderTemplate,
  TEMPLATES,
  templatesDir,
  validateExperimentName,
} from '../../config/experiment-templates';
import { runFile } from '../../run-folder/layout';
import { runCliText } from '../common/cli-runner';
import { requireTrust, saveIfDirty } from '../common/workspace-guards';
import type { Logger } from '../logger';
import { runDirOfArg } from '../runs/run-command-model';
import type { LiveRuns, RunsSource, TrainerLauncher } from '../runs/run-deps';
import { followRun } from '../runs/run-notification';
import { pickRunDir } from '../runs/run-picks';
import { pickExperimentFile } from './experiment-picks';
import { validateVerdict } from './validate-model';

/** What the experiment commands need of the extension (SptContext has it; commands.ts wires it). */
export interface ExperimentCommandDeps extends RunsSource, TrainerLauncher {
  readonly extensionPath: string;
  readonly logger: Pick<Logger, 'debug' | 'info' | 'show'>;
  readonly queue: LiveRuns;
}

async function targetFolder(): Promise<string | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  if (folders.length === 1) return folders[0].uri.fsPath;
  if (folders.length > 1) {
    const f = await vscode.window.showWorkspaceFolderPick({
      placeHolder: 'Where to write the experiment file',
    });
    return f?.uri.fsPath;
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: 'Write the experiment here',
  });
  return picked?.[0]?.fsPath;
}

export async function newExperiment(deps: ExperimentCommandDeps): Promise<void> {
  const template = await vscode.window.showQuickPick(
    TEMPLATES.map((t) => ({ label: t.label, detail: t.detail, template: t })),
    { placeHolder: 'New Experiment: choose a template', title: 'SPT: New Experiment (1/4)' },
  );
  if (!template) return;
  const dir = await targetFolder();
  if (!dir) return;
  const name = await vscode.window.showInputBox({
    title: 'SPT: New Experiment (2/4)',
    prompt: 'Experiment name (also the file name and the runs folder)',
    value: template.template.id,
    validateInput: (v) => validateExperimentName(v) ?? undefined,
  });
  if (name === undefined) return;
  const checkpoint = await vscode.window.showOpenDialog({
    title: 'SPT: New Experiment (3/4): the backbone checkpoint (Cancel keeps the placeholder)',
    canSelectFiles: true,
    canSelectFolders: false,
    defaultUri: vscode.Uri.file(dir),
    openLabel: 'Use this checkpoint',
    filters: { Checkpoints: ['pth', 'tar', 'bin', 'safetensors', 'npz'], 'All files': ['*'] },
  });
  const dataset = await vscode.window.showOpenDialog({
    title: 'SPT: New Experiment (4/4): the dataset folder (Cancel keeps the placeholder)',
    canSelectFiles: false,
    canSelectFolders: true,
    defaultUri: vscode.Uri.file(dir),
    openLabel: 'Use this dataset folder',
  });
  const file = path.join(dir, `${name.trim()}.spt.yaml`);
  if (fs.existsSync(file)) {
    const ok = await vscode.window.showWarningMessage(
      `${path.basename(file)} exists. Replace it?`,
      { modal: true },
      'Replace',
    );
    if (ok !== 'Replace') return;
  }
  const text = fs.readFileSync(path.join(templatesDir(deps.extensionPath), template.template.file), 'utf8');
  const out = renderTemplate(text, {
    name: name.trim(),
    checkpoint: checkpoint?.[0]?.fsPath,
    dataRoot: dataset?.[0]?.fsPath,
    targetDir: dir,
  });
  await fs.promises.writeFile(file, out, 'utf8');
  deps.logger.info(`new experiment ${file} from ${template.template.file}`);
  await vscode.window.showTextDocument(vscode.Uri.file(file));
}

export async function validateExperiment(deps: ExperimentCommandDeps, arg?: unknown): Promise<void> {
  const file = await pickExperimentFile(arg, 'Experiment file to validate');
  if (!file) return;
  await saveIfDirty(file);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `SPT: validating ${path.basename(file)}` },
    () => {
      // The verdict of the Problems panel: the same checks, file checks as the language server has them.
      const files = vscode.workspace.getConfiguration('spt.languageServer').get<boolean>('fileChecks', true);
      const args = ['validate', file, ...(files ? [] : ['--no-files'])];
      return runCliText(deps.extensionPath, args, deps.logger, path.dirname(file));
    },
  );
  const text = `${result.stdout}\n${result.stderr}`.trim();
  deps.logger.info(`validate ${file} (exit ${result.code}):\n${text}`);
  const verdict = validateVerdict(file, result);
  if (verdict.ok) {
    void vscode.window.showInformationMessage(verdict.message);
    return;
  }
  const choice = await vscode.window.showErrorMessage(verdict.message, 'Show Problems', 'Show Logs');
  if (choice === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
  else if (choice === 'Show Logs') deps.logger.show();
}

export async function runExperiment(deps: ExperimentCommandDeps, arg?: unknown): Promise<void> {
  if (!requireTrust('Run Experiment')) return;
  const file = await pickExperimentFile(arg, 'Experiment file to run');
  if (!file) return;
  await saveIfDirty(file);
  const id = deps.enqueueTrain({ kind: 'train', file });
  followRun(deps, id, `running ${deps.queue.get(id)?.experiment ?? path.basename(file)}`);
}

export async function rerunWithSeed(deps: ExperimentCommandDeps, arg?: unknown): Promise<void> {
  if (!requireTrust('Re-run with Another Seed')) return;
  let file: string | undefined;
  const runDir = arg instanceof vscode.Uri ? undefined : runDirOfArg(arg);
  if (runDir) file = runFile(runDir, 'config');
  else if (
    arg instanceof vscode.Uri ||
    vscode.window.activeTextEditor?.document.fileName.endsWith('.spt.yaml')
  )
    file = await pickExperimentFile(arg);
  else {
    const dir = await pickRunDir(
      deps,
      undefined,
      (v) => v.status !== 'unreadable',
      'Run to repeat with another seed',
    );
    if (dir) file = runFile(dir, 'config');
  }
  if (!file) return;
  const seed = await vscode.window.showInputBox({
    title: 'SPT: Re-run with Another Seed',
    prompt: `Seed for a new run of ${path.basename(runDir ?? file)}`,
    value: String(Math.floor(Math.random() * 10_000)),
    validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'A non-negative integer'),
  });
  if (seed === undefined) return;
  if (!runDir) await saveIfDirty(file);
  const id = deps.enqueueTrain({ kind: 'train', file, overrides: [`seed=${seed.trim()}`] });
  const experiment = deps.queue.get(id)?.experiment ?? path.basename(file);
  followRun(deps, id, `running ${experiment} (seed ${seed.trim()})`);
}
