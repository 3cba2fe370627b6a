/** A run's note and tags live in its folder (note.json); its seed is read from config.yaml. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  parseRunNote,
  RUN_NOTE_FILE,
  readRunNote,
  readRunSeed,
  tagsOf,
  writeRunNote,
} from '../../../../src/extension/runs/run-annotations';

describe('run annotations', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-note-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes #words as tags', () => {
    assert.deepEqual(tagsOf('#Baseline lr from the paper #seed-sweep #baseline x#no'), [
      'baseline',
      'seed-sweep',
    ]);
    assert.deepEqual(tagsOf('no tags'), []);
  });

  it('writes note.json into the run folder, reads it back, and removes it for an empty note', () => {
    assert.equal(readRunNote(dir), null);
    assert.deepEqual(writeRunNote(dir, '  #baseline first try '), {
      note: '#baseline first try',
      tags: ['baseline'],
    });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, RUN_NOTE_FILE), 'utf8')), {
      note: '#baseline first try',
      tags: ['baseline'],
    });
    assert.deepEqual(readRunNote(dir), { note: '#baseline first try', tags: ['baseline'] });
    // Another window (or a person) edits the file: the cache follows the modification time.
    fs.writeFileSync(path.join(dir, RUN_NOTE_FILE), JSON.stringify({ note: 'edited #x' }));
    fs.utimesSync(path.join(dir, RUN_NOTE_FILE), new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(readRunNote(dir), { note: 'edited #x', tags: ['x'] });
    assert.equal(writeRunNote(dir, ''), null);
    assert.ok(!fs.existsSync(path.join(dir, RUN_NOTE_FILE)));
    assert.throws(
      () => writeRunNote(path.join(dir, 'gone'), 'x'),
      /does not exist: the run folder was moved or deleted/,
    );
  });

  it('says how to repair a note.json that is not JSON', () => {
    let message = '';
    assert.equal(
      parseRunNote('{oops', '/r/note.json', (m) => {
        message = m;
      }),
      null,
    );
    assert.match(message, /^\/r\/note\.json is not JSON .*Set Run Note/);
  });

  it("reads the seed from the run's config.yaml", () => {
    assert.equal(readRunSeed(dir), null);
    fs.writeFileSync(
      path.join(dir, 'config.yaml'),
      'name: x\nseed: 42  # from the sweep\ntrain:\n  seed: 3\n',
    );
    assert.equal(readRunSeed(dir), 42);
  });
});
