/**
 * Prototype map shaping: the PCA points of one layer split into one series per probe class, and the
 * prompts paired with their initial positions (drift segments).
 */
import type { AnalysisModelInfo } from '../../../src/shared/analysis-contract';
import type { PrototypeMapData } from '../../../src/shared/webview-contract';

/** [x, y, probe image, patch] */
export type PatchPoint = [number, number, number, number];
/** [x, y, prompt index] */
export type PromptPoint = [number, number, number];

export interface ClassSeries {
  label: number;
  name: string;
  points: PatchPoint[];
}

export interface PromptPair {
  index: number;
  current: [number, number];
  initial: [number, number] | null;
}

export interface PrototypeShape {
  classes: ClassSeries[];
  prompts: PromptPoint[];
  initial: PromptPoint[];
  pairs: PromptPair[];
  /** Share of the total variance along PC1 and PC2 (null when the total is 0 or missing). */
  explained: [number | null, number | null];
  /** Points that could not be placed (a label missing for their image, or a torn array). */
  dropped: number;
}

export function className(label: number, names: readonly string[] | null): string {
  return names?.[label] ?? `class ${label}`;
}

function finitePair(p: unknown): p is [number, number] {
  return Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

export function shapePrototypeMap(data: PrototypeMapData): PrototypeShape {
  const flat = data.pca.points as unknown as number[];
  const T = Math.max(1, data.tokensPerImage);
  const count = Math.floor(flat.length / 2);
  const byLabel = new Map<number, ClassSeries>();
  let dropped = 0;
  for (let j = 0; j < count; j++) {
    const x = flat[2 * j];
    const y = flat[2 * j + 1];
    const image = Math.floor(j / T);
    const label = data.probeLabels[image];
    if (label === undefined || !Number.isFinite(x) || !Number.isFinite(y)) {
      dropped++;
      continue;
    }
    let s = byLabel.get(label);
    if (!s) {
      s = { label, name: className(label, data.classNames), points: [] };
      byLabel.set(label, s);
    }
    s.points.push([x, y, image, j % T]);
  }
  const classes = [...byLabel.values()].sort((a, b) => a.label - b.label);
  const current = data.pca.prompts ?? [];
  const initialRaw = data.pca.initialPrompts ?? [];
  const prompts: PromptPoint[] = [];
  const initial: PromptPoint[] = [];
  const pairs: PromptPair[] = [];
  current.forEach((p, i) => {
    if (!finitePair(p)) return;
    prompts.push([p[0], p[1], i]);
    const q = initialRaw[i];
    pairs.push({ index: i, current: [p[0], p[1]], initial: finitePair(q) ? [q[0], q[1]] : null });
  });
  initialRaw.forEach((q, i) => {
    if (finitePair(q)) initial.push([q[0], q[1], i]);
  });
  const total = data.pca.totalVariance;
  const ev = data.pca.explainedVariance ?? [Number.NaN, Number.NaN];
  const share = (v: number) => (total > 0 && Number.isFinite(v) ? v / total : null);
  return { classes, prompts, initial, pairs, explained: [share(ev[0]), share(ev[1])], dropped };
}

/** The drift segments as one polyline with gaps (null between pairs), for a single line series. */
export function driftSegments(pairs: readonly PromptPair[]): ([number, number] | null)[] {
  const out: ([number, number] | null)[] = [];
  for (const p of pairs) {
    if (!p.initial) continue;
    if (out.length) out.push(null);
    out.push(p.initial, p.current);
  }
  return out;
}

/** The prompt set shown at a layer: deep prompts have one set per block, shallow prompts one set (0). */
export function promptSetForLayer(model: Pick<AnalysisModelInfo, 'promptMode'>, layer: number): number {
  return model.promptMode === 'deep' ? layer : 0;
}

/** Bounds of all shown points with a margin, so prompts far from the tokens (VPT) stay in view. */
export function mapBounds(
  shape: PrototypeShape,
  margin = 0.06,
): { x: [number, number]; y: [number, number] } | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const add = (x: number, y: number) => {
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  };
  for (const c of shape.classes) for (const p of c.points) add(p[0], p[1]);
  for (const p of shape.prompts) add(p[0], p[1]);
  for (const p of shape.initial) add(p[0], p[1]);
  if (!Number.isFinite(x0)) return null;
  const dx = (x1 - x0 || 1) * margin;
  const dy = (y1 - y0 || 1) * margin;
  return { x: [x0 - dx, x1 + dx], y: [y0 - dy, y1 + dy] };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * How far down to move a label box so that it overlaps none of `placed` (by more than `gap` pixels less),
 * trying the nearest free spot first: labels of nearby prompts (p3 next to p5) end up stacked, not drawn
 * over each other.
 */
export function shiftClear(box: Box, placed: readonly Box[], gap = 1): number {
  let dy = 0;
  for (let tries = 0; tries <= placed.length; tries++) {
    const y = box.y + dy;
    const hit = placed.find(
      (o) =>
        box.x < o.x + o.width &&
        o.x < box.x + box.width &&
        y < o.y + o.height + gap &&
        o.y < y + box.height + gap,
    );
    if (!hit) return dy;
    dy = hit.y + hit.height + gap - box.y;
  }
  return dy;
}

/** Vertical moves (by key) that keep the boxes apart, placed in key order: each below those it would overlap. */
export function placeLabels(boxes: ReadonlyMap<number, Box>, gap = 1): Map<number, number> {
  const placed: Box[] = [];
  const out = new Map<number, number>();
  for (const [key, box] of [...boxes].sort((a, b) => a[0] - b[0])) {
    const dy = shiftClear(box, placed, gap);
    placed.push({ ...box, y: box.y + dy });
    out.set(key, dy);
  }
  return out;
}
