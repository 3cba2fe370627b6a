import type { Rng } from '../util/rng';

/**
 * Reservoir sampling (Vitter's Algorithm R) planned ahead of the data: for the next `count` items
 * of a stream it says which ones enter which slot, so the caller fetches only those rows from the
 * device. After the whole stream, the slots hold a uniform sample without replacement.
 */
export class ReservoirPlan {
  private seen = 0;

  constructor(
    readonly capacity: number,
    private readonly rng: Rng,
  ) {}

  get itemsSeen(): number {
    return this.seen;
  }

  /** Accepted items of the next `count`, in stream order (a later one may overwrite an earlier slot). */
  next(count: number): { offset: number; slot: number }[] {
    const accepted: { offset: number; slot: number }[] = [];
    for (let i = 0; i < count; i++, this.seen++) {
      if (this.seen < this.capacity) {
        accepted.push({ offset: i, slot: this.seen });
      } else {
        const j = this.rng.int(this.seen + 1);
        if (j < this.capacity) accepted.push({ offset: i, slot: j });
      }
    }
    return accepted;
  }
}
