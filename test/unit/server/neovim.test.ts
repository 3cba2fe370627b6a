/**
 * The Neovim set-up that docs/LANGUAGE-SERVER.md documents for Neovim 0.7 to 0.10, run in a real Neovim
 * (Debian's `neovim`, 0.7.2 on bookworm: the oldest version the docs promise): the Lua block is taken from
 * the docs as written, with `/path/to/dist/cli.js` replaced by this checkout's CLI, and Neovim is started
 * headless on a broken experiment file and then on a sweep file. It must give the file the `yaml.spt`
 * filetype, start one `spt lsp --stdio` client, show the server's diagnostic at its exact range, and attach
 * the second file to the same client. (The 0.11+ `vim.lsp.config` block needs a newer Neovim than Debian
 * ships and is not run here.)
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const DOC = path.join(ROOT, 'docs', 'LANGUAGE-SERVER.md');
const NVIM_INSTALL_HINT = 'install it with `apt-get install neovim` (bash .ci/run does)';

/** The first ```lua block under the heading that starts with `heading`. */
function luaBlockAfter(markdown: string, heading: string): string {
  const at = markdown.indexOf(heading);
  assert.ok(at >= 0, `docs/LANGUAGE-SERVER.md has no heading "${heading}"`);
  const m = /```lua\n([\s\S]*?)```/.exec(markdown.slice(at));
  assert.ok(m, `no lua block under "${heading}"`);
  return m[1];
}

/** Appended to the documented set-up: waits for diagnostics, opens the sweep file, writes what it saw. */
const HARNESS = `
local function wait_diagnostics(buf)
  return vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
end
vim.api.nvim_create_autocmd('VimEnter', { nested = true, callback = function()
  local out = { first = {}, diagnostics = {} }
  out.first.waited = wait_diagnostics(0)
  out.first.filetype = vim.bo.filetype
  out.first.clients = #vim.lsp.buf_get_clients(0)
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(out.diagnostics, { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      message = d.message, source = d.source or '' })
  end
  -- nested = true: the edit runs the FileType autocommands as opening a file by hand does
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.SPT_SECOND_FILE))
  vim.wait(60000, function() return #vim.lsp.buf_get_clients(0) > 0 end, 50)
  out.second = { filetype = vim.bo.filetype, clients = #vim.lsp.buf_get_clients(0) }
  out.active_clients = #vim.lsp.get_active_clients()
  vim.fn.writefile({ vim.fn.json_encode(out) }, vim.env.SPT_OUT)
  vim.cmd('qa!')
end })
`;

interface NvimReport {
  first: { waited: boolean; filetype: string; clients: number };
  diagnostics: { lnum: number; col: number; end_lnum: number; end_col: number; message: string }[];
  second: { filetype: string; clients: number };
  active_clients: number;
}

describe('Neovim 0.7-0.10 set-up from docs/LANGUAGE-SERVER.md, in a real Neovim', function () {
  this.timeout(180_000);
  let dir: string;

  before(function () {
    if (!fs.existsSync(CLI)) this.skip(); // `npm run build` first (the CLI tests need it too)
    const v = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
    if (v.error) throw new Error(`nvim is not on PATH: ${NVIM_INSTALL_HINT}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-nvim-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('gives the file its filetype, starts one client, shows the diagnostic at its range, attaches a sweep file', () => {
    const lua = luaBlockAfter(fs.readFileSync(DOC, 'utf8'), '### Neovim 0.7 to 0.10');
    assert.ok(lua.includes('/path/to/dist/cli.js'), 'the documented block names the CLI path to replace');
    const init = path.join(dir, 'init.lua');
    fs.writeFileSync(init, lua.replaceAll('/path/to/dist/cli.js', CLI) + HARNESS);

    // A broken experiment: the template with a negative learning rate.
    const template = fs.readFileSync(path.join(ROOT, 'examples', 'templates', 'spt-deep.spt.yaml'), 'utf8');
    const lines = template.split('\n');
    const lrLine = lines.findIndex((l) => /^\s+lr:\s/.test(l));
    assert.ok(lrLine > 0, 'the template sets train.lr');
    lines[lrLine] = lines[lrLine].replace(/lr:\s.*$/, 'lr: -1');
    const bad = path.join(dir, 'broken.spt.yaml');
    fs.writeFileSync(bad, lines.join('\n'));
    const sweep = path.join(dir, 'grid.sweep.yaml');
    fs.writeFileSync(sweep, 'experiment: broken.spt.yaml\ngrid:\n  train.lr: [0.01, 0.1]\nseeds: [0]\n');

    const out = path.join(dir, 'out.json');
    const r = spawnSync('nvim', ['--headless', '-u', init, bad], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 150_000,
      env: { ...process.env, SPT_OUT: out, SPT_SECOND_FILE: sweep },
    });
    assert.equal(r.status, 0, `nvim exited ${r.status}: ${r.stderr}`);
    assert.ok(fs.existsSync(out), `Neovim wrote no report: ${r.stdout}\n${r.stderr}`);
    const rep = JSON.parse(fs.readFileSync(out, 'utf8')) as NvimReport;

    assert.equal(rep.first.filetype, 'yaml.spt', 'the *.spt.yaml file gets the documented filetype');
    assert.equal(rep.first.clients, 1, 'one spt client is attached to the experiment file');
    assert.ok(rep.first.waited, 'diagnostics arrived');
    const lr = rep.diagnostics.find((d) => d.message === 'train.lr: must be > 0, found -1');
    assert.ok(lr, `the lr diagnostic is shown: ${JSON.stringify(rep.diagnostics)}`);
    const col = lines[lrLine].indexOf('-1');
    assert.deepEqual(
      [lr.lnum, lr.col, lr.end_lnum, lr.end_col],
      [lrLine, col, lrLine, col + 2],
      'the diagnostic covers exactly the value -1',
    );
    assert.equal(rep.second.filetype, 'yaml.spt', 'the *.sweep.yaml file gets the filetype too');
    assert.equal(rep.second.clients, 1, 'the sweep file is attached');
    assert.equal(rep.active_clients, 1, 'both files share one client (one server process)');
  });
});
