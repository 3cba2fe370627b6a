/**
 * Screenshots in both colour themes for docs/images: the scenario's state is shot in the current theme,
 * then the theme is switched (Light Modern / Dark Modern) through "Preferences: Color Theme", shot
 * again, and switched back. The files land in .test-output/vscode/<name>-dark.png and -light.png.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Workbench } from './workbench';
import { SEL, sleep } from './workbench';

/**
 * A screenshot that must be in its theme: the mean luminance (0-255) of the picture is below 100 for
 * `dark` (Dark Modern: about 40) and above 150 for `light` (Light Modern: about 230).
 */
export async function themedScreenshot(wb: Workbench, name: string, tag: 'dark' | 'light'): Promise<void> {
  const file = await wb.screenshot(`${name}-${tag}`);
  assert.ok(file, `the screenshot ${name}-${tag} was not written`);
  const mean = (await sharp(file).greyscale().stats()).channels[0].mean;
  const ok = tag === 'dark' ? mean < 100 : mean > 150;
  assert.ok(ok, `${name}-${tag}.png has a mean luminance of ${mean.toFixed(0)}: it is not ${tag}`);
}

export async function pickTheme(wb: Workbench, theme: string): Promise<void> {
  await wb.runCommand('Preferences: Color Theme');
  await wb.page.locator(SEL.quickInputBox).fill(theme);
  const row = await wb.waitFor(
    `the color theme "${theme}"`,
    () => wb.quickInputRow(theme),
    () => wb.describeQuickInput(),
  );
  await row.click();
  const dark = /dark/i.test(theme);
  await wb.waitFor(
    `the workbench in ${theme}`,
    async () =>
      (await wb.page.locator(SEL.workbench).getAttribute('class'))?.includes(dark ? 'vs-dark' : 'vs '),
    async () => `the workbench classes "${await wb.page.locator(SEL.workbench).getAttribute('class')}"`,
  );
  // Webviews repaint on the theme change message: give them one frame.
  await sleep(300);
}

export const isDark = async (wb: Workbench): Promise<boolean> =>
  /\bvs-dark\b/.test((await wb.page.locator(SEL.workbench).getAttribute('class')) ?? '');

/**
 * `<name>-dark.png` and `<name>-light.png`: the current theme first, then the other one, then back.
 * `prepare` runs before each shot (re-open a hover, wait for a webview to repaint).
 */
export async function screenshotBothThemes(
  wb: Workbench,
  name: string,
  prepare: () => Promise<void> = async () => {},
): Promise<void> {
  // A panel left open by an earlier scenario (Problems) would cover half of the picture.
  if (
    await wb.page
      .locator('.part.panel')
      .isVisible()
      .catch(() => false)
  )
    await wb.runCommand('View: Hide Panel').catch(() => wb.escape(1));
  const startDark = await isDark(wb);
  const [first, second] = startDark ? ['dark', 'light'] : ['light', 'dark'];
  await prepare();
  await themedScreenshot(wb, name, first as 'dark' | 'light');
  await pickTheme(wb, startDark ? 'Light Modern' : 'Dark Modern');
  try {
    await prepare();
    await themedScreenshot(wb, name, second as 'dark' | 'light');
  } finally {
    await pickTheme(wb, startDark ? 'Dark Modern' : 'Light Modern');
  }
}
