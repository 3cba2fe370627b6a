/**
 * Issue 14, item 7: a misspelled key or a bad enum value does not hide the other problems. Every
 * cross-field rule whose fields are valid runs, and the editor's file checks run too; a rule whose
 * own field is invalid stays quiet (the field already has its error).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseExperiment } from '../../../src/config/load-config';
import { validate } from '../../../src/server/language-service';

const EXAMPLE = fs.readFileSync(path.join(__dirname, '../../../examples/cub-spt-deep.spt.yaml'), 'utf8');

/** The example with a typo, a bad enum value, an image size that the patch does not divide and an init for VPT. */
const BROKEN = EXAMPLE.replace('mode: deep  ', 'mode: deeep ')
  .replace('  lr: 0.05', '  lrr: 0.05')
  .replace('image_size: 224', 'image_size: 230')
  .replace('init: random', 'init: xavier');

const codesOf = (text: string) => parseExperiment(text).problems.map((p) => [p.line, p.code]);

describe('every problem at once (issue 14, item 7)', () => {
  it('reports the cross-field rules next to an unknown key and a bad enum value', () => {
    assert.deepEqual(codesOf(BROKEN), [
      [20, 'enum'],
      [28, 'unknown-key'],
      [16, 'image-size'],
      [22, 'init-method'],
    ]);
  });

  it('a rule whose own field is invalid stays quiet (one problem per cause)', () => {
    // image_size is not a number: no divisibility or memory message about it.
    assert.deepEqual(codesOf(EXAMPLE.replace('image_size: 224', 'image_size: big')), [[16, 'type']]);
    // The method is misspelled: no init-vs-method message (which method would it be?).
    assert.deepEqual(
      codesOf(EXAMPLE.replace('method: spt ', 'method: sptt').replace('init: random', 'init: xavier')),
      [[19, 'enum']],
    );
    // A negative length is a range error, not also "must be >= 1 for spt".
    assert.deepEqual(codesOf(EXAMPLE.replace('length: 20', 'length: -1')), [[21, 'range']]);
    // Warm-up vs epochs still runs when another section is broken.
    assert.deepEqual(
      codesOf(EXAMPLE.replace('warmup_epochs: 10', 'warmup_epochs: 100').replace('pool: mean', 'pool: avg')),
      [
        [7, 'enum'],
        [26, 'warmup'],
      ],
    );
  });

  it('a custom arch with one bad field: the rules that need the arch wait, the others run', () => {
    const text = EXAMPLE.replace(
      'arch: vit_base_patch16_224',
      'arch: {embed_dim: 192, depth: 12, num_heads: x, patch_size: 16, image_size: 224}',
    ).replace('warmup_epochs: 10', 'warmup_epochs: 100');
    assert.deepEqual(codesOf(text), [
      [4, 'type'],
      [26, 'warmup'],
    ]);
  });

  it('the language service adds the file checks: every problem in one publish', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-all-'));
    try {
      const uri = pathToFileURL(path.join(dir, 'x.spt.yaml')).toString();
      const ds = validate(TextDocument.create(uri, 'yaml', 1, BROKEN));
      assert.deepEqual(
        ds.map((d) => [d.range.start.line + 1, d.code]),
        [
          [5, 'checkpoint-missing'],
          [10, 'data-missing'],
          [16, 'image-size'],
          [20, 'enum'],
          [22, 'init-method'],
          [28, 'unknown-key'],
        ],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no config comes back while any error remains', () => {
    assert.equal(parseExperiment(BROKEN).config, undefined);
    assert.ok(parseExperiment(EXAMPLE).config);
  });
});
