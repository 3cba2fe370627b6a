/**
 * "SPT: Copy Language Server Command" puts `node <this extension>/dist/cli.js lsp --stdio` on the
 * clipboard, and that line, run by a shell as a Neovim or Helix user would, starts a language server
 * that answers `initialize`. Under the .vsix layer this is the installed extension's own copy.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lspInitialize } from '../../helpers/lsp-handshake';
import { extension } from './util';

describe('Copy Language Server Command', () => {
  it('copies a command line with the extension path that starts the language server', async () => {
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('spt.copyLanguageServerCommand');
    const line = await vscode.env.clipboard.readText();
    const cli = path.join(extension().extensionPath, 'dist', 'cli.js');
    assert.equal(line, `node ${cli} lsp --stdio`);
    assert.ok(fs.existsSync(cli), `${cli} is missing`);
    const result = await lspInitialize(line);
    assert.ok(result.capabilities.hoverProvider, `no hover capability: ${JSON.stringify(result)}`);
    assert.ok(result.capabilities.completionProvider, 'no completion capability');
  });
});
