/**
 * The command line "SPT: Copy Language Server Command" copies: `node <extension>/dist/cli.js lsp --stdio`,
 * quoted for the platform's shell, and (with this checkout's dist/) it starts a server that answers
 * `initialize` when a shell runs it.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  languageServerArgv,
  languageServerCommandLine,
  neovimCmd,
  quoteArg,
} from '../../../../src/extension/language/language-server-command';
import { lspInitialize } from '../../../helpers/lsp-handshake';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

describe('the language server command line', () => {
  it('runs dist/cli.js of the extension folder with `lsp --stdio`', () => {
    assert.deepEqual(
      languageServerArgv('/home/u/.vscode/extensions/spt-studio.spt-studio-0.1.0', path.posix),
      ['node', '/home/u/.vscode/extensions/spt-studio.spt-studio-0.1.0/dist/cli.js', 'lsp', '--stdio'],
    );
    assert.equal(languageServerCommandLine('/opt/ext', 'linux'), 'node /opt/ext/dist/cli.js lsp --stdio');
    assert.equal(
      languageServerCommandLine('C:\\Users\\Ann Lee\\.vscode\\extensions\\spt', 'win32'),
      'node "C:\\Users\\Ann Lee\\.vscode\\extensions\\spt\\dist\\cli.js" lsp --stdio',
    );
  });

  it('quotes what a shell would split or expand', () => {
    assert.equal(quoteArg('/a b/c', 'linux'), "'/a b/c'");
    assert.equal(quoteArg("/it's", 'darwin'), `'/it'\\''s'`);
    assert.equal(quoteArg('/$HOME/x', 'linux'), "'/$HOME/x'");
    assert.equal(quoteArg('/plain/path-1.0/cli.js', 'linux'), '/plain/path-1.0/cli.js');
  });

  it("writes Neovim's cmd list", () => {
    assert.equal(
      neovimCmd(['node', "/a/it's/cli.js", 'lsp', '--stdio']),
      "{ 'node', '/a/it\\'s/cli.js', 'lsp', '--stdio' }",
    );
  });

  it('starts a language server that answers initialize (this checkout, run through sh)', async function () {
    if (process.platform === 'win32') this.skip();
    const result = await lspInitialize(languageServerCommandLine(ROOT));
    assert.ok(result.capabilities.hoverProvider, JSON.stringify(result));
    assert.ok(result.capabilities.codeActionProvider, JSON.stringify(result));
  });
});
