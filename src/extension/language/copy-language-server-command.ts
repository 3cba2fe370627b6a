/** "SPT: Copy Language Server Command": the exact `node <extension>/dist/cli.js lsp --stdio` line. */
import * as vscode from 'vscode';
import type { Logger } from '../logger';
import { languageServerArgv, languageServerCommandLine, neovimCmd } from './language-server-command';

/** What the command needs of the extension (SptContext has it). */
export interface LanguageCommandDeps {
  readonly extensionPath: string;
  readonly logger: Pick<Logger, 'info'>;
}

export async function copyLanguageServerCommand(deps: LanguageCommandDeps): Promise<void> {
  const line = languageServerCommandLine(deps.extensionPath);
  await vscode.env.clipboard.writeText(line);
  deps.logger.info(`language server command copied: ${line}`);
  // Not awaited: the command is done once the line is on the clipboard.
  void vscode.window
    .showInformationMessage(
      `SPT: copied the language server command: ${line} (needs Node.js 20.18.1 or newer on the PATH; see the README's "Other editors").`,
      'Copy as Neovim cmd',
    )
    .then((choice) => {
      if (choice) void vscode.env.clipboard.writeText(neovimCmd(languageServerArgv(deps.extensionPath)));
    });
}
