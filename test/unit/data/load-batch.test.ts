import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../../src/engine/data/data-error';
import { loadImages } from '../../../src/engine/data/load-batch';
import { parseSplitFile } from '../../../src/engine/data/split-file';
import { identityTransform, vtabTransform } from '../../../src/engine/data/transforms';
import { DATA_DIR, manifest, readF32, readU8 } from './fixtures';

describe('data/load-batch', () => {
  it('loads the parity images of a split file into NHWC at their own size', async () => {
    const split = parseSplitFile(path.join(__dirname, '..', '..', 'fixtures', 'parity', 'images.txt'));
    const batch = await loadImages(
      split.entries.map((e) => e.path),
      32,
      'none',
      { concurrency: 2 },
    );
    assert.equal(batch.length, 6 * 32 * 32 * 3);
    for (let k = 0; k < 6; k++) {
      const want = identityTransform({ width: 32, height: 32, data: readU8(`parity_img_${k}.rgb`) });
      assert.deepEqual(batch.subarray(k * want.length, (k + 1) * want.length), want, `image ${k}`);
    }
  });

  it('keeps the input order with transforms, whatever the concurrency', async () => {
    const cases = manifest.transform.filter((t) => t.kind === 'vtab' && t.size === 24);
    assert.equal(cases.length, 1);
    const t = cases[0];
    const files = ['rgb_37x29.png', 'rgb_97x83.png', 'rgb_21x34.png', 'rgb_37x29.png'].map((f) =>
      path.join(DATA_DIR, f),
    );
    const per = 24 * 24 * 3;
    for (const concurrency of [1, 3, 8]) {
      const batch = await loadImages(files, 24, 'vtab', { concurrency });
      assert.deepEqual(batch.subarray(0, per), readF32(t.expected));
      assert.deepEqual(batch.subarray(3 * per), readF32(t.expected));
      const big = vtabTransform({ width: 97, height: 83, data: readU8('rgb_97x83.rgb') }, 24);
      assert.deepEqual(batch.subarray(per, 2 * per), big);
    }
  });

  it('returns an empty batch for no paths', async () => {
    assert.equal((await loadImages([], 16, 'vtab')).length, 0);
  });

  it('rejects with a DataError naming the failing file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-batch-'));
    try {
      const bad = path.join(dir, 'broken.png');
      fs.writeFileSync(bad, Buffer.alloc(0));
      const files = [path.join(DATA_DIR, 'rgb_37x29.png'), bad];
      await assert.rejects(loadImages(files, 24, 'vtab'), (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.equal(err.file, bad);
        return true;
      });
      // a size mismatch with kind 'none' names the file too
      await assert.rejects(loadImages([files[0]], 24, 'none'), (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.equal(err.file, files[0]);
        assert.match(err.message, /needs resizing/);
        return true;
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
