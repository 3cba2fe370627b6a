/**
 * In compare mode the curves' colours are the runs, so the legend also needs the splits: one key entry per
 * split shown, named after its line style (`train (solid)`, `val (dashed)`, `test (triangles)`). Pure.
 */
export type Split = 'train' | 'val' | 'test';

const STYLE: Record<Split, string> = { train: 'solid', val: 'dashed', test: 'triangles' };
const ORDER: Split[] = ['train', 'val', 'test'];

export function splitKeys(splits: readonly Split[]): { split: Split; name: string }[] {
  return ORDER.filter((s) => splits.includes(s)).map((split) => ({
    split,
    name: `${split} (${STYLE[split]})`,
  }));
}

/** Whether a legend name is one of the split keys (not a run). */
export const isSplitKey = (name: string): boolean =>
  /^(train|val|test) \((solid|dashed|triangles)\)$/.test(name);
