import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { type Batch, BatchLoader, type BatchLoaderOptions } from '../../../src/engine/data/batch-loader';
import { decodeImage } from '../../../src/engine/data/decode-image';
import type { SplitEntry } from '../../../src/engine/data/split-file';
import { toModelInput } from '../../../src/engine/data/transforms';
import { Rng } from '../../../src/engine/util/rng';

const SIZE = 8;
const PER = SIZE * SIZE * 3;
let tmp: string;
let entries: SplitEntry[];

async function writeRandomPng(file: string, width: number, height: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = rng.int(256);
  await sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

function entry(file: string, label: number): SplitEntry {
  return { image: path.basename(file), path: file, label };
}

function loader(
  es: SplitEntry[],
  opts: Partial<BatchLoaderOptions> = {},
  warnings: string[] = [],
): BatchLoader {
  return new BatchLoader(es, {
    size: SIZE,
    batchSize: 4,
    mode: 'train',
    augment: 'fgvc',
    seed: 11,
    dropLast: false,
    log: (level, msg) => {
      if (level === 'warn') warnings.push(msg);
    },
    ...opts,
  });
}

async function collect(gen: AsyncGenerator<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of gen) out.push(b);
  return out;
}

const flat = (bs: Batch[]) => bs.flatMap((b) => b.indices);

describe('data/batch-loader', () => {
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-loader-'));
    entries = [];
    for (let i = 0; i < 11; i++) {
      const file = path.join(tmp, `img${i}.png`);
      await writeRandomPng(file, 12 + i, 10 + ((i * 3) % 7), i + 1);
      entries.push(entry(file, i % 3));
    }
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('counts batches with and without drop_last', async () => {
    assert.equal(loader(entries, { dropLast: true }).batchesPerEpoch(), 2);
    assert.equal(loader(entries).batchesPerEpoch(), 3);
    assert.equal(loader(entries, { mode: 'eval', dropLast: true }).batchesPerEpoch(), 3);
    const dropped = await collect(loader(entries, { dropLast: true }).epoch(0));
    assert.deepEqual(
      dropped.map((b) => b.indices.length),
      [4, 4],
    );
    const kept = await collect(loader(entries).epoch(0));
    assert.deepEqual(
      kept.map((b) => [b.batch, b.indices.length, b.images.length]),
      [
        [0, 4, 4 * PER],
        [1, 4, 4 * PER],
        [2, 3, 3 * PER],
      ],
    );
    assert.deepEqual(
      [...flat(kept)].sort((a, b) => a - b),
      [...entries.keys()],
    );
    assert.deepEqual(
      kept.flatMap((b) => b.labels),
      flat(kept).map((i) => entries[i].label),
    );
  });

  it('shuffles differently each epoch, identically for two loaders with the same seed', async () => {
    const a = loader(entries);
    const b = loader(entries);
    const a0 = await collect(a.epoch(0));
    const a1 = await collect(a.epoch(1));
    const b0 = await collect(b.epoch(0));
    assert.notDeepEqual(flat(a0), flat(a1));
    assert.deepEqual(flat(a0), flat(b0));
    assert.deepEqual(
      a0.map((x) => x.images),
      b0.map((x) => x.images),
    );
    assert.deepEqual(flat(a0), a.order(0));
    const c0 = await collect(loader(entries, { seed: 12 }).epoch(0));
    assert.notDeepEqual(flat(c0), flat(a0));
    // The same epoch again gives the same augmented images.
    const again = await collect(a.epoch(0));
    assert.deepEqual(
      again.map((x) => x.images),
      a0.map((x) => x.images),
    );
  });

  it('resumes in the middle of an epoch with exactly the batches of an uninterrupted run', async () => {
    for (const augment of ['fgvc', 'none'] as const) {
      const full = await collect(loader(entries, { augment }).epoch(3));
      for (const start of [1, 2]) {
        const resumed = await collect(loader(entries, { augment }).epoch(3, start));
        assert.equal(resumed.length, full.length - start);
        resumed.forEach((b, i) => {
          const f = full[start + i];
          assert.equal(b.batch, f.batch);
          assert.deepEqual(b.indices, f.indices);
          assert.deepEqual(b.labels, f.labels);
          assert.ok(
            Buffer.from(b.images.buffer).equals(Buffer.from(f.images.buffer)),
            `batch ${b.batch} differs`,
          );
        });
      }
      assert.deepEqual(await collect(loader(entries, { augment }).epoch(3, 5)), []);
    }
  });

  it('evaluates in the given order with the vtab or fgvc evaluation transform', async () => {
    for (const augment of ['none', 'fgvc'] as const) {
      const bs = await collect(loader(entries, { mode: 'eval', augment, dropLast: true }).epoch(0));
      assert.deepEqual(flat(bs), [...entries.keys()]);
      assert.equal(bs[2].indices.length, 3);
      for (const b of bs) {
        for (let j = 0; j < b.indices.length; j++) {
          const img = await decodeImage(entries[b.indices[j]].path);
          const want = toModelInput(img, SIZE, augment === 'fgvc' ? 'fgvc' : 'vtab');
          assert.deepEqual(b.images.subarray(j * PER, (j + 1) * PER), want);
        }
      }
    }
  });

  it('keeps the order whatever the prefetch depth and concurrency', async () => {
    const ref = await collect(loader(entries, { prefetch: 0, concurrency: 1, batchSize: 3 }).epoch(2));
    for (const [prefetch, concurrency] of [
      [1, 2],
      [3, 8],
      [10, 3],
    ]) {
      const got = await collect(loader(entries, { prefetch, concurrency, batchSize: 3 }).epoch(2));
      assert.deepEqual(
        got.map((b) => [b.batch, b.indices]),
        ref.map((b) => [b.batch, b.indices]),
      );
      assert.deepEqual(
        got.map((b) => b.images),
        ref.map((b) => b.images),
      );
    }
  });

  it('decodes `prefetch` batches ahead of the consumer, no more', async () => {
    const l = loader(entries, { batchSize: 2, prefetch: 2 });
    const started: number[] = [];
    const target = l as unknown as { load: (e: number, o: number[], b: number) => Promise<Batch | null> };
    const load = target.load.bind(l);
    target.load = (e, o, b) => {
      started.push(b);
      return load(e, o, b);
    };
    const seen: number[][] = [];
    for await (const b of l.epoch(0)) {
      seen.push([b.batch, ...started]);
      assert.deepEqual(
        started,
        Array.from({ length: Math.min(b.batch + 3, 6) }, (_, i) => i),
      );
    }
    assert.equal(seen.length, 6);
  });

  it('skips a corrupt or missing image with one warning per file and lists it', async () => {
    const bad = path.join(tmp, 'corrupt.png');
    fs.writeFileSync(bad, Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
    const gone = path.join(tmp, 'gone.png');
    const es = [...entries.slice(0, 5), entry(bad, 2), entries[5], entry(gone, 1)];
    const warnings: string[] = [];
    const l = loader(es, { mode: 'eval', augment: 'none' }, warnings);
    for (let e = 0; e < 2; e++) {
      const bs = await collect(l.epoch(e));
      assert.deepEqual(
        bs.map((b) => b.indices),
        [
          [0, 1, 2, 3],
          [4, 6],
        ],
      );
      assert.equal(bs[1].images.length, 2 * PER);
      assert.deepEqual(bs[1].labels, [entries[4].label, entries[5].label]);
      const full = await collect(
        loader(entries.slice(0, 6), { mode: 'eval', augment: 'none', batchSize: 6 }).epoch(0),
      );
      assert.deepEqual(bs[1].images.subarray(PER), full[0].images.subarray(5 * PER));
    }
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], /corrupt\.png/);
    assert.match(warnings[1], /gone\.png.*not found/);
    const skipped = l.skipped();
    assert.deepEqual(
      skipped.map((s) => s.path),
      [bad, gone],
    );
    assert.match(skipped[0].reason, /corrupt|truncated|unsupported/);
    // Train mode: the same files fail in every epoch, so the batches stay deterministic.
    const t1 = await collect(loader(es, { batchSize: 3 }).epoch(4));
    const t2 = await collect(loader(es, { batchSize: 3 }).epoch(4, 1));
    assert.deepEqual(
      t2.map((b) => b.indices),
      t1.slice(1).map((b) => b.indices),
    );
    assert.ok(!flat(t1).includes(5) && !flat(t1).includes(7));
    assert.equal(flat(t1).length, 6);
  });

  it('skips a batch in which no image can be read', async () => {
    const bad = path.join(tmp, 'corrupt2.png');
    fs.writeFileSync(bad, Buffer.alloc(0));
    const es = [entry(bad, 0), entry(path.join(tmp, 'none.png'), 1), ...entries.slice(0, 3)];
    const warnings: string[] = [];
    const bs = await collect(loader(es, { mode: 'eval', batchSize: 2 }, warnings).epoch(0));
    assert.deepEqual(
      bs.map((b) => [b.batch, b.indices]),
      [
        [1, [2, 3]],
        [2, [4]],
      ],
    );
    assert.ok(warnings.some((w) => /batch 0 of epoch 0 skipped/.test(w)));
  });
});
