/**
 * The analysis probe set (spec section 8): one validation image per class, so that the prompt-patch
 * statistics see every class and no class twice. Seeded and deterministic: the same split and seed give
 * the same images on every run and on resume.
 */
import { Rng } from '../util/rng';

/**
 * One entry per class, at most `max` of them: with more classes than `max`, a seeded subset of the
 * classes; within a class, a seeded choice among its entries. Returned in ascending label order.
 */
export function chooseProbeEntries<E extends { label: number }>(
  entries: readonly E[],
  max: number,
  seed: number,
): E[] {
  if (max <= 0 || entries.length === 0) return [];
  const byClass = new Map<number, E[]>();
  for (const e of entries) {
    const list = byClass.get(e.label);
    if (list) list.push(e);
    else byClass.set(e.label, [e]);
  }
  const rng = new Rng(`${seed}:analysis-probe`);
  let labels = [...byClass.keys()].sort((a, b) => a - b);
  if (labels.length > max)
    labels = rng
      .fork('classes')
      .shuffle(labels)
      .slice(0, max)
      .sort((a, b) => a - b);
  return labels.map((label) => {
    const list = byClass.get(label) as E[];
    return list[rng.fork(`class-${label}`).int(list.length)];
  });
}
