/** Show Compute Backends (the doctor) and Install GPU Backend (npm into global storage). */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runCliJson } from '../cli-runner';
import { requireTrust } from '../command-helpers';
import type { SptContext } from '../context';
import { renderDoctorMarkdown } from './doctor-markdown';

export async function showBackends(ctx: SptContext): Promise<void> {
  const dirs = ctx.backendDirs();
  const env = dirs.length ? { SPT_BACKEND_DIRS: dirs.join(path.delimiter) } : undefined;
  const report = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'SPT: checking compute backends',
      cancellable: true,
    },
    (_progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return runCliJson(ctx.extensionPath, ['doctor', '--json'], ctx.logger, abort.signal, env);
    },
  );
  // A CLI that wraps its answer as a trainer event is accepted too.
  const data =
    (report as { type?: string; data?: unknown })?.type === 'result'
      ? (report as { data: unknown }).data
      : report;
  await ctx.documents.show(renderDoctorMarkdown(data));
}

const PACKAGE_DETAILS: Record<string, string> = {
  'tfjs-node-gpu':
    'NVIDIA GPU through CUDA 11.8 and cuDNN 8 (Linux x64). The doctor lists missing libraries.',
  'tfjs-node': 'A fast CPU backend (the TensorFlow C library); no GPU needed.',
};

/**
 * The installable backends: the extension's own optionalDependencies (names and version ranges come
 * from package.json, so no TensorFlow package name is compiled into the extension bundle).
 */
function backendPackages(ctx: SptContext): { label: string; detail: string; spec: string }[] {
  const deps =
    (ctx.extension.extension.packageJSON as { optionalDependencies?: Record<string, string> })
      .optionalDependencies ?? {};
  return Object.entries(deps)
    .map(([name, range]) => ({ name, range, short: name.split('/').pop() ?? name }))
    .filter((p) => p.short in PACKAGE_DETAILS)
    .sort((a, b) => b.short.length - a.short.length)
    .map((p) => ({ label: p.name, detail: PACKAGE_DETAILS[p.short], spec: `${p.name}@${p.range}` }));
}

export async function installBackend(ctx: SptContext): Promise<void> {
  if (!requireTrust('Install GPU Backend')) return;
  const pick = await vscode.window.showQuickPick(backendPackages(ctx), {
    placeHolder: 'Backend package to install',
  });
  if (!pick) return;
  const prefix = ctx.backendsDir;
  await fs.promises.mkdir(prefix, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', pick.spec];
  ctx.logger.info(`install: ${npm} ${args.join(' ')}`);
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
          const lines = chunk
            .toString('utf8')
            .split('\n')
            .filter((l) => l.trim());
          for (const l of lines) ctx.logger.info(`npm: ${l}`);
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
    if (choice) ctx.logger.show();
    return;
  }
  ctx.logger.info(`installed ${pick.label} into ${prefix}; trainers get SPT_BACKEND_DIRS=${prefix}`);
  await showBackends(ctx);
}
