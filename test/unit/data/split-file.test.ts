import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../../src/engine/data/data-error';
import { parseSplitFile, readVptJson } from '../../../src/engine/data/split-file';

describe('data/split-file', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-split-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string | Buffer): string {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  }

  function expectDataError(fn: () => unknown, line: number | undefined, pattern: RegExp): DataError {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
    assert.equal(caught.line, line);
    assert.match(caught.message, pattern);
    assert.ok(caught.fix.length > 0);
    assert.ok(caught.message.includes(caught.file), 'message names the file');
    if (line !== undefined) assert.ok(caught.message.includes(`line ${line}`), 'message names the line');
    return caught;
  }

  it('parses the VTAB-1k line format and resolves paths against the split file folder', () => {
    const f = write('train800.txt', 'images/0001.jpg 3\nimages/0002.jpg 0\n');
    const { file, entries } = parseSplitFile(f);
    assert.equal(file, f);
    assert.deepEqual(entries, [
      { image: 'images/0001.jpg', path: path.join(dir, 'images/0001.jpg'), label: 3 },
      { image: 'images/0002.jpg', path: path.join(dir, 'images/0002.jpg'), label: 0 },
    ]);
  });

  it('tolerates a BOM, CRLF and CR endings, blank lines and trailing spaces', () => {
    const text =
      '\ufeff001.Black_footed_Albatross/Black_Footed_Albatross_0009_34.jpg 0\r\n\r\n   \r\n#b.png\t7  \rc.png 12 \r\n';
    const { entries } = parseSplitFile(write('crlf.txt', Buffer.from(text, 'utf8')));
    assert.deepEqual(
      entries.map((e) => [e.image, e.label]),
      [
        ['001.Black_footed_Albatross/Black_Footed_Albatross_0009_34.jpg', 0],
        ['#b.png', 7],
        ['c.png', 12],
      ],
    );
  });

  it('keeps spaces inside paths: the label is the last field', () => {
    const { entries } = parseSplitFile(write('spaces.txt', 'My Photos/cat  1.jpg 4\n  a b c.png   2  \n'));
    assert.deepEqual(
      entries.map((e) => [e.image, e.label]),
      [
        ['My Photos/cat  1.jpg', 4],
        ['a b c.png', 2],
      ],
    );
    assert.equal(entries[0].path, path.join(dir, 'My Photos/cat  1.jpg'));
  });

  it('resolves against a given root', () => {
    const root = path.join(dir, 'elsewhere');
    const { entries } = parseSplitFile(write('root.txt', 'x/y.png 1\n'), { root });
    assert.equal(entries[0].path, path.join(root, 'x/y.png'));
    assert.equal(entries[0].image, 'x/y.png');
  });

  it('reads the committed parity split file', () => {
    const f = path.join(__dirname, '..', '..', 'fixtures', 'parity', 'images.txt');
    const { entries } = parseSplitFile(f, { numClasses: 5 });
    assert.equal(entries.length, 6);
    assert.deepEqual(
      entries.map((e) => e.label),
      [0, 1, 2, 3, 4, 2],
    );
    for (const e of entries) assert.ok(fs.existsSync(e.path), e.path);
  });

  it('rejects a line without a label, naming the line', () => {
    const f = write('nolabel.txt', 'a.png 1\n\nb.png\n');
    expectDataError(() => parseSplitFile(f), 3, /nolabel\.txt, line 3: .*"b\.png"/);
  });

  it('rejects a non-integer label', () => {
    const f = write('float.txt', 'a.png 1\nb.png 2.5\n');
    expectDataError(() => parseSplitFile(f), 2, /"2\.5", which is not an integer label/);
    const g = write('word.txt', 'a.png cat\n');
    expectDataError(() => parseSplitFile(g), 1, /"cat"/);
  });

  it('rejects a negative label', () => {
    const f = write('neg.txt', 'a.png 0\nb.png 1\nc.png -1\n');
    expectDataError(() => parseSplitFile(f), 3, /label -1 is negative/);
  });

  it('rejects a label >= numClasses and accepts numClasses - 1', () => {
    const f = write('range.txt', 'a.png 9\r\nb.png 10\r\n');
    const e = expectDataError(
      () => parseSplitFile(f, { numClasses: 10 }),
      2,
      /label 10 is out of range.*10 classes/,
    );
    assert.match(e.fix, /set data\.num_classes to at least 11 in the experiment file/);
    assert.equal(parseSplitFile(f, { numClasses: 11 }).entries.length, 2);
  });

  it('reports a missing file', () => {
    const missing = path.join(dir, 'nope', 'test.txt');
    const e = expectDataError(() => parseSplitFile(missing), undefined, /split file not found/);
    assert.equal(e.file, missing);
  });

  it('reads the VPT JSON layout into the same entries', () => {
    const f = write('train.json', '\ufeff{"images/a b.jpg": 2, "images/c.jpg": 0}');
    const { entries } = readVptJson(f, { numClasses: 3 });
    assert.deepEqual(entries, [
      { image: 'images/a b.jpg', path: path.join(dir, 'images/a b.jpg'), label: 2 },
      { image: 'images/c.jpg', path: path.join(dir, 'images/c.jpg'), label: 0 },
    ]);
  });

  it('rejects bad VPT JSON files', () => {
    expectDataError(() => readVptJson(write('bad.json', '{"a.jpg": 1,')), undefined, /not valid JSON/);
    expectDataError(() => readVptJson(write('arr.json', '[1, 2]')), undefined, /an array, not an object/);
    expectDataError(
      () => readVptJson(write('str.json', '{"a.jpg": "1"}')),
      undefined,
      /"a\.jpg".*not an integer/,
    );
    expectDataError(() => readVptJson(write('neg.json', '{"a.jpg": -2}')), undefined, /"a\.jpg".*-2/);
    expectDataError(
      () => readVptJson(write('big.json', '{"a.jpg": 0, "b.jpg": 3}'), { numClasses: 3 }),
      undefined,
      /"b\.jpg".*out of range/,
    );
  });

  describe('entries outside the root (issue 14 #5)', () => {
    it('confine: refuses ../ and absolute entries, naming their lines and the opt-in field', () => {
      const root = path.join(dir, 'ds');
      const f = write(
        'outside.txt',
        'images/ok.jpg 0\n../../etc/passwd 1\nimages/../../x.jpg 0\nimages/../images/fine.jpg 0\n/etc/shadow 2\n',
      );
      const e = expectDataError(
        () => parseSplitFile(f, { root, confine: true }),
        2,
        /3 entries resolve outside the folder the image paths are relative to \(.*ds\): line 2 "\.\.\/\.\.\/etc\/passwd", line 3 "images\/\.\.\/\.\.\/x\.jpg", line 5 "\/etc\/shadow"/,
      );
      assert.match(e.fix, /data\.allow_outside_root: true/);
      // Without confine (data.allow_outside_root: true) they are read as written.
      const { entries } = parseSplitFile(f, { root });
      assert.equal(entries[4].path, '/etc/shadow');
    });

    it('confine: the same for the VPT json layout', () => {
      const f = write('outside.json', '{"images/a.jpg": 0, "/etc/shadow": 1}');
      expectDataError(
        () => readVptJson(f, { root: dir, confine: true }),
        undefined,
        /1 entry resolves outside .*: "\/etc\/shadow"/,
      );
      assert.equal(readVptJson(f, { root: dir }).entries.length, 2);
    });
  });
});
