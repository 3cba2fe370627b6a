/** The dashboard's file side: the path guard, every request kind's handler, and the request router. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSidecarRanges } from '../../../../src/extension/dashboard/analysis-files';
import { classNamesOf, namesFromPairs } from '../../../../src/extension/dashboard/class-names';
import { readImageData, sniffImage } from '../../../../src/extension/dashboard/image-data';
import { readAppended, readMetricsFile } from '../../../../src/extension/dashboard/metrics-file';
import { isInside, MissingFileError, resolveInside } from '../../../../src/extension/dashboard/path-guard';
import { answerRequest } from '../../../../src/extension/dashboard/request-router';
import {
  analysisIndex,
  attention,
  metrics,
  probeImages,
  promptSource,
  prototypeMap,
} from '../../../../src/extension/dashboard/run-artifacts';
import { runDataOf } from '../../../../src/extension/dashboard/run-config';
import type { DashboardRequest } from '../../../../src/shared/webview-contract';
import { editEpoch, JPEG, PNG, type SyntheticRun, writeSyntheticRun } from './synthetic-run';

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('dashboard run artifacts', () => {
  let s: SyntheticRun;
  beforeEach(() => {
    s = writeSyntheticRun();
  });
  afterEach(() => fs.rmSync(s.root, { recursive: true, force: true }));

  describe('path guard', () => {
    it('resolves files inside the folder and refuses everything that leaves it', () => {
      assert.equal(
        resolveInside(s.runDir, 'metrics.jsonl'),
        fs.realpathSync(path.join(s.runDir, 'metrics.jsonl')),
      );
      assert.throws(() => resolveInside(s.runDir, '../../../secret.txt'), /refused, it lies outside/);
      assert.throws(() => resolveInside(s.runDir, s.outside), /refused, it lies outside/);
      assert.throws(() => resolveInside(s.runDir, 'a\0b'), /NUL/);
      fs.symlinkSync(s.outside, path.join(s.runDir, 'escape.json'));
      assert.throws(() => resolveInside(s.runDir, 'escape.json'), /is a link to .*secret\.txt, outside/);
      assert.throws(() => resolveInside(s.runDir, 'nope.json'), MissingFileError);
      assert.throws(
        () => resolveInside(path.join(s.root, 'gone'), 'x'),
        /does not exist: the run folder was moved/,
      );
      // A link inside the folder is fine.
      fs.symlinkSync(path.join(s.runDir, 'summary.json'), path.join(s.runDir, 'alias.json'));
      assert.equal(
        resolveInside(s.runDir, 'alias.json'),
        fs.realpathSync(path.join(s.runDir, 'summary.json')),
      );
    });

    it('compares folders by path segments, not by prefix', () => {
      assert.ok(isInside('/a/b', '/a/b/c'));
      assert.ok(isInside('/a/b', '/a/b'));
      assert.ok(isInside('/a/b', '/a/b/..c'));
      assert.ok(!isInside('/a/b', '/a/bc'));
      assert.ok(!isInside('/a/b', '/a'));
    });
  });

  describe('metrics', () => {
    it('reads columns per split and counts the garbage and the torn last line', () => {
      const m = metrics({ runDir: s.runDir });
      assert.deepEqual(m.train.step, [1, 2, 3]);
      assert.deepEqual(m.train.loss, [2, 1.5, 1.2]);
      assert.deepEqual(m.train.epoch, [1, 1, 2]);
      assert.deepEqual(m.train.t, [1, 2, 4]);
      assert.deepEqual(m.val, {
        step: [2],
        epoch: [1],
        loss: [1.4],
        acc: [0.75],
        lr: [0.05],
        t: [3],
        ips: [20],
        rss_mb: [Number.NaN],
        tensor_mb: [Number.NaN],
        engine_mb: [Number.NaN],
      });
      // Throughput and memory: NaN on the lines written before the trainer recorded them.
      assert.deepEqual(m.train.ips, [10, 10, 10]);
      assert.deepEqual(m.train.rss_mb, [Number.NaN, Number.NaN, 300.5]);
      assert.deepEqual(m.train.tensor_mb, [Number.NaN, Number.NaN, 12.3]);
      assert.deepEqual(m.test.step, []);
      assert.equal(m.skippedLines, 2);
      assert.equal(m.runDir, s.runDir);
    });

    it('follows appended bytes from the offset of the last complete line', () => {
      const file = path.join(s.runDir, 'metrics.jsonl');
      const read = readMetricsFile(s.runDir);
      assert.equal(read.offset, fs.readFileSync(file, 'utf8').lastIndexOf('\n') + 1);
      const from = { offset: read.offset };
      assert.deepEqual(readAppended(s.runDir, from), []);
      // The torn line is completed, and one more line half written.
      fs.appendFileSync(file, 'p": 4, "split": "train", "loss": 1, "acc": 1, "lr": 0.01}\n{"t": 6');
      const got = readAppended(s.runDir, from);
      assert.deepEqual(got, [{ t: 5, epoch: 2, step: 4, split: 'train', loss: 1, acc: 1, lr: 0.01 }]);
      fs.appendFileSync(file, ', "epoch": 2, "step": 4, "split": "val", "loss": 1, "acc": 1, "lr": 0}\n');
      assert.deepEqual(
        readAppended(s.runDir, from).map((l) => l.split),
        ['val'],
      );
      // Truncated (a resume): nothing is sent again.
      fs.writeFileSync(file, '{"t":1,"epoch":1,"step":1,"split":"train","loss":2,"acc":0,"lr":0}\n');
      assert.deepEqual(readAppended(s.runDir, from), []);
    });

    it('reads a run without metrics as empty, and refuses a metrics file linked out of the run', () => {
      fs.rmSync(path.join(s.runDir, 'metrics.jsonl'));
      assert.deepEqual(metrics({ runDir: s.runDir }).train.step, []);
      fs.symlinkSync(s.outside, path.join(s.runDir, 'metrics.jsonl'));
      assert.throws(() => metrics({ runDir: s.runDir }), /metrics\.jsonl: refused, it is a link/);
    });
  });

  describe('analysis', () => {
    it('reads the index, or null when the run has no analysis yet', () => {
      assert.deepEqual(
        analysisIndex({ runDir: s.runDir })?.epochs.map((e) => e.epoch),
        [0, 3],
      );
      fs.rmSync(path.join(s.runDir, 'analysis'), { recursive: true });
      assert.equal(analysisIndex({ runDir: s.runDir }), null);
    });

    it('gives one layer of the prototype map with only its points, labels, class names, stats and drift', () => {
      const p = prototypeMap({ runDir: s.runDir, epoch: 3, layer: 1 });
      assert.deepEqual(p.pca.points, range(4 * 24 + 16, 16));
      assert.deepEqual(p.pca.prompts, [
        [0, 1],
        [1, 0],
      ]);
      assert.equal(p.tokensPerImage, 4);
      assert.deepEqual(p.probeLabels, [0, 1]);
      assert.deepEqual(p.classNames, ['cat', 'dog']);
      assert.equal(p.stats?.nmi, 1.5);
      assert.deepEqual(p.drift?.l2, [1.5, 1.25]);
      assert.equal(p.model.grid, 2);
    });

    it('reads only the bytes of the requested ranges from the sidecar', () => {
      // The CommonJS module object (the namespace import is read-only): what the sources call.
      const nodeFs = require('node:fs') as { readSync: (...a: unknown[]) => number };
      const real = nodeFs.readSync;
      let bytes = 0;
      nodeFs.readSync = (...args: unknown[]) => {
        const n = real(...args);
        bytes += n;
        return n;
      };
      try {
        prototypeMap({ runDir: s.runDir, epoch: 0, layer: 0 });
      } finally {
        nodeFs.readSync = real;
      }
      assert.equal(bytes, 16 * 4, 'one layer of PCA points, not the whole sidecar');
    });

    it("gives one layer's attention maps with the probe ids", () => {
      const a = attention({ runDir: s.runDir, epoch: 0, layer: 1 });
      assert.deepEqual(a.maps.clsToPatch, range(48, 24));
      assert.deepEqual(a.maps.promptToPatch, range(72, 24));
      assert.equal(a.maps.clsMass.prompts, 0.3);
      assert.deepEqual(a.probe.ids, ['images/cat/0.png', 'images/dog/0.jpg']);
      assert.deepEqual(a.classNames, ['cat', 'dog']);
      editEpoch(s.runDir, 0, (f) => {
        delete f.attention[1].promptToPatch;
      });
      assert.equal('promptToPatch' in attention({ runDir: s.runDir, epoch: 0, layer: 1 }).maps, false);
    });

    it('names the missing file and what it means', () => {
      assert.throws(
        () => prototypeMap({ runDir: s.runDir, epoch: 5, layer: 0 }),
        /^Error: analysis\/epoch-005\.json is missing: the run has not reached epoch 5's analysis yet/,
      );
      assert.throws(
        () => attention({ runDir: s.runDir, epoch: 0, layer: 7 }),
        /analysis\/epoch-000\.json has no attention maps for layer 7 \(it has layers 0, 1\)/,
      );
      fs.writeFileSync(path.join(s.runDir, 'analysis', 'epoch-003.json'), '{"version": 1, "ep');
      assert.throws(
        () => prototypeMap({ runDir: s.runDir, epoch: 3, layer: 0 }),
        /epoch-003\.json is not valid JSON/,
      );
      fs.rmSync(path.join(s.runDir, 'analysis', 'epoch-000.f32'));
      assert.throws(
        () => prototypeMap({ runDir: s.runDir, epoch: 0, layer: 0 }),
        /analysis\/epoch-000\.f32 is missing although analysis\/epoch-000\.json refers to it/,
      );
    });

    it('refuses a sidecar linked out of the run, a sidecar name that climbs out, and a short sidecar', () => {
      const sidecar = path.join(s.runDir, 'analysis', 'epoch-003.f32');
      fs.rmSync(sidecar);
      fs.symlinkSync(s.outside, sidecar);
      assert.throws(() => prototypeMap({ runDir: s.runDir, epoch: 3, layer: 0 }), /refused, it is a link/);
      editEpoch(s.runDir, 0, (f) => {
        f.sidecar = '../../../../secret.txt';
      });
      assert.throws(() => prototypeMap({ runDir: s.runDir, epoch: 0, layer: 0 }), /refused, it lies outside/);
      editEpoch(s.runDir, 0, (f) => {
        f.sidecar = 'epoch-000.f32';
        f.pca[0].points = { offset: 1000, length: 16, shape: [8, 2] };
      });
      assert.throws(
        () => prototypeMap({ runDir: s.runDir, epoch: 0, layer: 0 }),
        /shorter than .* the sidecar was cut off/,
      );
      editEpoch(s.runDir, 0, (f) => {
        f.pca[0].points = { offset: -1, length: 16, shape: [8, 2] };
      });
      assert.throws(() => prototypeMap({ runDir: s.runDir, epoch: 0, layer: 0 }), /bad array reference/);
    });

    it('reads several ranges with one call', () => {
      const file = JSON.parse(fs.readFileSync(path.join(s.runDir, 'analysis', 'epoch-000.json'), 'utf8'));
      const [a, b] = readSidecarRanges(s.runDir, file, [
        { offset: 2, length: 2, shape: [2] },
        { offset: 100, length: 1, shape: [1] },
      ]);
      assert.deepEqual([a, b], [[2, 3], [100]]);
    });
  });

  describe('images', () => {
    it('returns probe images as data URLs of their bytes, in probe order', () => {
      const images = probeImages({ runDir: s.runDir, epoch: 0 });
      assert.deepEqual(
        images.map((i) => i.id),
        ['images/cat/0.png', 'images/dog/0.jpg'],
      );
      assert.equal(images[0].dataUrl, `data:image/png;base64,${PNG.toString('base64')}`);
      assert.equal(images[1].dataUrl, `data:image/jpeg;base64,${JPEG.toString('base64')}`);
    });

    it('gives an error per unreadable image and never reads outside the data folder', () => {
      editEpoch(s.runDir, 3, (f) => {
        f.probe.ids = [
          'images/cat/0.png',
          '../secret.txt',
          'images/link.png',
          'images/none.png',
          'images/dog/bad.png',
          'images/big.png',
        ];
      });
      const data = runDataOf(s.runDir, { data: { root: s.dataDir, train: 'train.txt', val: 'val.txt' } });
      const images = [
        ...probeImages({ runDir: s.runDir, epoch: 3 }).slice(0, 5),
        readImageData(data, 'val', 'images/big.png', 1024),
      ];
      assert.ok(images[0].dataUrl);
      assert.deepEqual(
        images.slice(1).map((i) => i.dataUrl),
        [null, null, null, null, null],
      );
      assert.match(images[1].error ?? '', /refused, it lies outside/);
      assert.match(images[2].error ?? '', /refused, it is a link/);
      assert.match(
        images[3].error ?? '',
        /images\/none\.png is missing under .*data: the data folder changed/,
      );
      assert.match(images[4].error ?? '', /not a PNG, JPEG, GIF or WebP image/);
      assert.match(images[5].error ?? '', /over the 0 MB|over the/);
      assert.equal(readImageData(null, 'val', 'x.png').dataUrl, null);
      assert.match(
        readImageData({ ...data!, format: 'synthetic' }, 'val', 'x.png').error ?? '',
        /synthetic data is generated in memory/,
      );
    });

    it('sniffs image types by their first bytes', () => {
      assert.equal(sniffImage(PNG), 'image/png');
      assert.equal(sniffImage(JPEG), 'image/jpeg');
      assert.equal(sniffImage(Buffer.from('GIF89a')), 'image/gif');
      assert.equal(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), 'image/webp');
      assert.equal(sniffImage(Buffer.from('<svg onload=alert(1)>')), null);
    });

    it("gives a prompt's source image, provenance and drift over the analysis epochs", () => {
      const p = promptSource({ runDir: s.runDir, set: 0, index: 0 });
      assert.deepEqual(p.provenance, { kind: 'mean', layer: -1, image: 1, window: [0, 2] });
      assert.equal(p.image?.id, 'images/dog/0.jpg');
      assert.match(p.image?.dataUrl ?? '', /^data:image\/jpeg;base64,/);
      assert.equal(p.grid, 2);
      assert.equal(p.imageSize, 16);
      assert.deepEqual(p.drift, { epoch: [0, 3], l2: [0, 0.5], cosine: [1, 1] });
      const missing = promptSource({ runDir: s.runDir, set: 1, index: 1 });
      assert.equal(missing.image?.dataUrl, null);
      assert.match(missing.image?.error ?? '', /prototypes\.json names no image 9/);
      assert.deepEqual(missing.drift.l2, [1, 1.25]);
      const none = promptSource({ runDir: s.runDir, set: 5, index: 0 });
      assert.equal(none.provenance, null);
      assert.equal(none.image, null);
      assert.deepEqual(none.drift.epoch, []);
    });

    it('takes grid and image size from the config when the run has no analysis', () => {
      fs.rmSync(path.join(s.runDir, 'analysis'), { recursive: true });
      fs.rmSync(path.join(s.runDir, 'prototypes.json'));
      const p = promptSource({ runDir: s.runDir, set: 0, index: 0 });
      assert.deepEqual([p.grid, p.imageSize, p.provenance, p.image], [2, 16, null, null]);
    });
  });

  describe('class names', () => {
    it('derives names from dataset.json, class folders or consistent parent folders', () => {
      const base = { root: s.dataDir, train: 'train.txt', val: 'val.txt', numClasses: 2 };
      assert.deepEqual(classNamesOf({ ...base, format: 'vtab' }), ['cat', 'dog']);
      assert.deepEqual(classNamesOf({ ...base, format: 'imagefolder', train: 'images' }), ['cat', 'dog']);
      assert.equal(classNamesOf({ ...base, format: 'vtab', numClasses: 3 }), null);
      assert.equal(classNamesOf({ ...base, format: 'synthetic' }), null);
      assert.equal(classNamesOf(null), null);
      fs.writeFileSync(
        path.join(s.dataDir, 'dataset.json'),
        JSON.stringify({ classes: ['kitten', 'puppy'] }),
      );
      assert.deepEqual(classNamesOf({ ...base, format: 'vtab' }), ['kitten', 'puppy']);
      assert.equal(
        namesFromPairs(
          [
            ['a/x.png', 0],
            ['b/y.png', 0],
          ],
          2,
        ),
        null,
        'one label, two folders',
      );
      assert.equal(
        namesFromPairs(
          [
            ['a/x.png', 0],
            ['a/y.png', 1],
          ],
          2,
        ),
        null,
        'two labels, one folder',
      );
      assert.equal(namesFromPairs([['x.png', 0]], 1), null, 'no folder');
      assert.deepEqual(
        namesFromPairs(
          [
            ['p/q/a/x.png', 1],
            ['b\\y.png', 0],
          ],
          null,
        ),
        ['b', 'a'],
      );
    });
  });

  describe('request router', () => {
    const req = (params: object, kind = 'prototypeMap', requestId = 7) =>
      ({ type: 'request', requestId, kind, params }) as DashboardRequest;

    it('answers each request once with its requestId, ok or with the error', () => {
      const ok = answerRequest(req({ runDir: s.runDir, epoch: 0, layer: 0 }), [s.runDir]);
      assert.equal(ok.payload.requestId, 7);
      assert.ok(ok.payload.ok);
      const bad = answerRequest(req({ runDir: s.runDir, epoch: 9, layer: 0 }, 'attention', 8), [s.runDir]);
      assert.deepEqual(bad.payload.requestId, 8);
      assert.ok(!bad.payload.ok && /epoch-009\.json is missing/.test(bad.payload.error));
    });

    it('refuses a run folder the panel does not show, however it is spelled', () => {
      const other = answerRequest(req({ runDir: path.dirname(s.runDir) }, 'metrics'), [s.runDir]);
      assert.ok(
        !other.payload.ok && /refused: .* is not a run this dashboard shows/.test(other.payload.error),
      );
      const climbing = path.join(s.runDir, '..', path.basename(s.runDir));
      assert.ok(answerRequest(req({ runDir: climbing }, 'metrics'), [s.runDir]).payload.ok);
      const sneaky = answerRequest(req({ runDir: `${s.runDir}/../../` }, 'analysisIndex'), [s.runDir]);
      assert.ok(!sneaky.payload.ok);
    });
  });
});
