/**
 * The command line that starts this extension's own language server outside VS Code (Neovim, Helix,
 * any LSP client): `node <extension>/dist/cli.js lsp --stdio`. The .vsix carries dist/cli.js, so a user
 * who only installed the extension needs nothing else but Node.js on the PATH. Pure: no `vscode`.
 */
import * as path from 'node:path';

/** The argv (what Neovim's `cmd` and Helix's `command`/`args` take). */
export function languageServerArgv(extensionPath: string, pathApi: path.PlatformPath = path): string[] {
  return ['node', pathApi.join(extensionPath, 'dist', 'cli.js'), 'lsp', '--stdio'];
}

const POSIX_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument for a POSIX shell (single quotes when needed) or cmd.exe/PowerShell (double quotes). */
export function quoteArg(arg: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return /^[A-Za-z0-9_:.\\/-]+$/.test(arg) ? arg : `"${arg.replace(/"/g, '""')}"`;
  return POSIX_SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line to paste into a terminal or an editor's config. */
export function languageServerCommandLine(
  extensionPath: string,
  platform: NodeJS.Platform = process.platform,
): string {
  const api = platform === 'win32' ? path.win32 : path.posix;
  return languageServerArgv(extensionPath, api)
    .map((a) => quoteArg(a, platform))
    .join(' ');
}

/** A Lua list for Neovim's `cmd = { ... }`. */
export function neovimCmd(argv: string[]): string {
  return `{ ${argv.map((a) => `'${a.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')} }`;
}
