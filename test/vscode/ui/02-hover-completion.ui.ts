/**
 * Scenario 2: hovering a key of an experiment file shows the schema's documentation of that key, and
 * completion (Ctrl+Space) offers the keys the block may still take and the values a key allows, each
 * with its documentation in the details pane. The expected texts come from the schema itself
 * (src/config/experiment-schema.ts), the single source the language server documents.
 */
import * as assert from 'node:assert/strict';
import { experimentSchema } from '../../../src/config/experiment-schema';
import { type Field, fieldAt } from '../../../src/config/schema-dsl';
import { typeLabel } from '../../../src/server/language-service/hover';
import { closeAllEditors, ui } from './context';
import { escapeRegExp, SEL, type Workbench } from './workbench';

const FILE = 'exp/tiny.spt.yaml';

function field(path: string[]): Field {
  const f = fieldAt(experimentSchema, path);
  if (!f) throw new Error(`the schema has no ${path.join('.')}`);
  return f;
}

/** Markdown as the hover renders it: no code ticks, no emphasis, spaces collapsed. */
const rendered = (md: string) => md.replace(/[`*]/g, '').replace(/\s+/g, ' ').trim();

/** The suggest widget's labels once it shows. */
async function suggestions(wb: Workbench): Promise<string[]> {
  return wb.waitFor(
    'the suggest widget (Ctrl+Space)',
    async () => {
      const labels = await wb.rowLabels(SEL.suggestRows);
      return labels.length ? labels.map((l) => l.split(',')[0].trim()) : undefined;
    },
    async () =>
      (await wb.page.locator('.suggest-widget').count()) ? 'an empty suggest widget' : 'no suggest widget',
  );
}

/** The details pane of the focused suggestion (Ctrl+Space toggles it when hidden). */
async function suggestDetails(wb: Workbench, expect: string): Promise<string> {
  let toggled = false;
  return wb.waitFor(
    `the suggestion's documentation to contain "${expect}"`,
    async () => {
      const text = (await wb.texts(SEL.suggestDetails)).join(' ');
      if (!text && !toggled) {
        toggled = true;
        await wb.page.keyboard.press('Control+Space');
      }
      return text.includes(expect) ? text : undefined;
    },
    async () => `the details ${JSON.stringify((await wb.texts(SEL.suggestDetails)).join(' '))}`,
    { timeoutMs: 10_000 },
  );
}

describe('UI: hover and completion in an experiment file', () => {
  before(async () => {
    await closeAllEditors(ui().wb);
    await ui().wb.openFile(FILE);
  });
  after(async () => {
    const { wb } = ui();
    await wb.escape(2);
    await wb.runCommand('File: Revert File');
  });

  it('hovering prompt.method shows its documentation, type and allowed values', async () => {
    const { wb, page } = ui();
    const method = field(['prompt', 'method']);
    assert.equal(method.kind, 'enum');
    const expected = [
      `prompt.method · ${typeLabel(method)}`,
      rendered(method.doc),
      ...(method.kind === 'enum'
        ? method.values.map((v) => rendered(`${v}: ${method.valueDocs?.[v] ?? ''}`))
        : []),
    ];
    const hover = page.locator(SEL.hover);
    // Hover `method`; if another hover shows (the lines moved under the mouse), move away and again.
    let attempt = 0;
    const text = await wb.waitFor(
      'a hover over "method"',
      async () => {
        const t = (await wb.texts(hover)).join(' ');
        if (t.includes('prompt.method')) return t;
        if (attempt === 0 || (attempt < 4 && t)) {
          attempt++;
          await page.mouse.move(2, 2);
          await wb.pointAt(/^ {2}method: vpt$/, 'method', 'hover');
        }
        return undefined;
      },
      async () => `the hover ${JSON.stringify((await wb.texts(hover)).join(' ') || 'none')}`,
    );
    for (const part of expected)
      assert.ok(text.includes(part), `the hover lacks "${part}": it reads "${text}"`);
    await wb.screenshot('ui-hover');
    await page.mouse.move(2, 2);
    await wb.escape(1);
  });

  it('Ctrl+Space on a new line of prompt: offers the keys it lacks, with their docs', async () => {
    const { wb, page } = ui();
    const prompt = field(['prompt']);
    assert.equal(prompt.kind, 'object');
    const lines = await wb.editorLines();
    const present = new Set<string>();
    const first = lines.indexOf('prompt:');
    assert.ok(first >= 0, `no 'prompt:' line in ${JSON.stringify(lines)}`);
    let last = first;
    for (let i = first + 1; i < lines.length && /^ {2}\S/.test(lines[i]); i++) {
      present.add(lines[i].trim().split(':')[0]);
      last = i;
    }
    const lastLine = lines[last];
    const expected = Object.keys(prompt.kind === 'object' ? prompt.fields : {}).filter(
      (k) => !present.has(k),
    );
    assert.ok(expected.length > 0, `prompt: already has every key (${[...present].join(', ')})`);

    // Click the block's last line, go to its end, start a new line (indented like the block).
    await wb.pointAt(new RegExp(`^${escapeRegExp(lastLine)}$`), lastLine.trim(), 'click');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+Space');
    const offered = await suggestions(wb);
    assert.deepEqual([...offered].sort(), [...expected].sort(), `offered ${offered.join(', ')}`);
    const key = offered[0];
    const f = field(['prompt', key]);
    const details = await suggestDetails(wb, `prompt.${key}`);
    assert.ok(
      details.includes(rendered(f.doc)),
      `the details of ${key} lack "${rendered(f.doc)}": ${details}`,
    );
    await wb.screenshot('ui-completion-keys');
    await wb.escape(1);
  });

  it('Ctrl+Space after "method: " offers the allowed values, each with its doc', async () => {
    const { wb, page } = ui();
    const method = field(['prompt', 'method']);
    if (method.kind !== 'enum') throw new Error('prompt.method is no longer an enum');
    await wb.pointAt(/^ {2}method: vpt$/, 'vpt', 'click');
    await page.keyboard.press('End');
    for (let i = 0; i < 'vpt'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.press('Control+Space');
    const offered = await suggestions(wb);
    assert.deepEqual(offered, [...method.values], `offered ${offered.join(', ')}`);
    const doc = rendered(method.valueDocs?.[offered[0]] ?? '');
    await suggestDetails(wb, doc);
    await wb.screenshot('ui-completion-values');
    await wb.escape(1);
  });
});
