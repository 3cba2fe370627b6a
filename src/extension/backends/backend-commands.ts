/** Show Compute Backends (the doctor) and Install GPU Backend (npm into global storage). */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { runCliJson } from '../common/cli-runner';
import { requireTrust } from '../common/workspace-guards';
import type { Logger } from '../logger';
import { backendEnv, backendPackages, doctorReportOf, outputLines } from './backend-model';
import { renderDoctorMarkdown } from './doctor-markdown';
import type { DoctorDocuments } from './doctor-view';

/** What the backend commands need of the extension (SptContext has it; commands.ts wires it). */
export interface BackendCommandDeps {
  readonly extensionPath: string;
  readonly logger: Pick<Logger, 'debug' | 'info' | 'show'>;
  readonly documents: Pick<DoctorDocuments, 'show'>;
  /** Where Install GPU Backend puts node_modules. */
  readonly backendsDir: string;
  /** The backend folders that exist, for SPT_BACKEND_DIRS. */
  backendDirs(): string[];
  /** The extension's package.json optionalDependencies: the installable backends. */
  readonly optionalDependencies: Readonly<Record<string, string>>;
}

export async function showBackends(deps: BackendCommandDeps): Promise<void> {
  const env = backendEnv(deps.backendDirs());
  const report = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'SPT: checking compute backends',
      cancellable: true,
    },
    (_progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return runCliJson(deps.extensionPath, ['doctor', '--json'], deps.logger, abort.signal, env);
    },
  );
  await deps.documents.show(renderDoctorMarkdown(doctorReportOf(report)));
}

export async function installBackend(deps: BackendCommandDeps): Promise<void> {
  if (!requireTrust('Install GPU Backend')) return;
  const pick = await vscode.window.showQuickPick(backendPackages(deps.optionalDependencies), {
    placeHolder: 'Backend package to install',
  });
  if (!pick) return;
  const prefix = deps.backendsDir;
  await fs.promises.mkdir(prefix, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', pick.spec];
  deps.logger.info(`install: ${npm} ${args.join(' ')}`);
  const code = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `SPT: installing ${pick.label}`,
      cancellable: true,
    },
    (progress, token) =>
      new Promise<number | 'cancelled'>((resolve, reject) => {
        const child = spawn(npm, args, {
          cwd: prefix,
          shell: process.platform === 'win32',
          windowsHide: true,
        });
        let cancelled = false;
        token.onCancellationRequested(() => {
          cancelled = true;
          child.kill();
        });
        const onData = (chunk: Buffer) => {
          const lines = outputLines(chunk.toString('utf8'));
          for (const l of lines) deps.logger.info(`npm: ${l}`);
          if (lines.length) progress.report({ message: lines[lines.length - 1].slice(0, 80) });
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', reject);
        child.on('close', (c) => resolve(cancelled ? 'cancelled' : (c ?? 1)));
      }),
  );
  if (code === 'cancelled') {
    void vscode.window.showInformationMessage(`SPT: installing ${pick.label} was cancelled.`);
    return;
  }
  if (code !== 0) {
    const choice = await vscode.window.showErrorMessage(
      `SPT: npm could not install ${pick.label} (exit ${code}).`,
      'Show Logs',
    );
    if (choice) deps.logger.show();
    return;
  }
  deps.logger.info(`installed ${pick.label} into ${prefix}; trainers get SPT_BACKEND_DIRS=${prefix}`);
  await showBackends(deps);
}
