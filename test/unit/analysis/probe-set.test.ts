/** The analysis probe set: one validation image per class, seeded, at most `probe_images`. */
import * as assert from 'node:assert/strict';
import { chooseProbeEntries } from '../../../src/engine/analysis/probe-set';

/** 10 classes, 20 images each, listed class by class (as many split files are). */
const val = Array.from({ length: 200 }, (_, i) => ({ image: `img_${i}.png`, label: Math.floor(i / 20) }));

describe('analysis: the probe set', () => {
  it('takes one image per class, in label order, not the first images of the split', () => {
    const probe = chooseProbeEntries(val, 32, 7);
    assert.deepEqual(
      probe.map((e) => e.label),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    // the old choice (the first 8 images) saw one class only
    assert.equal(new Set(val.slice(0, 8).map((e) => e.label)).size, 1);
    for (const e of probe) assert.ok(val.includes(e));
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = chooseProbeEntries(val, 32, 7).map((e) => e.image);
    assert.deepEqual(
      chooseProbeEntries(val, 32, 7).map((e) => e.image),
      a,
    );
    assert.deepEqual(
      chooseProbeEntries([...val].reverse(), 32, 7).map((e) => e.label),
      [...Array(10).keys()],
    );
    const b = chooseProbeEntries(val, 32, 8).map((e) => e.image);
    assert.notDeepEqual(b, a);
    // not always the first image of each class
    assert.ok(a.some((img, k) => img !== `img_${k * 20}.png`));
  });

  it('with more classes than probe_images, a seeded subset of the classes', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ image: `x${i}`, label: i % 50 }));
    const probe = chooseProbeEntries(many, 32, 1);
    assert.equal(probe.length, 32);
    const labels = probe.map((e) => e.label);
    assert.equal(new Set(labels).size, 32, 'distinct classes');
    assert.deepEqual(
      labels,
      [...labels].sort((x, y) => x - y),
      'ascending',
    );
    assert.notDeepEqual(labels, [...Array(32).keys()], 'not simply the first classes');
    assert.deepEqual(chooseProbeEntries(many, 32, 1), probe);
  });

  it('gives nothing for 0 images or an empty split', () => {
    assert.deepEqual(chooseProbeEntries(val, 0, 1), []);
    assert.deepEqual(chooseProbeEntries([], 32, 1), []);
  });
});
