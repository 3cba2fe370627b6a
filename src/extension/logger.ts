/**
 * The extension's one log channel ("SPT Studio", a LogOutputChannel). `spt.logLevel` filters on top
 * of the level VS Code's "Developer: Set Log Level" gives the channel.
 */
import * as vscode from 'vscode';

const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
type Level = (typeof LEVELS)[number];

function configuredLevel(): number {
  const value = vscode.workspace.getConfiguration('spt').get<string>('logLevel', 'info');
  const i = LEVELS.indexOf(value as Level);
  return i < 0 ? LEVELS.indexOf('info') : i;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Logger implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('SPT Studio', { log: true });
  private level = configuredLevel();
  private readonly configWatcher = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('spt.logLevel')) this.level = configuredLevel();
  });

  private write(level: Level, message: string): void {
    if (LEVELS.indexOf(level) <= this.level) this.channel[level](message);
  }

  error(message: string, err?: unknown): void {
    const detail = err instanceof Error ? (err.stack ?? err.message) : err === undefined ? '' : String(err);
    this.write('error', detail ? `${message}: ${detail}` : message);
  }
  warn(message: string): void {
    this.write('warn', message);
  }
  info(message: string): void {
    this.write('info', message);
  }
  debug(message: string): void {
    this.write('debug', message);
  }
  trace(message: string): void {
    this.write('trace', message);
  }

  show(): void {
    this.channel.show(true);
  }

  /** Logs the error and shows it with a button that opens the log. */
  async showError(what: string, err: unknown): Promise<void> {
    this.error(what, err);
    const choice = await vscode.window.showErrorMessage(`${what}: ${errorMessage(err)}`, 'Show Logs');
    if (choice === 'Show Logs') this.show();
  }

  dispose(): void {
    this.configWatcher.dispose();
    this.channel.dispose();
  }
}
