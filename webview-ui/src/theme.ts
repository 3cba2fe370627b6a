/**
 * VS Code's theme as the charts need it: read from the CSS variables VS Code sets on the webview, and
 * re-read when the body's theme class (vscode-light / vscode-dark / vscode-high-contrast) changes.
 */

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Palette {
  kind: ThemeKind;
  highContrast: boolean;
  background: string;
  foreground: string;
  muted: string;
  /** Grid lines (faint) and axis lines. */
  grid: string;
  axis: string;
  border: string;
  accent: string;
  fontFamily: string;
  monoFamily: string;
  fontSize: number;
  /** Run / series colours: VS Code's chart colours first. */
  series: string[];
  /** Categorical colours for probe classes (10, then generated). */
  classes: string[];
  tooltipBackground: string;
  tooltipBorder: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

export function themeKind(body: HTMLElement = document.body): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

const CLASS_DARK = [
  '#4e9cf5',
  '#f5a142',
  '#5cc872',
  '#f06a6a',
  '#b08cf0',
  '#c89a6c',
  '#f08cd0',
  '#a0a0a0',
  '#d7d04a',
  '#4ad3d9',
];
const CLASS_LIGHT = [
  '#1f77b4',
  '#e8730c',
  '#2ca02c',
  '#d62728',
  '#8c5fc7',
  '#8c564b',
  '#d4569e',
  '#6f6f6f',
  '#a8a117',
  '#17a6b5',
];

/** Class colours: a 10-colour categorical palette, then golden-angle hues for more classes. */
export function classColours(count: number, light: boolean): string[] {
  const base = light ? CLASS_LIGHT : CLASS_DARK;
  const out = base.slice(0, Math.min(count, base.length));
  for (let i = base.length; i < count; i++) {
    const hue = Math.round((i * 137.508) % 360);
    out.push(`hsl(${hue}, ${light ? 60 : 70}%, ${light ? 42 : 62}%)`);
  }
  return out;
}

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const kind = themeKind();
  const light = kind === 'light' || kind === 'high-contrast-light';
  const hc = kind === 'high-contrast' || kind === 'high-contrast-light';
  const foreground = cssVar(style, '--vscode-foreground', light ? '#3b3b3b' : '#cccccc');
  const background = cssVar(style, '--vscode-editor-background', light ? '#ffffff' : '#1e1e1e');
  const series = [
    cssVar(style, '--vscode-charts-blue', light ? '#1a85ff' : '#3794ff'),
    cssVar(style, '--vscode-charts-orange', light ? '#d18616' : '#d18616'),
    cssVar(style, '--vscode-charts-green', light ? '#388a34' : '#89d185'),
    cssVar(style, '--vscode-charts-purple', light ? '#652d90' : '#b180d7'),
    cssVar(style, '--vscode-charts-red', light ? '#e51400' : '#f14c4c'),
    cssVar(style, '--vscode-charts-yellow', light ? '#bf8803' : '#cca700'),
  ];
  const contrastBorder = cssVar(style, '--vscode-contrastBorder', '');
  return {
    kind,
    highContrast: hc,
    background,
    foreground: cssVar(style, '--vscode-charts-foreground', foreground),
    muted: cssVar(style, '--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d'),
    // VS Code's charts.lines is the foreground at half opacity: right for axes, too loud for grid lines.
    grid: withAlpha(
      cssVar(style, '--vscode-charts-lines', light ? 'rgba(0,0,0,0.5)' : 'rgba(255,255,255,0.5)'),
      hc ? 0.6 : 0.3,
    ),
    axis: cssVar(style, '--vscode-charts-lines', light ? 'rgba(0,0,0,0.5)' : 'rgba(255,255,255,0.5)'),
    border: contrastBorder || cssVar(style, '--vscode-panel-border', light ? '#e5e5e5' : '#2b2b2b'),
    accent: cssVar(style, '--vscode-focusBorder', series[0]),
    fontFamily: cssVar(style, '--vscode-font-family', 'system-ui, sans-serif'),
    monoFamily: cssVar(style, '--vscode-editor-font-family', 'monospace'),
    fontSize: Number.parseFloat(cssVar(style, '--vscode-font-size', '13')) || 13,
    series,
    classes: classColours(10, light),
    tooltipBackground: cssVar(style, '--vscode-editorHoverWidget-background', background),
    tooltipBorder:
      contrastBorder || cssVar(style, '--vscode-editorHoverWidget-border', light ? '#c8c8c8' : '#454545'),
  };
}

/** Calls back (once per change) when VS Code switches theme. */
export function onThemeChange(callback: () => void): () => void {
  const key = () => `${document.body.className}|${document.documentElement.getAttribute('style') ?? ''}`;
  let last = key();
  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const now = key();
      if (now === last) return;
      last = now;
      callback();
    });
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  // VS Code also rewrites the CSS variables on <html>'s style when only colours change.
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  return () => observer.disconnect();
}

/** A CSS colour (#rgb, #rrggbb, #rrggbbaa, rgb(), rgba()) with its alpha multiplied by `factor`. */
export function withAlpha(colour: string, factor: number): string {
  const c = colour.trim();
  let r: number;
  let g: number;
  let b: number;
  let a = 1;
  const hex = /^#([0-9a-f]{3,8})$/i.exec(c);
  const fn = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(c);
  if (hex) {
    let h = hex[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((x) => x + x).join('');
    if (h.length !== 6 && h.length !== 8) return c;
    r = Number.parseInt(h.slice(0, 2), 16);
    g = Number.parseInt(h.slice(2, 4), 16);
    b = Number.parseInt(h.slice(4, 6), 16);
    if (h.length === 8) a = Number.parseInt(h.slice(6, 8), 16) / 255;
  } else if (fn) {
    r = Number(fn[1]);
    g = Number(fn[2]);
    b = Number(fn[3]);
    if (fn[4] !== undefined) a = fn[4].endsWith('%') ? Number.parseFloat(fn[4]) / 100 : Number(fn[4]);
  } else {
    return c;
  }
  const alpha = Math.round(Math.min(1, Math.max(0, a * factor)) * 1000) / 1000;
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
