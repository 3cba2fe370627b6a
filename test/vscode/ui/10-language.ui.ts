/**
 * Scenario 10 (issue 19, item 8): experiment files are their own language, "SPT YAML": the status
 * bar names it, the tab carries its icon, the grammar colours keys and values apart, Toggle Line
 * Comment writes `# ` (the language configuration).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { closeAllEditors, ui, workspacePath } from './context';
import { screenshotBothThemes } from './themes';
import { SEL } from './workbench';

const FILE = 'exp/tiny.spt.yaml';

describe('UI: the SPT YAML language', () => {
  before(() => closeAllEditors(ui().wb));
  after(() => closeAllEditors(ui().wb));

  it('names the language, shows its icon, colours the YAML and comments lines with #', async () => {
    const { wb, page } = ui();
    await wb.openFile(FILE);
    await wb.waitFor(
      'the status bar to name the language "SPT YAML"',
      async () => (await wb.statusBarTexts()).includes('SPT YAML'),
      async () => `the status bar ${JSON.stringify(await wb.statusBarTexts())}`,
      { timeoutMs: 15_000 },
    );
    const iconClasses = await page
      .locator(`${SEL.activeTab} .monaco-icon-label`)
      .first()
      .getAttribute('class');
    assert.match(iconClasses ?? '', /\bspt-yaml-lang-file-icon\b/, `the tab's icon classes: ${iconClasses}`);

    // `name: tiny`: the key and its value are different tokens (the grammar ran, not plain text).
    const tokens = await wb.waitFor(
      'the first line tokenised into key and value',
      async () => {
        const spans = await page
          .locator(`${SEL.editor} .view-lines .view-line`)
          .first()
          .evaluate(() => {
            const lines = Array.from(
              document.querySelectorAll<HTMLElement>('.monaco-editor .view-line'),
            ).sort((a, b) => Number.parseFloat(a.style.top) - Number.parseFloat(b.style.top));
            const first = lines.find((l) => /^name:/.test((l.textContent ?? '').replace(/\u00a0/g, ' ')));
            return first
              ? Array.from(first.querySelectorAll('span > span')).map((s) => ({
                  text: (s.textContent ?? '').replace(/\u00a0/g, ' '),
                  cls: s.className,
                  color: getComputedStyle(s).color,
                }))
              : [];
          });
        const key = spans.find((s) => s.text === 'name');
        const value = spans.find((s) => /[A-Za-z0-9]/.test(s.text) && s.text.trim() !== 'name');
        return key && value && key.color !== value.color ? { key, value } : undefined;
      },
      async () => `the editor lines ${JSON.stringify(await wb.editorLines())}`,
      { timeoutMs: 10_000 },
    );
    console.log(`      key ${tokens.key.color}, value "${tokens.value.text}" ${tokens.value.color}`);

    // Toggle Line Comment on the `name:` line uses the language's `#`.
    const at = fs
      .readFileSync(workspacePath(FILE), 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('name:'));
    assert.ok(at >= 0, `${FILE} has no name: line`);
    await wb.gotoLine(at + 1);
    await wb.runCommand('Toggle Line Comment');
    await wb.waitFor(
      `line ${at + 1} commented with "# "`,
      async () => (await wb.editorLines())[at]?.startsWith('# name:'),
      async () => `the editor lines ${JSON.stringify((await wb.editorLines()).slice(0, at + 2))}`,
    );
    await wb.runCommand('Toggle Line Comment');
    await wb.waitFor(`line ${at + 1} uncommented`, async () =>
      (await wb.editorLines())[at]?.startsWith('name:'),
    );
    await screenshotBothThemes(wb, 'ui-language');
    await wb.runCommand('File: Revert File');
  });
});
