/**
 * Batches of a split as NHWC Float32Arrays, decoded ahead of the consumer.
 *
 * - Train mode: epoch e visits the entries in a Fisher-Yates shuffle drawn from
 *   `new Rng(seed).fork(`shuffle:${e}`)`; sample k of the epoch (its position in that order) is augmented
 *   with `new Rng(seed).fork(`aug:${e}:${k}`)`. Nothing carries over from one batch to the next, so
 *   `epoch(e, startBatch)` (a resume in the middle of an epoch) yields exactly the batches an
 *   uninterrupted `epoch(e)` yields from `startBatch` on. `dropLast` drops the last partial batch.
 *   augment 'fgvc' = RandomResizedCrop + flip (train-augment.ts); 'none' = the VTAB transform.
 * - Eval mode: the given order, no augmentation, the VTAB transform for augment 'none' and the FGVC
 *   evaluation transform (resize 256/224 + centre crop) for 'fgvc'; the last partial batch is always kept.
 * - Prefetch: while the consumer works on batch b, batches b+1 .. b+prefetch are being decoded; images are
 *   decoded by at most `concurrency` tasks at a time for the whole loader, earlier batches first.
 * - An unreadable or corrupt image is skipped: its batch comes out one sample shorter, a warning names the
 *   file and the reason (once per file), and `skipped()` lists it. A batch with no readable image is not
 *   yielded at all (the `batch` numbers of the others are unchanged).
 */
import { Rng } from '../util/rng';
import { decodeImage } from './decode-image';
import type { SplitEntry } from './split-file';
import { fgvcTrainTransform } from './train-augment';
import { toModelInput } from './transforms';

export type LoaderLog = (level: 'info' | 'warn', msg: string) => void;

export interface BatchLoaderOptions {
  /** Model input side in pixels. */
  size: number;
  batchSize: number;
  mode: 'train' | 'eval';
  augment: 'none' | 'fgvc';
  seed: number;
  /** Train mode: drop the last partial batch. Ignored in eval mode. */
  dropLast: boolean;
  /** Batches decoded ahead of the one being consumed (default 2; 0 = none). */
  prefetch?: number;
  /** Images decoded at the same time (default 4). */
  concurrency?: number;
  log?: LoaderLog;
}

export interface Batch {
  /** [B, size, size, 3] NHWC, normalised. */
  images: Float32Array;
  labels: number[];
  /** Positions in the loader's entries. */
  indices: number[];
  /** Batch number within the epoch. */
  batch: number;
}

export interface SkippedImage {
  path: string;
  reason: string;
}

/** One batch's decoding result: the batch (null when no image could be read) and the images that failed. */
interface Loaded {
  batch: Batch | null;
  failures: SkippedImage[];
  /** Samples the batch was meant to have. */
  size: number;
  index: number;
}

const defaultLog: LoaderLog = (level, msg) => {
  if (level === 'warn') console.warn(msg);
};

/** A FIFO counting semaphore. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly slots: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export class BatchLoader {
  private readonly entries: readonly SplitEntry[];
  private readonly opts: Required<Omit<BatchLoaderOptions, 'log'>> & { log: LoaderLog };
  private readonly limiter: Limiter;
  private readonly failed = new Map<string, string>();

  constructor(entries: readonly SplitEntry[], opts: BatchLoaderOptions) {
    const positiveInt = (name: string, v: number, min: number) => {
      if (!Number.isInteger(v) || v < min)
        throw new Error(`BatchLoader: ${name} must be an integer >= ${min} (got ${v})`);
    };
    positiveInt('size', opts.size, 1);
    positiveInt('batchSize', opts.batchSize, 1);
    const prefetch = opts.prefetch ?? 2;
    const concurrency = opts.concurrency ?? 4;
    positiveInt('prefetch', prefetch, 0);
    positiveInt('concurrency', concurrency, 1);
    if (opts.mode !== 'train' && opts.mode !== 'eval')
      throw new Error(`BatchLoader: unknown mode ${opts.mode}`);
    if (opts.augment !== 'none' && opts.augment !== 'fgvc') {
      throw new Error(`BatchLoader: unknown augment ${opts.augment}`);
    }
    this.entries = entries;
    this.opts = { ...opts, prefetch, concurrency, log: opts.log ?? defaultLog };
    this.limiter = new Limiter(concurrency);
  }

  get length(): number {
    return this.entries.length;
  }

  batchesPerEpoch(): number {
    const n = this.entries.length;
    const b = this.opts.batchSize;
    return this.opts.mode === 'train' && this.opts.dropLast ? Math.floor(n / b) : Math.ceil(n / b);
  }

  /** The entry positions of epoch `epoch`, in visiting order. */
  order(epoch: number): number[] {
    const order = Array.from({ length: this.entries.length }, (_, i) => i);
    if (this.opts.mode === 'train') new Rng(this.opts.seed).fork(`shuffle:${epoch}`).shuffle(order);
    return order;
  }

  /** The images skipped so far because they could not be read, in the order their batches were consumed. */
  skipped(): SkippedImage[] {
    return [...this.failed].map(([path, reason]) => ({ path, reason }));
  }

  async *epoch(epoch: number, startBatch = 0): AsyncGenerator<Batch> {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`BatchLoader: bad epoch ${epoch}`);
    if (!Number.isInteger(startBatch) || startBatch < 0)
      throw new Error(`BatchLoader: bad startBatch ${startBatch}`);
    const order = this.order(epoch);
    const total = this.batchesPerEpoch();
    const queue: Promise<Loaded>[] = [];
    let next = startBatch;
    const fill = (limit: number) => {
      while (next < total && queue.length < limit) {
        const p = this.load(epoch, order, next++);
        p.catch(() => {}); // awaited in turn below; keeps an early rejection from counting as unhandled
        queue.push(p);
      }
    };
    for (;;) {
      fill(1);
      const current = queue.shift();
      if (!current) return;
      // The batches after the current one decode while it is awaited and consumed.
      fill(this.opts.prefetch);
      const { batch, failures, size, index } = await current;
      // Reported here, in batch order, so the warnings and skipped() do not depend on decoding order.
      for (const f of failures) this.skip(f.path, f.reason);
      if (batch) yield batch;
      else {
        this.opts.log(
          'warn',
          `batch ${index} of epoch ${epoch} skipped: none of its ${size} images could be read`,
        );
      }
    }
  }

  private async load(epoch: number, order: readonly number[], b: number): Promise<Loaded> {
    const { size, batchSize, mode, augment, seed } = this.opts;
    const per = size * size * 3;
    const start = b * batchSize;
    const positions = order.slice(start, Math.min(start + batchSize, order.length));
    const buf = new Float32Array(positions.length * per);
    const reasons = await Promise.all(
      positions.map((idx, j) =>
        this.limiter.run(async (): Promise<string | null> => {
          const entry = this.entries[idx];
          try {
            const img = await decodeImage(entry.path);
            if (mode === 'train' && augment === 'fgvc') {
              const rng = new Rng(seed).fork(`aug:${epoch}:${start + j}`);
              fgvcTrainTransform(img, size, rng, buf, j * per);
            } else {
              toModelInput(img, size, augment === 'fgvc' ? 'fgvc' : 'vtab', buf, j * per);
            }
            return null;
          } catch (err) {
            const e = err as Error & { problem?: string };
            return e.problem ?? e.message ?? String(err);
          }
        }),
      ),
    );
    const failures: SkippedImage[] = [];
    const kept: number[] = [];
    reasons.forEach((reason, j) => {
      if (reason === null) kept.push(j);
      else failures.push({ path: this.entries[positions[j]].path, reason });
    });
    const loaded = { failures, size: positions.length, index: b };
    if (kept.length === 0) return { ...loaded, batch: null };
    let images = buf;
    if (kept.length < positions.length) {
      images = new Float32Array(kept.length * per);
      kept.forEach((j, k) => {
        images.set(buf.subarray(j * per, (j + 1) * per), k * per);
      });
    }
    const batch: Batch = {
      images,
      labels: kept.map((j) => this.entries[positions[j]].label),
      indices: kept.map((j) => positions[j]),
      batch: b,
    };
    return { ...loaded, batch };
  }

  private skip(file: string, reason: string): void {
    if (this.failed.has(file)) return;
    this.failed.set(file, reason);
    this.opts.log('warn', `skipping unreadable image ${file}: ${reason}`);
  }
}
