/**
 * Browser preview of the dashboard webview, outside VS Code: Debian's chromium (playwright-core) loads a
 * page with the panel's CSP (nonce scripts, no inline styles, no network), a fake `acquireVsCodeApi`
 * whose requests are answered from the fixture run folders (test/fixtures/runs) by FixtureHost, then
 * dist/webview/main.js and media/dashboard.css. Every view is screenshotted in dark and light themes
 * into .test-output/webview/. Fails (exit 1) on a console error, a CSP violation, a webview 'log' error,
 * an empty chart or a blank canvas.
 *
 *   npx tsx test/webview/preview.ts            (build first: node scripts/build.mjs)
 *   npx tsx test/webview/preview.ts --only compare,live
 *
 * Needs /usr/bin/chromium (apt-get install chromium). Env: SPT_CHROMIUM (another browser binary).
 */

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { MetricLine } from '../../src/shared/run-events';
import type { DashboardMode, ToExtension, ToWebview } from '../../src/shared/webview-contract';
import { isSplitKey } from '../../webview-ui/src/lib/split-keys';
import { writeTinyExperiment } from '../helpers/tiny-experiment';
import { columnsFromLines, FixtureHost, readMetricLines } from './fixture-host';
import { syntheticRun } from './synthetic';
import { THEMES, type ThemeName } from './themes';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, '.test-output', 'webview');
const ORIGIN = 'https://webview.test';
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'runs');
const SPT = path.join(FIXTURES, 'default-spt-mean-s0', '20261127-015813');
const VPT = path.join(FIXTURES, 'default-vpt-s0', '20261127-015356');
const LINEAR = path.join(FIXTURES, 'default-linear-s0', '20261127-015311');
const TABS = ['curves', 'system', 'prototypes', 'attention', 'analysis', 'summary'] as const;
type Tab = (typeof TABS)[number];

const failures: string[] = [];
const notes: string[] = [];
let shots = 0;

function fail(scenario: string, message: string): void {
  failures.push(`${scenario}: ${message}`);
  console.log(`  FAIL ${message}`);
}

function html(nonce: string, theme: ThemeName, initialState: unknown): string {
  const csp = [
    "default-src 'none'",
    `img-src ${ORIGIN} data: blob:`,
    `style-src ${ORIGIN} 'nonce-${nonce}'`,
    `font-src ${ORIGIN}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const t = THEMES[theme];
  // The fake VS Code API: state in memory, posts go to the Node side through an exposed binding.
  const boot = `
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
    });
    window.__applyTheme = (cls, vars) => {
      document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
      document.body.classList.add(cls);
      document.body.setAttribute('data-vscode-theme-kind', cls);
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty('--vscode-' + k, v);
    };
    let state = ${JSON.stringify(initialState ?? null)} || undefined;
    let acquired = false;
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m) => window.__toHost(JSON.stringify(m)),
        getState: () => state,
        setState: (s) => { state = s; window.__state = s; },
      };
    };`;
  const themeBoot = `
    window.__applyTheme(${JSON.stringify(t.bodyClass)}, ${JSON.stringify({
      ...t.vars,
      'font-family':
        '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
      'font-size': '13px',
      'editor-font-family': '"Droid Sans Mono", monospace',
      'editor-font-size': '12px',
    })});`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${ORIGIN}/media/dashboard.css">
<title>SPT dashboard preview</title>
</head>
<body>
<script nonce="${nonce}">${boot}</script>
<script nonce="${nonce}">${themeBoot}</script>
<div id="app"></div>
<script nonce="${nonce}" src="${ORIGIN}/dist/webview/main.js"></script>
</body>
</html>`;
}

interface Session {
  page: Page;
  host: FixtureHost;
  posted: ToExtension[];
  send(m: ToWebview): Promise<void>;
  errors: string[];
}

async function open(
  browser: Browser,
  name: string,
  opts: {
    runDirs: string[];
    mode?: DashboardMode;
    theme?: ThemeName;
    state?: unknown;
    host?: FixtureHost;
    delayMs?: number;
  },
): Promise<Session> {
  const host = opts.host ?? new FixtureHost(opts.runDirs);
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 }, deviceScaleFactor: 1 });
  const nonce = Buffer.from(String(Math.random())).toString('base64').replace(/=/g, '');
  const errors: string[] = [];
  const posted: ToExtension[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy|Refused|\[ECharts\]/.test(m.text())) {
      errors.push(`console ${m.type()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  const files: Record<string, { file: string; type: string }> = {
    '/dist/webview/main.js': { file: path.join(ROOT, 'dist/webview/main.js'), type: 'text/javascript' },
    '/media/dashboard.css': { file: path.join(ROOT, 'media/dashboard.css'), type: 'text/css' },
  };
  const page0 = html(nonce, opts.theme ?? 'dark', opts.state);
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/index.html') return route.fulfill({ body: page0, contentType: 'text/html' });
    const f = files[url.pathname];
    if (f && fs.existsSync(f.file))
      return route.fulfill({ body: fs.readFileSync(f.file), contentType: f.type });
    errors.push(`request for an unknown resource: ${url.pathname}`);
    return route.fulfill({ status: 404, body: '' });
  });
  // Anything outside the fake origin is "the network": the CSP should already stop it.
  await page.route(/^(?!https:\/\/webview\.test\/).*/, (route) => {
    const u = route.request().url();
    if (u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    errors.push(`network request: ${u}`);
    return route.abort();
  });
  const send = async (m: ToWebview) => {
    // As a JSON string: Playwright's own argument serialisation is slow for 100,000-point columns.
    await page.evaluate((json) => {
      const msg = JSON.parse(json);
      if (msg.type === 'response')
        (window as unknown as { __responseAt: number }).__responseAt = performance.now();
      window.dispatchEvent(new MessageEvent('message', { data: msg }));
    }, JSON.stringify(m));
  };
  await page.exposeFunction('__toHost', async (json: string) => {
    const m = JSON.parse(json) as ToExtension;
    posted.push(m);
    if (m.type === 'initialized') {
      await send({
        type: 'init',
        payload: { mode: opts.mode ?? (opts.runDirs.length > 1 ? 'compare' : 'run'), runs: host.runs() },
      });
    } else if (m.type === 'request') {
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      let payload: Extract<ToWebview, { type: 'response' }>['payload'];
      try {
        payload = { requestId: m.requestId, ok: true, result: host.handle(m.kind, m.params as never) };
      } catch (e) {
        payload = { requestId: m.requestId, ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      await send({ type: 'response', payload }).catch(() => {});
    } else if (m.type === 'log' && m.payload.level === 'error') {
      errors.push(`webview log: ${m.payload.message}`);
    }
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => !document.querySelector('.waiting'), null, { timeout: 15_000 });
  console.log(`${name}: opened (${opts.runDirs.length} run${opts.runDirs.length > 1 ? 's' : ''})`);
  return { page, host, posted, send, errors };
}

async function selectTab(s: Session, tab: Tab): Promise<void> {
  await s.page.click(`#tab-${tab}`);
}

/** Waits until the visible charts of the tab have data (or a notice shows), then lets them paint. */
async function settle(s: Session, minCharts: number, timeout = 15_000): Promise<void> {
  await s.page
    .waitForFunction(
      (min) => {
        const dbg = (
          globalThis as {
            sptDashboardDebug?: { charts(): { visible: boolean; series: { points: number }[] }[] };
          }
        ).sptDashboardDebug;
        const panel = document.querySelector('.panel:not([hidden])');
        if (!dbg || !panel) return false;
        if (panel.querySelector('.notice-loading')) return false;
        const visible = dbg.charts().filter((c) => c.visible);
        return visible.length >= min && visible.every((c) => c.series.some((x) => x.points > 0));
      },
      minCharts,
      { timeout },
    )
    .catch(() => {});
  await s.page.waitForTimeout(150);
}

/** Empty charts and blank canvases in the visible panel. */
async function checkVisible(
  s: Session,
  scenario: string,
  what: string,
  opts: { minCharts: number; canvases?: number },
): Promise<void> {
  const r = await s.page.evaluate(() => {
    const dbg = (
      globalThis as {
        sptDashboardDebug?: {
          charts(): { name: string; visible: boolean; series: { name: string; points: number }[] }[];
        };
      }
    ).sptDashboardDebug!;
    const charts = dbg.charts().filter((c) => c.visible);
    const panel = document.querySelector('.panel:not([hidden])')!;
    const blank: string[] = [];
    let checked = 0;
    for (const canvas of Array.from(panel.querySelectorAll('canvas'))) {
      if (canvas.offsetWidth === 0 || canvas.classList.contains('colourbar')) continue;
      const ctx = canvas.getContext('2d');
      if (!ctx) continue;
      const { width, height } = canvas;
      const data = ctx.getImageData(0, 0, width, height).data;
      const colours = new Set<number>();
      const stride = Math.max(1, Math.floor((width * height) / 20000)) * 4;
      for (let i = 0; i < data.length && colours.size < 8; i += stride)
        colours.add((data[i] << 24) ^ (data[i + 1] << 16) ^ (data[i + 2] << 8) ^ data[i + 3]);
      checked++;
      if (colours.size < 4)
        blank.push(`${canvas.className || 'echarts canvas'} ${width}x${height} (${colours.size} colours)`);
    }
    const notices = Array.from(panel.querySelectorAll('.notice-error')).map((n) => n.textContent ?? '');
    return {
      charts,
      blank,
      checked,
      notices,
      violations: (window as unknown as { __violations: string[] }).__violations,
    };
  });
  if (r.charts.length < opts.minCharts)
    fail(scenario, `${what}: ${r.charts.length} chart(s) visible, expected ${opts.minCharts}`);
  for (const c of r.charts) {
    if (!c.series.some((x) => x.points > 0))
      fail(scenario, `${what}: chart '${c.name}' has no data (${JSON.stringify(c.series)})`);
  }
  if (opts.canvases !== undefined && r.checked < opts.canvases)
    fail(scenario, `${what}: ${r.checked} canvases drawn, expected ${opts.canvases}`);
  for (const b of r.blank) fail(scenario, `${what}: blank canvas ${b}`);
  for (const v of r.violations) fail(scenario, `CSP violation: ${v}`);
  (r as { violations: string[] }).violations.length = 0;
  await s.page.evaluate(() => {
    (window as unknown as { __violations: string[] }).__violations.length = 0;
  });
  for (const n of r.notices) fail(scenario, `${what}: error notice shown: ${n}`);
}

/** Hovers the middle of a chart: the tooltip must show a title and at least one value row. */
async function hoverReadout(s: Session, scenario: string, chart: string, title: string): Promise<void> {
  const box = await s.page.locator(chart).first().boundingBox();
  if (!box) return fail(scenario, `no ${chart} to hover`);
  await s.page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5);
  await s.page.waitForTimeout(250);
  const tt = await s.page.evaluate(() => {
    const el = Array.from(document.querySelectorAll('.tt')).find(
      (x) => (x as HTMLElement).offsetParent !== null,
    );
    return {
      title: el?.querySelector('.tt-title')?.textContent ?? null,
      rows: el?.querySelectorAll('.tt-value').length ?? 0,
      text: el?.textContent ?? '',
    };
  });
  if (!tt.title?.startsWith(title) || tt.rows === 0)
    fail(scenario, `hover read-out on ${chart}: ${JSON.stringify(tt)}`);
}

async function shot(s: Session, file: string, fullPage = false): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  await s.page.screenshot({ path: path.join(OUT, file), fullPage });
  shots++;
}

async function setTheme(s: Session, theme: ThemeName): Promise<void> {
  const t = THEMES[theme];
  const reset: Record<string, string> = {};
  for (const th of Object.values(THEMES)) for (const k of Object.keys(th.vars)) reset[k] = '';
  await s.page.evaluate(
    ([cls, vars]) =>
      (window as unknown as { __applyTheme(c: string, v: Record<string, string>): void }).__applyTheme(
        cls,
        vars,
      ),
    [t.bodyClass, { ...reset, ...t.vars }] as const,
  );
  await s.page.waitForTimeout(250);
}

function finish(s: Session, scenario: string): Promise<void> {
  for (const e of s.errors) fail(scenario, e);
  return s.page.close();
}

// The fixture runs predate the memory fields: the system tab draws their throughput, and notes the missing memory.
const MIN_CHARTS: Record<Tab, number> = {
  curves: 1,
  system: 1,
  prototypes: 1,
  attention: 1,
  analysis: 4,
  summary: 0,
};

/**
 * The prototype map's prompt labels (p0, p1, ...) as ECharts laid them out: no two boxes may overlap
 * (p3 next to p5 was once drawn over it), and every prompt has its label.
 */
async function checkPromptLabels(s: Session, scenario: string, theme: string): Promise<void> {
  const boxes = await s.page.evaluate(() =>
    (
      globalThis as {
        sptDashboardDebug?: {
          labelBoxes(
            chart: string,
            pattern: string,
          ): { text: string; x: number; y: number; width: number; height: number }[];
        };
      }
    ).sptDashboardDebug!.labelBoxes('prototype-map', '^p\\d+$'),
  );
  const chips = await s.page.locator('.view-prototypes .chips .chip').count();
  if (boxes.length === 0 || boxes.length !== chips)
    fail(scenario, `prompt labels (${theme}): ${boxes.length} drawn for ${chips} prompts`);
  const overlaps: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (w > 0.5 && h > 0.5) overlaps.push(`${a.text} and ${b.text} (${w.toFixed(1)} x ${h.toFixed(1)} px)`);
    }
  if (overlaps.length) fail(scenario, `prompt labels overlap (${theme}): ${overlaps.join(', ')}`);
  notes.push(`prototype map (${scenario}, ${theme}): ${boxes.length} prompt labels, none overlapping`);
}

/** One SPT run: every view, dark then light (the light pass also checks the re-render on theme change). */
async function scenarioSingle(browser: Browser): Promise<void> {
  const name = 'spt';
  const s = await open(browser, name, { runDirs: [SPT] });
  for (const theme of ['dark', 'light'] as const) {
    if (theme !== 'dark') await setTheme(s, theme);
    for (const tab of TABS) {
      await selectTab(s, tab);
      if (tab === 'prototypes') {
        await settle(s, 1);
        const chip = s.page.locator('.chips .chip').nth(2);
        if ((await chip.getAttribute('aria-pressed')) !== 'true') await chip.click();
        await s.page
          .waitForSelector('.prompt-detail canvas[data-drawn="true"]', { timeout: 10_000 })
          .catch(() => fail(name, 'prompt source image not drawn'));
        await settle(s, 2);
        await checkPromptLabels(s, name, theme);
      } else if (tab === 'system') {
        await settle(s, 1);
        const note = (await s.page.textContent('.view-system .system-notes')) ?? '';
        if (
          !/this run recorded no memory \(trained before metrics\.jsonl carried rss_mb and tensor_mb\)/.test(
            note,
          )
        )
          fail(name, `system tab: no note that the fixture run recorded no memory: ${JSON.stringify(note)}`);
      } else if (tab === 'attention') {
        await s.page
          .waitForSelector('.map-canvas[data-drawn="true"]', { timeout: 10_000 })
          .catch(() => fail(name, 'attention map not drawn'));
        // The colour bar is named with its unit, the plain probe image is shown, the probe set's coverage is said.
        const unit = await s.page.textContent('.view-attention .colourbar-name');
        if (!unit?.includes('attention weight')) fail(name, `colour bar without name/unit: ${unit}`);
        await s.page
          .waitForSelector('.view-attention .plain-canvas[data-drawn="true"]', { timeout: 10_000 })
          .catch(() => fail(name, 'the plain probe image is not drawn'));
        const coverage = (await s.page.textContent('.view-attention .probe-coverage')) ?? '';
        if (!/^\d+ probe images?(, one per class: \d+ of \d+ class(es)?| of \d+)/.test(coverage))
          fail(name, `no probe coverage line: ${JSON.stringify(coverage)}`);
        if (theme === 'dark') notes.push(`attention: ${coverage}`);
        await settle(s, 1);
      } else {
        await settle(s, MIN_CHARTS[tab]);
      }
      if (tab === 'curves') await hoverReadout(s, name, '.view-curves .chart', 'step');
      await checkVisible(s, name, `${tab} (${theme})`, {
        minCharts: tab === 'prototypes' ? 2 : MIN_CHARTS[tab],
        canvases: tab === 'attention' ? 10 : undefined,
      });
      await shot(s, `${name}-${tab}-${theme}.png`, tab === 'summary' || tab === 'analysis');
    }
  }
  // Keyboard: arrows move between tabs (roving focus), Home/End jump.
  await s.page.focus('#tab-curves');
  await s.page.click('#tab-curves');
  await s.page.keyboard.press('ArrowRight');
  await s.page.keyboard.press('ArrowRight');
  const kb = await s.page.evaluate(() => ({
    focused: document.activeElement?.id,
    selected: document.querySelector('[role=tab][aria-selected=true]')?.id,
  }));
  await s.page.keyboard.press('End');
  const end = await s.page.evaluate(() => document.querySelector('[role=tab][aria-selected=true]')?.id);
  if (kb.focused !== 'tab-prototypes' || kb.selected !== 'tab-prototypes' || end !== 'tab-summary')
    fail(name, `keyboard tabs: ${JSON.stringify(kb)}, End -> ${end}`);
  // Exports: PNG, SVG and CSV of the curves chart go to the extension as `export` messages.
  await selectTab(s, 'curves');
  await settle(s, 1);
  for (const label of ['PNG', 'SVG', 'CSV'])
    await s.page.click(`.view-curves .export button:text-is("${label}")`);
  await selectTab(s, 'attention');
  await settle(s, 1);
  await s.page.click('.view-attention .card-maps .export button:text-is("PNG")');
  const exports = s.posted
    .filter((m): m is Extract<ToExtension, { type: 'export' }> => m.type === 'export')
    .map((m) => m.payload);
  const want = [
    ['image/png', (d: string) => Buffer.from(d, 'base64').subarray(1, 4).toString() === 'PNG'],
    ['image/svg+xml', (d: string) => d.includes('<svg') && d.includes('<path')],
    ['text/csv', (d: string) => d.startsWith('step,train,') && d.split('\n').length > 100],
  ] as const;
  for (const [mime, ok] of want) {
    const e = exports.find((x) => x.mime === mime);
    if (!e) fail(name, `no ${mime} export was posted`);
    else if (!ok(e.data))
      fail(name, `the ${mime} export (${e.fileName}) looks wrong: ${e.data.slice(0, 80)}`);
  }
  if (exports.filter((x) => x.mime === 'image/png').length < 2)
    fail(name, 'the attention map PNG export was not posted');
  for (const e of exports)
    fs.writeFileSync(
      path.join(OUT, `export-${e.fileName}`),
      e.mime === 'image/png' ? Buffer.from(e.data, 'base64') : e.data,
    );
  // The UI state persisted through setState.
  const state = (await s.page.evaluate(() => (window as unknown as { __state: unknown }).__state)) as {
    tab?: string;
    runDirs?: string[];
  };
  if (state?.tab !== 'attention' || state.runDirs?.[0] !== SPT)
    fail(name, `unexpected persisted state ${JSON.stringify(state)}`);
  await finish(s, name);

  // A reload restores the tab and the controls from the persisted state.
  const r = await open(browser, `${name}-restore`, {
    runDirs: [SPT],
    state: { ...state, curves: { x: 'epoch', smoothing: 0.9, logScale: true, metric: 'acc' }, tab: 'curves' },
  });
  await settle(r, 1);
  const restored = await r.page.evaluate(() => ({
    tab: document.querySelector('[role=tab][aria-selected=true]')?.id,
    metric: document.querySelector('.view-curves [role=radio][aria-checked=true]')?.textContent,
    log: (document.querySelector('.view-curves input[type=checkbox]') as HTMLInputElement | null)?.checked,
  }));
  if (restored.tab !== 'tab-curves' || restored.metric !== 'Accuracy' || restored.log !== true)
    fail(name, `state not restored: ${JSON.stringify(restored)}`);
  await checkVisible(r, `${name}-restore`, 'restored curves', { minCharts: 1 });
  await shot(r, 'spt-curves-restored-acc-epoch-log-dark.png');
  await finish(r, `${name}-restore`);
}

/** A VPT run: prompts without a source image. */
async function scenarioVpt(browser: Browser): Promise<void> {
  const name = 'vpt';
  const s = await open(browser, name, {
    runDirs: [VPT],
    state: { tab: 'prototypes', prototypes: { runDir: null, layer: 0, epoch: 0 } },
  });
  await settle(s, 1);
  await s.page.click('.chips .chip >> nth=0');
  await s.page
    .waitForSelector('.prompt-detail h4', { timeout: 10_000 })
    .catch(() => fail(name, 'no drift chart for a VPT prompt'));
  await settle(s, 2);
  const text = await s.page.textContent('.prompt-detail');
  if (!text?.includes('VPT prompts have no source image: initialised with Xavier uniform'))
    fail(name, `VPT message missing: ${text}`);
  await checkVisible(s, name, 'prototypes epoch 0', { minCharts: 2 });
  await checkPromptLabels(s, name, 'dark, epoch 0');
  await shot(s, 'vpt-prototypes-epoch0-dark.png');
  // The last epoch (the slider's end): VPT's prompts end close together.
  await s.page.locator('.view-prototypes input[type=range]').first().press('End');
  await settle(s, 1);
  await s.page.waitForTimeout(300);
  await checkPromptLabels(s, name, 'dark, last epoch');
  await shot(s, 'vpt-prototypes-last-dark.png');
  await finish(s, name);
}

/** Three runs side by side: SPT, VPT and a linear probe without analysis. */
async function scenarioCompare(browser: Browser): Promise<void> {
  const name = 'compare';
  const s = await open(browser, name, { runDirs: [SPT, VPT, LINEAR] });
  for (const theme of ['dark', 'light'] as const) {
    if (theme !== 'dark') await setTheme(s, theme);
    for (const tab of ['curves', 'analysis', 'summary', 'prototypes'] as const) {
      await selectTab(s, tab);
      await settle(s, tab === 'analysis' ? 8 : MIN_CHARTS[tab]);
      await checkVisible(s, name, `${tab} (${theme})`, {
        minCharts: tab === 'analysis' ? 8 : MIN_CHARTS[tab],
      });
      await shot(s, `compare-${tab}-${theme}.png`, tab !== 'curves' && tab !== 'prototypes');
    }
  }
  const curves = await s.page.evaluate(() =>
    (globalThis as { sptDashboardDebug?: { charts(): { name: string; series: { name: string }[] }[] } })
      .sptDashboardDebug!.charts()
      .find((c) => c.name === 'curves'),
  );
  const names = curves?.series.map((x) => x.name) ?? [];
  const runsInLegend = new Set(names.filter((n) => !isSplitKey(n)).map((n) => n.split(' · ')[0]));
  if (runsInLegend.size !== 3) fail(name, `curves overlay ${runsInLegend.size} runs, expected 3`);
  // The legend tells the runs and the splits apart: one key per split's line style.
  const keys = names.filter(isSplitKey);
  if (!keys.includes('train (solid)') || !keys.includes('val (dashed)'))
    fail(name, `the compare legend has no split keys: ${JSON.stringify(names)}`);
  notes.push(`compare: legend keys ${keys.join(', ')}`);
  // The runs table: sort by best val acc (descending first), the rows follow; its CSV is in that order.
  await selectTab(s, 'summary');
  await s.page.click('.view-summary .runs-table .sort-button:text-is("best val acc")');
  const order = await s.page.$$eval('.view-summary .runs-table tbody tr', (trs) =>
    trs.map((tr) => Number.parseFloat(tr.querySelectorAll('td.num')[0]?.textContent ?? 'NaN')),
  );
  const sortedDesc = order.filter(Number.isFinite).every((v, i, a) => i === 0 || a[i - 1] >= v);
  if (order.length !== 3 || !sortedDesc) fail(name, `the runs table did not sort by best val acc: ${order}`);
  const sortState = await s.page.getAttribute(
    '.view-summary .runs-table th[aria-sort="descending"]',
    'aria-sort',
  );
  if (sortState !== 'descending') fail(name, 'the sorted column has no aria-sort');
  await s.page.click('.view-summary .card:has(.runs-table) .export button:text-is("CSV")');
  const tableCsv = s.posted
    .filter((m): m is Extract<ToExtension, { type: 'export' }> => m.type === 'export')
    .map((m) => m.payload)
    .find((p) => p.fileName.includes('runs-table'));
  const csvLines = tableCsv?.data.split('\r\n').filter(Boolean) ?? [];
  if (!csvLines[0]?.includes('best_val_acc') || csvLines.length !== 4)
    fail(name, `the runs table CSV looks wrong: ${JSON.stringify(csvLines.slice(0, 2))}`);
  notes.push(`compare: runs table ${csvLines[0]}`);
  // The Prototype map tab of a compare panel links to the side-by-side maps in the Compare tab.
  await selectTab(s, 'prototypes');
  await s.page.click('.view-prototypes button.side-by-side-link');
  const tabNow = await s.page.evaluate(
    () => (globalThis as { sptDashboardDebug?: { state(): { tab: string } } }).sptDashboardDebug!.state().tab,
  );
  if (tabNow !== 'summary' || !(await s.page.isVisible('.view-summary .side-by-side-cards')))
    fail(name, `"All runs side by side" did not open the Compare tab's maps (tab ${tabNow})`);
  // Side by side (issue 19, item 3): one attention panel per run (the linear probe's says it has no
  // analysis), one colour bar per row whose maximum is the largest of the runs' own maxima, and a
  // prototype map per analysed run; the sweep plot has a point per run and split.
  await s.page.waitForSelector(
    '.side-attention .side-row[data-kind="clsToPatch"] canvas.side-canvas >> nth=1',
  );
  const side = await s.page.evaluate(() => {
    const row = document.querySelector('.side-attention .side-row[data-kind="clsToPatch"]')!;
    return {
      panels: Array.from(row.querySelectorAll('figure.side-map')).map((f) => f.getAttribute('data-run')),
      canvases: row.querySelectorAll('canvas.side-canvas').length,
      ownMax: Array.from(row.querySelectorAll('figure.side-map[data-max]')).map((f) =>
        Number(f.getAttribute('data-max')),
      ),
      barMax: Number((row.querySelector('.colourbar-block') as HTMLElement | null)?.dataset.max),
      bars: row.querySelectorAll('.colourbar-block').length,
      protos: document.querySelectorAll('.side-prototypes .side-proto .chart-side').length,
    };
  });
  if (side.panels.join() !== [SPT, VPT, LINEAR].join() || side.canvases !== 2)
    fail(name, `side-by-side attention panels: ${JSON.stringify(side)}`);
  if (side.bars !== 1 || side.barMax !== Math.max(...side.ownMax) || new Set(side.ownMax).size < 2)
    fail(name, `the side-by-side maps do not share one colour scale: ${JSON.stringify(side)}`);
  if (side.protos !== 2) fail(name, `side-by-side prototype maps: ${side.protos}, expected 2`);
  notes.push(`compare: side by side ${side.canvases} attention maps, colour max ${side.barMax.toFixed(3)}`);
  // Another probe image: every run's panel redraws on it, and the choice is kept in the panel's state.
  await s.page.selectOption('.side-by-side-cards .toolbar label:has-text("Probe image") select', {
    index: 1,
  });
  const picked = await s.page.evaluate(
    () =>
      (
        globalThis as { sptDashboardDebug?: { state(): { sideBySide: { probe: number } } } }
      ).sptDashboardDebug!.state().sideBySide.probe,
  );
  const caption = await s.page.textContent('.side-attention > p');
  if (picked !== 1 || !caption?.startsWith('Probe image 1 '))
    fail(name, `picking probe image 1 gave state ${picked}, caption "${caption}"`);
  const sweep = await s.page.evaluate(() =>
    (
      globalThis as {
        sptDashboardDebug?: { charts(): { name: string; series: { name: string; points: number }[] }[] };
      }
    )
      .sptDashboardDebug!.charts()
      .find((c) => c.name === 'sweep-scatter'),
  );
  const valPoints = sweep?.series.find((x) => x.name === 'best val acc')?.points ?? 0;
  if (valPoints !== 3) fail(name, `the sweep plot has ${valPoints} val points: ${JSON.stringify(sweep)}`);
  const parallel = await s.page.evaluate(() =>
    (
      globalThis as {
        sptDashboardDebug?: { charts(): { name: string; series: { name: string; points: number }[] }[] };
      }
    )
      .sptDashboardDebug!.charts()
      .find((c) => c.name === 'sweep-parallel'),
  );
  if (parallel?.series.length !== 3 || parallel.series.some((x) => x.points !== 1))
    fail(name, `the parallel coordinates want a line per run: ${JSON.stringify(parallel)}`);
  await s.page.click('.view-summary button:text-is("Open") >> nth=1');
  const open1 = s.posted.find((m) => m.type === 'openRun');
  if (!open1 || open1.payload.runDir !== VPT)
    fail(name, `openRun not posted for the VPT run: ${JSON.stringify(open1)}`);
  const diffRows = await s.page.locator('.table-config tbody tr').count();
  if (diffRows < 3) fail(name, `config diff has ${diffRows} rows`);
  await setTheme(s, 'hc');
  for (const tab of ['curves', 'summary'] as const) {
    await selectTab(s, tab);
    await settle(s, MIN_CHARTS[tab]);
    await checkVisible(s, name, `${tab} (high contrast)`, { minCharts: MIN_CHARTS[tab] });
    await shot(s, `compare-${tab}-hc.png`);
  }
  await finish(s, name);
}

/** A live run: the curve grows as metricLines arrive; analysisAdded refreshes the analysis views. */
async function scenarioLive(browser: Browser): Promise<void> {
  const name = 'live';
  const host = new FixtureHost([SPT]);
  host.maxAnalysisEpoch = 5;
  const { lines } = readMetricLines(SPT);
  const head = lines.slice(0, 60);
  const totalSteps = 4 * (lines.filter((l) => l.split === 'train').at(-1)?.step ?? 100);
  const progress = `epoch 2/10 · step 60/${totalSteps} · 41 img/s · ETA 2 min`;
  const run = {
    ...host.describe(SPT),
    status: 'running' as const,
    epoch: 2,
    testAcc: null,
    totalSteps,
    progress,
  };
  host.addVirtual({ run, metrics: columnsFromLines(SPT, head) });
  const s = await open(browser, name, { runDirs: [SPT], host });
  await settle(s, 1);
  const points = async () =>
    s.page.evaluate(() => {
      const c = (
        globalThis as {
          sptDashboardDebug?: { charts(): { name: string; series: { name: string; points: number }[] }[] };
        }
      )
        .sptDashboardDebug!.charts()
        .find((x) => x.name === 'curves');
      return c?.series.reduce((n, x) => n + x.points, 0) ?? 0;
    });
  const before = await points();
  await shot(s, 'live-curves-start-dark.png');
  // Overlapping batches (the file read and the live feed overlap at line 50..60): duplicates dropped.
  const batches: MetricLine[][] = [lines.slice(50, 120), lines.slice(120, 200), lines.slice(200)];
  for (const b of batches) {
    await s.send({ type: 'metricLines', payload: { runDir: SPT, lines: b } });
    await s.page.waitForTimeout(300);
  }
  const after = await points();
  if (!(after > before)) fail(name, `the curve did not grow (${before} -> ${after} points)`);
  const trainSteps = await s.page.evaluate(() => document.querySelector('.readout')?.textContent ?? '');
  notes.push(`live: curve points ${before} -> ${after}`);
  if (!/epoch/.test(trainSteps)) fail(name, `read-out missing: ${trainSteps}`);
  // The one progress wording in the header and the read-out; the x-axis runs to the planned steps.
  const header = await s.page.textContent('.topbar .meta .progress');
  if (header !== progress) fail(name, `header progress ${JSON.stringify(header)}, expected ${progress}`);
  if (!trainSteps.includes(progress)) fail(name, `read-out progress missing: ${trainSteps}`);
  const axis = await s.page.evaluate(
    () =>
      (
        globalThis as {
          sptDashboardDebug?: { charts(): { name: string; xAxis: { name?: string; max?: number } | null }[] };
        }
      )
        .sptDashboardDebug!.charts()
        .find((x) => x.name === 'curves')?.xAxis ?? null,
  );
  if (!axis || axis.max !== totalSteps || axis.name !== `step · planned ${totalSteps} · ETA 2 min`)
    fail(
      name,
      `the live x-axis ${JSON.stringify(axis)} does not run to the planned ${totalSteps} steps with the ETA`,
    );
  notes.push(`live: x-axis ${JSON.stringify(axis)}`);
  await s.send({ type: 'runs', payload: [{ ...run, status: 'finished', epoch: 10, testAcc: 0.169 }] });
  await s.page.waitForTimeout(200);
  const badge = await s.page.textContent('.topbar .badge');
  if (badge !== 'finished') fail(name, `status badge not updated: ${badge}`);
  await checkVisible(s, name, 'curves after live lines', { minCharts: 1 });
  await shot(s, 'live-curves-end-dark.png');
  // A new analysis epoch: the prototype map's epoch slider gains it (and follows it: newest selected).
  await selectTab(s, 'prototypes');
  await settle(s, 1);
  const ticks = () => s.page.textContent('.view-prototypes .range-ticks');
  const before10 = await ticks();
  host.maxAnalysisEpoch = null;
  await s.send({ type: 'analysisAdded', payload: { runDir: SPT, epoch: 10 } });
  await s.page
    .waitForFunction(
      () => document.querySelector('.view-prototypes .range-ticks')?.textContent?.includes('10'),
      null,
      { timeout: 10_000 },
    )
    .catch(() => {});
  const after10 = await ticks();
  const shownEpoch = await s.page.textContent('.view-prototypes .range-value');
  if (before10 !== '0 · 5' || after10 !== '0 · 5 · 10' || shownEpoch !== 'epoch 10') {
    fail(name, `analysisAdded: epochs ${before10} -> ${after10}, showing ${shownEpoch}`);
  }
  await settle(s, 1);
  await checkVisible(s, name, 'prototypes after analysisAdded', { minCharts: 1 });
  await finish(s, name);
}

interface ChartDebug {
  name: string;
  visible: boolean;
  series: { id: string; name: string; points: number }[];
  xAxis: { name?: string } | null;
  yAxis: { name?: string } | null;
}

const systemCharts = (s: Session): Promise<ChartDebug[]> =>
  s.page.evaluate(() =>
    (globalThis as { sptDashboardDebug?: { charts(): ChartDebug[] } })
      .sptDashboardDebug!.charts()
      .filter((c) => c.visible && c.name.startsWith('system-')),
  );

/** Points of the series whose id ends with `suffix` (`|train`, `|rss_mb`, ...) in the chart named `chart`. */
const pointsOf = (charts: ChartDebug[], chart: string, suffix: string): number | undefined =>
  charts.find((c) => c.name === chart)?.series.find((x) => x.id.endsWith(suffix))?.points;

/**
 * The system panel on a real run: a tiny experiment trained by the built CLI (`spt train`, a child
 * process), its metrics.jsonl read back, and every series must hold exactly the lines that carry its field
 * (train img/s per step, raw and smoothed; val and test evaluations; process RSS and tensor MiB over every
 * line), with the axis titles naming the units, against step and against wall-clock time; then, opened
 * while "running" on its first lines, the memory series grows as the rest arrive as live lines.
 */
async function scenarioSystem(browser: Browser): Promise<void> {
  const name = 'system';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-webview-system-'));
  try {
    const file = writeTinyExperiment(dir, {
      name: 'sys',
      seed: 3,
      pool: 'cls',
      init: 'mean',
      train: '{epochs: 4, warmup_epochs: 1, batch_size: 3, lr: 0.01}',
      analysis: '{every_epochs: 0}',
      outputDir: 'runs',
    });
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'dist/cli.js'), 'train', file],
        { timeout: 300_000 },
        (err, _out, stderr) => resolve({ code: err ? ((err.code as number) ?? 1) : 0, stderr }),
      );
    });
    if (r.code !== 0) return fail(name, `spt train exited ${r.code}: ${r.stderr.slice(-600)}`);
    const expDir = path.join(dir, 'runs', 'sys');
    const runDir = path.join(expDir, fs.readdirSync(expDir)[0]);
    const { lines } = readMetricLines(runDir);
    const count = (split: string | null, f: 'ips' | 'rss_mb' | 'tensor_mb' | 'engine_mb') =>
      lines.filter((l) => (split === null || l.split === split) && Number.isFinite(l[f])).length;
    const want: [string, string, number][] = [
      ['system-throughput', '|train', count('train', 'ips')],
      ['system-throughput', '|train|raw', count('train', 'ips')],
      ['system-throughput', '|val', count('val', 'ips')],
      ['system-throughput', '|test', count('test', 'ips')],
      ['system-memory', '|rss_mb', count(null, 'rss_mb')],
      ['system-memory', '|tensor_mb', count(null, 'tensor_mb')],
      // The fused step engine's buffers: only where it trained (webgpu, native); none on wasm, no series.
      ['system-memory', '|engine_mb', count(null, 'engine_mb')],
    ];
    if (count(null, 'rss_mb') !== lines.length || lines.length < 10)
      fail(name, `the trained run's ${lines.length} metric lines carry rss_mb on ${count(null, 'rss_mb')}`);
    const s = await open(browser, name, { runDirs: [runDir], state: { tab: 'system' } });
    for (const x of ['step', 'time'] as const) {
      if (x === 'time') await s.page.click('.view-system [role=radio]:text-is("Time")');
      await settle(s, 2);
      const charts = await systemCharts(s);
      for (const [chart, suffix, n] of want) {
        const got = pointsOf(charts, chart, suffix) ?? 0;
        if (got !== n)
          fail(name, `${chart} ${suffix} against ${x}: ${got} points, expected ${n} (metrics.jsonl)`);
      }
      const axes = charts.map((c) => `${c.name}: x "${c.xAxis?.name}", y "${c.yAxis?.name}"`).join('; ');
      const xName = x === 'step' ? 'step' : 'wall-clock time since the first step (min:s)';
      const ok =
        charts.length === 2 &&
        charts.every((c) => c.xAxis?.name === xName) &&
        charts.find((c) => c.name === 'system-throughput')?.yAxis?.name === 'throughput (img/s)' &&
        charts.find((c) => c.name === 'system-memory')?.yAxis?.name === 'memory (MiB)';
      if (!ok) fail(name, `axis titles against ${x}: ${axes}`);
      if (x === 'step')
        notes.push(`system: ${want.map(([, sfx, n]) => `${sfx.slice(1)} ${n}`).join(', ')} points; ${axes}`);
      await checkVisible(s, name, `system against ${x}`, { minCharts: 2 });
      const note = await s.page.textContent('.view-system .system-notes');
      if (note?.trim()) fail(name, `a run with memory got a note: ${note}`);
      for (const theme of ['dark', 'light'] as const) {
        await setTheme(s, theme);
        await shot(s, `system-${x}-${theme}.png`);
      }
      await setTheme(s, 'dark');
    }
    await finish(s, name);

    // Live: opened on the first 3 lines while it "runs"; the rest arrive as metricLines.
    const host = new FixtureHost([runDir]);
    const run = { ...host.describe(runDir), status: 'running' as const };
    host.addVirtual({ run, metrics: columnsFromLines(runDir, lines.slice(0, 3)) });
    const l = await open(browser, `${name}-live`, { runDirs: [runDir], host, state: { tab: 'system' } });
    await settle(l, 2);
    const before = pointsOf(await systemCharts(l), 'system-memory', '|rss_mb');
    await l.send({ type: 'metricLines', payload: { runDir, lines: lines.slice(3) } });
    await l.page.waitForTimeout(900);
    const after = pointsOf(await systemCharts(l), 'system-memory', '|rss_mb');
    if (before !== 3 || after !== lines.length)
      fail(`${name}-live`, `live memory points ${before} -> ${after}, expected 3 -> ${lines.length}`);
    notes.push(`system live: memory points ${before} -> ${after}`);
    await finish(l, `${name}-live`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Error and empty states: a run the host refuses, and a run without analysis. */
async function scenarioStates(browser: Browser): Promise<void> {
  const name = 'states';
  const missing = path.join(FIXTURES, 'gone', '20990101-000000');
  const host = new FixtureHost([LINEAR]);
  const s = await open(browser, name, { runDirs: [LINEAR], host });
  await selectTab(s, 'prototypes');
  await s.page.waitForSelector('.view-prototypes .notice', { timeout: 10_000 });
  const t = await s.page.textContent('.view-prototypes .notice');
  if (!t?.includes('no analysis')) fail(name, `expected the no-analysis notice, got: ${t}`);
  await shot(s, 'states-no-analysis-dark.png');
  await selectTab(s, 'analysis');
  await s.page.waitForSelector('.view-analysis .notice', { timeout: 10_000 });
  await shot(s, 'states-analysis-linear-dark.png');
  await finish(s, name);

  // The extension refuses every request: each view shows an error with a retry.
  const refusing = new FixtureHost([missing]);
  refusing.failWith = 'The run folder could not be read (EACCES).';
  const e = await open(browser, `${name}-error`, { runDirs: [missing], host: refusing });
  await e.page
    .waitForSelector('.view-curves .notice-error', { timeout: 10_000 })
    .catch(() => fail(name, 'no error notice on curves'));
  await shot(e, 'states-error-curves-dark.png');
  await selectTab(e, 'attention');
  await e.page
    .waitForSelector('.view-attention .notice-error', { timeout: 10_000 })
    .catch(() => fail(name, 'no error notice on attention'));
  await shot(e, 'states-error-attention-dark.png');
  for (const err of e.errors) fail(name, err);
  await e.page.close();
}

/** 100,000 train steps: the curves view downsamples to the plot width; report the time. */
async function scenarioLarge(browser: Browser): Promise<void> {
  const name = 'large';
  const v = syntheticRun();
  const host = new FixtureHost([v.run.runDir]);
  host.addVirtual(v);
  const t0 = Date.now();
  const s = await open(browser, name, { runDirs: [v.run.runDir], host });
  await settle(s, 1, 60_000);
  const wallMs = Date.now() - t0;
  const info = await s.page.evaluate(() => {
    const dbg = (
      globalThis as {
        sptDashboardDebug?: {
          charts(): { name: string; series: { name: string; points: number }[] }[];
          curvesRenderMs(): number;
          curvesFirstDataAt(): number | null;
        };
      }
    ).sptDashboardDebug!;
    const responseAt = (window as unknown as { __responseAt: number }).__responseAt;
    return {
      series: dbg.charts().find((c) => c.name === 'curves')?.series ?? [],
      renderMs: dbg.curvesRenderMs(),
      // From the metrics response's dispatch to the end of the first render with data.
      firstMs: (dbg.curvesFirstDataAt() ?? Number.NaN) - responseAt,
    };
  });
  const maxPoints = Math.max(...info.series.map((x) => x.points));
  if (maxPoints > 5000) fail(name, `a series draws ${maxPoints} points: not downsampled`);
  await checkVisible(s, name, 'curves 100k', { minCharts: 1 });
  await shot(s, 'large-100k-curves-dark.png');
  // Zoom in with the wheel: the visible range is resampled in detail.
  const box = await s.page.locator('.view-curves .chart').boundingBox();
  if (box) await s.page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  const z0 = Date.now();
  if (box) for (let i = 0; i < 8; i++) await s.page.mouse.wheel(0, -400);
  const zoomMs = (Date.now() - z0) / 8;
  await s.page.waitForTimeout(300);
  await hoverReadout(s, name, '.view-curves .chart', 'step');
  const zoomed = await s.page.evaluate(() => {
    const dbg = (
      globalThis as { sptDashboardDebug?: { charts(): { name: string; series: { points: number }[] }[] } }
    ).sptDashboardDebug!;
    return (
      dbg
        .charts()
        .find((c) => c.name === 'curves')
        ?.series.map((x) => x.points) ?? []
    );
  });
  await checkVisible(s, name, 'curves 100k zoomed', { minCharts: 1 });
  await shot(s, 'large-100k-curves-zoomed-dark.png');
  const t1 = Date.now();
  await s.page.click('.view-curves [role=radio]:text-is("Epoch")');
  await settle(s, 1);
  notes.push(
    `large: 100,000 train steps + 100 val lines: metrics response to first chart ${info.firstMs.toFixed(0)} ms in the page ` +
      `(full render ${info.renderMs.toFixed(0)} ms; page load to settled ${wallMs} ms including the harness's 8 MB transfer); ` +
      `points drawn ${info.series.map((x) => `${x.name} ${x.points}`).join(', ')}; ` +
      `wheel zoom ${zoomMs.toFixed(0)} ms per step (${zoomed.join('/')} points); step -> epoch axis ${Date.now() - t1} ms`,
  );
  await finish(s, name);
}

const SCENARIOS: Record<string, (b: Browser) => Promise<void>> = {
  single: scenarioSingle,
  vpt: scenarioVpt,
  compare: scenarioCompare,
  live: scenarioLive,
  system: scenarioSystem,
  states: scenarioStates,
  large: scenarioLarge,
};

async function main(): Promise<number> {
  const t0 = Date.now();
  const bundle = path.join(ROOT, 'dist/webview/main.js');
  if (!fs.existsSync(bundle)) {
    console.log('webview preview: FAILED: dist/webview/main.js is missing (run node scripts/build.mjs)');
    return 1;
  }
  const onlyArg = process.argv.indexOf('--only');
  const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : Object.keys(SCENARIOS);
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({ executablePath: process.env.SPT_CHROMIUM || '/usr/bin/chromium' });
  try {
    for (const key of only) {
      const run = SCENARIOS[key];
      if (!run) {
        fail('args', `unknown scenario ${key} (${Object.keys(SCENARIOS).join(', ')})`);
        continue;
      }
      try {
        await run(browser);
      } catch (e) {
        fail(key, `threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
  } finally {
    await browser.close();
  }
  for (const n of notes) console.log(`note: ${n}`);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const where = path.relative(ROOT, OUT);
  if (failures.length) {
    console.log(
      `webview preview: FAILED: ${failures.length} problem(s), ${shots} screenshots in ${where} (${secs} s)`,
    );
    for (const f of failures) console.log(`  - ${f}`);
    return 1;
  }
  console.log(`webview preview: OK: ${only.length} scenarios, ${shots} screenshots in ${where} (${secs} s)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
