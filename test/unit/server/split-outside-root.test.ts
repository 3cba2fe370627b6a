/**
 * The editor agrees with `spt train` on split entries outside data.root (issue 14 #5): an error at the
 * split path with its own code, gone when data.allow_outside_root is true.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearFileCache, validate } from '../../../src/server/language-service';
import { marked } from './cursor';

describe('language service: split entries outside data.root (issue 14 #5)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-ls-outside-'));
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(
      path.join(dir, 'data', 'train.txt'),
      'images/a.png 0\n../../etc/passwd 1\n/etc/shadow 0\n',
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => clearFileCache());

  const source = (extra: string) =>
    `name: t\nbackbone: {arch: vit_tiny_patch16_224, checkpoint: null}\ndata:\n  format: vtab\n  root: data\n  train: «train.txt»\n  num_classes: 2\n${extra}`;

  it('reports the entries at the split path, naming the lines and the opt-in field', () => {
    const m = marked(source(''), path.join(dir, 'x.spt.yaml'));
    const ds = validate(m.doc).filter((d) => d.code === 'split-outside-root');
    assert.equal(
      ds.length,
      1,
      validate(m.doc)
        .map((d) => d.message)
        .join('\n'),
    );
    assert.deepEqual(ds[0].range, m.ranges[0]);
    assert.match(
      ds[0].message,
      /2 entries resolve outside .*line 2 "\.\.\/\.\.\/etc\/passwd", line 3 "\/etc\/shadow"/,
    );
    assert.match(ds[0].message, /data\.allow_outside_root: true/);
  });

  it('says nothing of them with data.allow_outside_root: true', () => {
    const m = marked(source('  allow_outside_root: true\n'), path.join(dir, 'x.spt.yaml'));
    const codes = validate(m.doc).map((d) => d.code);
    assert.ok(!codes.includes('split-outside-root'), codes.join(', '));
    assert.ok(!codes.includes('split-labels'), codes.join(', '));
  });
});
