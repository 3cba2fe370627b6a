/**
 * Drives VS Code's workbench in the page the way a person does (keyboard, clicks, hovers) and reads
 * what they would see. Every wait has a deadline and, when it passes, says what it waited for and
 * what the page showed instead. Selectors: ../shared/docs/vscode-e2e.md and VS Code 1.100's DOM.
 */
import { AssertionError } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A failed expectation about the page, with what the page showed. */
export class UiError extends Error {
  override name = 'UiError';
}

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const norm = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);
const list = (items: string[]) =>
  items.length ? items.map((i) => `"${clip(i, 160)}"`).join(', ') : 'nothing';

export const SEL = {
  workbench: '.monaco-workbench',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputTitle: '.quick-input-widget .quick-input-title',
  quickInputRows: '.quick-input-widget .quick-input-list .monaco-list-row',
  activeTab: '.editor-group-container.active .tabs-container .tab.active',
  editor: '.editor-group-container.active .monaco-editor',
  squiggleError: '.squiggly-error',
  problemsRows: '.markers-panel .monaco-list-row',
  hover: '.monaco-hover:not(.hidden)',
  suggestRows: '.editor-widget.suggest-widget.visible .monaco-list-row',
  suggestDetails: '.suggest-details-container .suggest-details',
  actionWidgetRows: '.action-widget .monaco-list-row.action',
  notificationToasts: '.notifications-toasts .notification-toast',
  statusBarItems: '.part.statusbar .statusbar-item',
  contextMenuItems: '.context-view .monaco-menu .action-item:not(.disabled) .action-label',
} as const;

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export class Workbench {
  constructor(
    readonly page: Page,
    readonly outputDir: string,
  ) {}

  /**
   * Polls `probe` until it returns something truthy. On timeout throws a UiError naming `what` and,
   * when `seen` is given, what the page showed. An assertion that fails inside `probe` fails at once.
   */
  async waitFor<T>(
    what: string,
    probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
    seen?: () => Promise<string> | string,
    { timeoutMs = 20_000, intervalMs = 200 }: WaitOptions = {},
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let value: T | undefined | null | false;
      try {
        value = await probe();
      } catch (err) {
        // A failed assertion in the probe fails at once; anything else (an element that went away
        // while it was read) counts as "not yet".
        if (err instanceof AssertionError || err instanceof UiError) throw err;
        value = undefined;
      }
      if (value) return value;
      if (Date.now() > deadline) {
        let saw = '';
        if (seen) {
          try {
            saw = `; the page shows ${await seen()}`;
          } catch (err) {
            saw = `; (could not read the page: ${(err as Error).message.split('\n')[0]})`;
          }
        }
        throw new UiError(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}${saw}`);
      }
      await sleep(intervalMs);
    }
  }

  /** The visible texts of the elements matching `selector` (whitespace collapsed). */
  async texts(selector: string | Locator): Promise<string[]> {
    const loc = typeof selector === 'string' ? this.page.locator(selector) : selector;
    const all = await loc.evaluateAll((els) =>
      els
        .filter((e) => (e as HTMLElement).offsetParent !== null || getComputedStyle(e).position === 'fixed')
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads
        .map((e) => (e as HTMLElement).innerText || e.getAttribute('aria-label') || ''),
    );
    return all.map(norm).filter(Boolean);
  }

  async screenshot(name: string): Promise<string | undefined> {
    fs.mkdirSync(this.outputDir, { recursive: true });
    const file = path.join(this.outputDir, `${name}.png`);
    try {
      await this.page.screenshot({ path: file, timeout: 10_000 });
      return file;
    } catch {
      return undefined;
    }
  }

  async ready(): Promise<void> {
    await this.page.waitForSelector(SEL.workbench, { timeout: 60_000 });
    await this.waitFor(
      'the status bar',
      () => this.page.locator('.part.statusbar').isVisible(),
      () => 'no status bar',
      { timeoutMs: 60_000 },
    );
  }

  /** Closes whatever quick input, hover, suggest or notification is open. */
  async escape(times = 2): Promise<void> {
    for (let i = 0; i < times; i++) await this.page.keyboard.press('Escape');
  }

  // ---- quick input --------------------------------------------------------------------------------

  private async quickInputOpen(): Promise<boolean> {
    return this.page.locator(SEL.quickInput).isVisible();
  }

  async quickInputRows(): Promise<string[]> {
    return this.texts(SEL.quickInputRows);
  }

  /**
   * The visible quick input row whose label is exactly `label` (one look, no waiting). The locator
   * matches by content, not position: the list re-renders while results stream in.
   */
  async quickInputRow(label: string): Promise<Locator | undefined> {
    const exact = new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`);
    const row = this.page
      .locator(SEL.quickInputRows)
      .filter({ has: this.page.locator('.label-name', { hasText: exact }) })
      .first();
    return (await row.isVisible()) ? row : undefined;
  }

  /** What the quick input shows (title, rows), for failure messages. */
  async describeQuickInput(): Promise<string> {
    if (!(await this.quickInputOpen())) return 'no quick input';
    const title = (await this.texts(SEL.quickInputTitle)).join(' ');
    return `the quick input${title ? ` "${title}"` : ''} with ${list(await this.quickInputRows())}`;
  }

  /** Waits for the quick input whose title contains `title` (a step of a command's flow). */
  async waitQuickInput(title: string | RegExp, opts?: WaitOptions): Promise<void> {
    const matches = (t: string) => (typeof title === 'string' ? t.includes(title) : title.test(t));
    await this.waitFor(
      `the quick input titled ${typeof title === 'string' ? `"${title}"` : title}`,
      async () => (await this.quickInputOpen()) && matches((await this.texts(SEL.quickInputTitle)).join(' ')),
      () => this.describeQuickInput(),
      opts,
    );
  }

  /**
   * Runs a command as a person does: F1, types its title, picks the entry whose label is exactly
   * `title`. Fails with the entries the palette offered instead (a renamed or missing command).
   */
  async runCommand(title: string): Promise<void> {
    await this.escape(1);
    await this.page.keyboard.press('F1');
    await this.waitFor(
      'the command palette to open (F1)',
      () => this.quickInputOpen(),
      () => this.describeQuickInput(),
    );
    const box = this.page.locator(SEL.quickInputBox);
    await box.fill(`>${title}`);
    const row = await this.waitFor(
      `the command palette entry "${title}"`,
      () => this.quickInputRow(title),
      async () => {
        const rows = await this.quickInputRows();
        return `the command palette entries ${list(rows)} for ">${title}"${rows.length ? '' : ' (no command matches: renamed, removed or hidden by its when clause?)'}`;
      },
      { timeoutMs: 10_000 },
    );
    await row.click();
  }

  /** Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor tab. */
  async openFile(relative: string): Promise<void> {
    await this.escape(1);
    const base = path.basename(relative);
    await this.page.keyboard.press('Control+P');
    await this.waitFor(
      'Quick Open (Ctrl+P)',
      () => this.quickInputOpen(),
      () => this.describeQuickInput(),
    );
    await this.page.locator(SEL.quickInputBox).fill(relative);
    const row = await this.waitFor(
      `Quick Open to list ${relative}`,
      () => this.quickInputRow(base),
      () => this.describeQuickInput(),
    );
    await row.click();
    await this.waitActiveEditor(base);
  }

  async activeTabTitle(): Promise<string> {
    return (await this.texts(SEL.activeTab)).join(' ');
  }

  async waitActiveEditor(base: string, opts?: WaitOptions): Promise<void> {
    await this.waitFor(
      `the editor of ${base} to be active`,
      async () =>
        (await this.activeTabTitle()).split(' ')[0] === base && this.page.locator(SEL.editor).isVisible(),
      async () => `the active tab "${await this.activeTabTitle()}"`,
      opts,
    );
  }

  // ---- editor -------------------------------------------------------------------------------------

  /** The active editor's visible lines (top to bottom; small files are visible whole). */
  async editorLines(): Promise<string[]> {
    return this.page
      .locator(`${SEL.editor} .view-lines`)
      .first()
      .evaluate((el) =>
        Array.from(el.querySelectorAll<HTMLElement>('.view-line'))
          .sort((a, b) => Number.parseFloat(a.style.top) - Number.parseFloat(b.style.top))
          .map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ')),
      );
  }

  /**
   * Where `text` is drawn in the active editor: the first visible line matching `line` (spaces in it
   * match the editor's rendered non-breaking spaces), then `text` inside that line. Undefined when
   * not visible.
   */
  async textBox(
    line: RegExp,
    text: string,
  ): Promise<{ x: number; y: number; width: number; height: number } | undefined> {
    const source = line.source.replace(/ /g, '\\s');
    return this.page
      .locator(`${SEL.editor} .view-lines`)
      .first()
      .evaluate(
        (el, { source, flags, text }) => {
          const re = new RegExp(source, flags);
          for (const row of Array.from(el.querySelectorAll<HTMLElement>('.view-line'))) {
            const content = (row.textContent ?? '').replace(/\u00a0/g, ' ');
            if (!re.test(content)) continue;
            const at = content.indexOf(text);
            if (at < 0) continue;
            // Map the character offsets onto the line's text nodes.
            const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
            const range = document.createRange();
            let seen = 0;
            let started = false;
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              const len = node.textContent?.length ?? 0;
              if (!started && at < seen + len) {
                range.setStart(node, at - seen);
                started = true;
              }
              if (started && at + text.length <= seen + len) {
                range.setEnd(node, at + text.length - seen);
                const r = range.getBoundingClientRect();
                return { x: r.x, y: r.y, width: r.width, height: r.height };
              }
              seen += len;
            }
          }
          return undefined;
        },
        { source, flags: line.flags, text },
      );
  }

  /** Moves the mouse onto `text` in the editor line matching `line` (hover) or clicks it. */
  async pointAt(line: RegExp, text: string, action: 'hover' | 'click'): Promise<void> {
    // The same place twice in a row: a CodeLens or a view zone arriving late moves the lines down.
    let last = '';
    const box = await this.waitFor(
      `"${text}" on the editor line ${line}, at rest`,
      async () => {
        const b = await this.textBox(line, text);
        const key = b ? `${b.x.toFixed(0)},${b.y.toFixed(0)}` : '';
        const still = b && key === last;
        last = key;
        return still ? b : undefined;
      },
      async () => `the editor lines ${list(await this.editorLines())}`,
      { timeoutMs: 10_000, intervalMs: 300 },
    );
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    if (action === 'click') await this.page.mouse.click(x, y);
    else {
      await this.page.mouse.move(x - 2, y);
      await this.page.mouse.move(x, y, { steps: 3 });
    }
  }

  /** Moves the cursor to the start of line `line` (1-based) with Go to Line (Ctrl+G). */
  async gotoLine(line: number, column = 1): Promise<void> {
    await this.page.keyboard.press('Control+G');
    await this.waitFor(
      'Go to Line (Ctrl+G)',
      () => this.quickInputOpen(),
      () => this.describeQuickInput(),
    );
    await this.page.locator(SEL.quickInputBox).fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.waitFor(
      'Go to Line to close',
      async () => !(await this.quickInputOpen()),
      () => this.describeQuickInput(),
    );
  }

  // ---- panels, status bar, notifications ---------------------------------------------------------

  async statusBarTexts(): Promise<string[]> {
    return this.texts(SEL.statusBarItems);
  }

  async notifications(): Promise<string[]> {
    return this.texts(SEL.notificationToasts);
  }

  /** The Problems panel's rows (opens it with Ctrl+Shift+M when it is not showing). */
  async problems(): Promise<string[]> {
    if (!(await this.page.locator('.markers-panel').isVisible())) {
      await this.page.keyboard.press('Control+Shift+M');
      await this.waitFor(
        'the Problems panel (Ctrl+Shift+M)',
        () => this.page.locator('.markers-panel').isVisible(),
        async () => `the panels ${list(await this.texts('.part.panel .composite-bar .action-label'))}`,
      );
    }
    return this.rowLabels(SEL.problemsRows);
  }

  /** aria-labels of list rows (they carry what a screen reader says: message, line, column, file). */
  async rowLabels(selector: string | Locator): Promise<string[]> {
    const loc = typeof selector === 'string' ? this.page.locator(selector) : selector;
    return (await loc.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))).map(norm);
  }

  // ---- views --------------------------------------------------------------------------------------

  /** Clicks the activity bar entry titled `title` (a view container) unless its view already shows. */
  async showViewContainer(title: string, viewTitle: string): Promise<Locator> {
    const pane = this.viewPane(viewTitle);
    if (!(await pane.isVisible())) {
      const entry = this.page.locator(
        `.part.activitybar .action-item a.action-label[aria-label^="${title}"]`,
      );
      await this.waitFor(
        `the activity bar entry "${title}"`,
        () => entry.first().isVisible(),
        async () =>
          `the activity bar entries ${list(await this.rowLabels('.part.activitybar .action-item a.action-label'))}`,
      );
      await entry.first().click();
      await this.waitFor(
        `the view "${viewTitle}" to show`,
        () => pane.isVisible(),
        async () => `the side bar ${list(await this.texts('.part.sidebar .pane-header'))}`,
      );
    }
    return pane;
  }

  /** The pane (header + body) of a view, by its header title. */
  viewPane(viewTitle: string): Locator {
    return this.page.locator('.part.sidebar .pane').filter({
      has: this.page.locator('.pane-header .title', {
        hasText: new RegExp(`^${escapeRegExp(viewTitle)}$`, 'i'),
      }),
    });
  }

  /** The rows of a tree view: `label · description` as the view shows them (aria-label, text). */
  async treeRows(pane: Locator): Promise<string[]> {
    return this.texts(pane.locator('.pane-body .monaco-list-row'));
  }

  /**
   * The content of a webview panel (the dashboard): VS Code nests two same-origin iframes. With
   * several webviews open, `index` picks one in DOM order (-1: the last).
   */
  webview(index = -1): FrameLocator {
    const outer = this.page.locator('iframe.webview.ready');
    return (index < 0 ? outer.last() : outer.nth(index)).contentFrame().frameLocator('iframe#active-frame');
  }

  /** The items of the open context menu. */
  async contextMenuItems(): Promise<string[]> {
    return this.texts(SEL.contextMenuItems);
  }

  /** Right-clicks `target` and picks `item` from the context menu. */
  async contextMenu(target: Locator, item: string): Promise<void> {
    await target.click({ button: 'right' });
    const entry = await this.waitFor(
      `the context menu entry "${item}"`,
      async () => {
        const loc = this.page
          .locator(SEL.contextMenuItems)
          .filter({ hasText: new RegExp(`^${escapeRegExp(item)}$`) });
        return (await loc.count()) ? loc.first() : undefined;
      },
      async () => `the context menu ${list(await this.contextMenuItems())}`,
      { timeoutMs: 10_000 },
    );
    await entry.click();
    // A click that lands while the menu is still being laid out (the tree under it re-rendering) can
    // leave the menu open with the entry only highlighted: then pick the focused entry with Enter.
    const menu = this.page.locator('.context-view .monaco-menu');
    const closed = () =>
      menu.waitFor({ state: 'hidden', timeout: 2_000 }).then(
        () => true,
        () => false,
      );
    if (await closed()) return;
    if ((await entry.count()) > 0) {
      await entry.hover();
      await this.page.keyboard.press('Enter');
    }
    if (!(await closed()))
      throw new UiError(
        `the context menu stayed open after picking "${item}"; it shows ${list(await this.contextMenuItems())}`,
      );
  }
}
