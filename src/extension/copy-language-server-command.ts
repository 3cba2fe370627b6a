/** "SPT: Copy Language Server Command": the exact `node <extension>/dist/cli.js lsp --stdio` line. */
import * as vscode from 'vscode';
import type { SptContext } from './context';
import { languageServerArgv, languageServerCommandLine, neovimCmd } from './language-server-command';

export async function copyLanguageServerCommand(ctx: SptContext): Promise<void> {
  const line = languageServerCommandLine(ctx.extensionPath);
  await vscode.env.clipboard.writeText(line);
  ctx.logger.info(`language server command copied: ${line}`);
  // Not awaited: the command is done once the line is on the clipboard.
  void vscode.window
    .showInformationMessage(
      `SPT: copied the language server command: ${line} (needs Node.js 20.18.1 or newer on the PATH; see the README's "Other editors").`,
      'Copy as Neovim cmd',
    )
    .then((choice) => {
      if (choice) void vscode.env.clipboard.writeText(neovimCmd(languageServerArgv(ctx.extensionPath)));
    });
}
