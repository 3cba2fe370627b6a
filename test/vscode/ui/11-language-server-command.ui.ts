/**
 * Scenario 11 (issue 19, item 6): "SPT: Copy Language Server Command" from the palette says which line
 * it copied, `node <the extension's folder>/dist/cli.js lsp --stdio`, and that line, run by a shell as a
 * Neovim or Helix user would, starts the language server (it answers `initialize`).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { lspInitialize } from '../../helpers/lsp-handshake';
import { REPO_ROOT } from '../harness/code-server';
import { ui } from './context';

describe('UI: SPT: Copy Language Server Command', () => {
  it('copies the exact command line, which starts the language server', async () => {
    const { wb } = ui();
    await wb.runCommand('SPT: Copy Language Server Command');
    const note = await wb.waitFor(
      'the notification naming the copied command line',
      async () => (await wb.notifications()).find((n) => n.includes('copied the language server command')),
      async () => `the notifications ${JSON.stringify(await wb.notifications())}`,
      { timeoutMs: 10_000 },
    );
    await wb.screenshot('ui-copy-language-server-command');
    const line = /command: (node \S+ lsp --stdio)/.exec(note)?.[1];
    assert.ok(line, `no command line in ${JSON.stringify(note)}`);
    assert.equal(line, `node ${path.join(REPO_ROOT, 'dist', 'cli.js')} lsp --stdio`);
    const result = await lspInitialize(line);
    assert.ok(result.capabilities.hoverProvider, JSON.stringify(result));
    await wb.escape(2);
  });
});
