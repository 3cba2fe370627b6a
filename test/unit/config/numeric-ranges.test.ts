/**
 * Issue 14, item 9: values that passed validation and then crashed training (an image side of 100000,
 * 100000 prompt tokens, an infinite learning rate, a seed beyond what the RNG takes). Every numeric
 * field has a range; the cross-field memory rules bound what the fields give together. The language
 * service reports the same problems (the CLI tests run `spt validate` and `spt train` on them).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { activationBytesPerImage, vitConfig } from '../../../src/config/architectures';
import { experimentSchema, LIMITS } from '../../../src/config/experiment-schema';
import { parseExperiment } from '../../../src/config/load-config';
import type { Field } from '../../../src/config/schema-dsl';
import { MAX_IMAGE_ACTIVATION_BYTES } from '../../../src/config/semantic-rules';
import { sweepSchema } from '../../../src/config/sweep/sweep-schema';
import { validate } from '../../../src/server/language-service';

const EXAMPLE = fs.readFileSync(path.join(__dirname, '../../../examples/cub-spt-deep.spt.yaml'), 'utf8');

/** Every number field of a schema with its key path. */
function numberFields(f: Field, at: string[] = []): [string, Field & { kind: 'number' }][] {
  switch (f.kind) {
    case 'number':
      return [[at.join('.'), f]];
    case 'object':
      return Object.entries(f.fields).flatMap(([k, v]) => numberFields(v, [...at, k]));
    case 'nullable':
      return numberFields(f.inner, at);
    case 'oneOf':
      return f.options.flatMap((o) => numberFields(o, at));
    case 'list':
      return numberFields(f.items, [...at, '[]']);
    case 'record':
      return numberFields(f.values, [...at, '*']);
    default:
      return [];
  }
}

/** [replace, with, expected code, message pattern] */
const HOSTILE: [string, string, string, RegExp][] = [
  ['image_size: 224', 'image_size: 100000', 'range', /data\.image_size: must be <= 4096, found 100000/],
  ['length: 20', 'length: 100000', 'range', /prompt\.length: must be <= 4096, found 100000/],
  ['lr: 0.05', 'lr: 1e309', 'range', /train\.lr: must be a finite number, found Infinity \(written 1e309\)/],
  ['lr: 0.05', 'lr: .inf', 'range', /train\.lr: must be a finite number, found Infinity \(written \.inf\)/],
  ['lr: 0.05', 'lr: .nan', 'range', /train\.lr: must be a finite number, found NaN/],
  ['lr: 0.05', 'lr: 1e39', 'range', /train\.lr: must be <= 3\.4028234663852886e\+38 \(the largest float32/],
  [
    'seed: 42',
    'seed: 1e20',
    'range',
    /seed: must be <= 4294967295 \(the random number generator takes 32-bit seeds\)/,
  ],
  ['seed: 42', 'seed: 4294967296', 'range', /seed: must be <= 4294967295/],
  ['epochs: 100', 'epochs: 1.5', 'type', /train\.epochs: expected an integer, found 1\.5/],
  ['num_classes: 200', 'num_classes: 10000000', 'range', /data\.num_classes: must be <= 100000/],
  ['warmup_epochs: 10', 'warmup_epochs: -.inf', 'range', /train\.warmup_epochs: must be a finite number/],
  [
    'image_size: 224',
    'image_size: 1024',
    'memory',
    /one training image needs 21\.6 GiB of activations \(4117 tokens of width 768 through 12 blocks\), more than the 4\.0 GiB a training step can hold; lower data\.image_size to 624/,
  ],
  ['length: 20', 'length: 4000', 'memory', /needs 22\.4 GiB[^;]*; lower prompt\.length to 1387$/],
  [
    'batch_size: 32',
    'batch_size: 60000',
    'memory',
    /train\.batch_size 60000 at 224 px is 33\.6 GiB of decoded images per batch \(at most 2\.0 GiB\); lower train\.batch_size to 3566 or less/,
  ],
];

describe('numeric ranges (issue 14, item 9)', () => {
  it('every numeric field of the experiment and sweep schemas has a lower and an upper bound', () => {
    const fields = [...numberFields(experimentSchema), ...numberFields(sweepSchema)];
    assert.ok(fields.length >= 20, `${fields.length} number fields`);
    const unbounded = fields.filter(([, f]) => f.min === undefined || f.max === undefined).map(([p]) => p);
    assert.deepEqual(unbounded, []);
    // Integers stay exact: no integer bound above 2^53.
    for (const [p, f] of fields)
      if (f.integer) assert.ok(Number.isSafeInteger(f.max), `${p}: max ${f.max} is not a safe integer`);
  });

  for (const [from, to, code, message] of HOSTILE) {
    it(`${to}: one ${code} error at that line, the same in the language service`, () => {
      const text = EXAMPLE.replace(from, to);
      assert.notEqual(text, EXAMPLE);
      const parsed = parseExperiment(text);
      assert.equal(parsed.config, undefined, 'no config: training cannot start');
      const errors = parsed.problems.filter((p) => p.severity === 'error');
      assert.equal(errors.length, 1, errors.map((p) => p.message).join('\n'));
      const [e] = errors;
      assert.equal(e.code, code);
      assert.match(e.message, message);
      const line = text.split('\n').findIndex((l) => l.includes(to)) + 1;
      assert.equal(e.line, line);
      const ds = validate(TextDocument.create('untitled:x.spt.yaml', 'yaml', 1, text)).filter(
        (d) => d.severity === 1,
      );
      assert.deepEqual(
        ds.map((d) => [d.code, d.message, d.range.start.line + 1]),
        [[e.code, e.message, line]],
      );
    });
  }

  it('the memory rule agrees with the trainer: the largest image size it allows fits, the next does not', () => {
    const fits = (s: number) => activationBytesPerImage(vitConfig('vit_base_patch16_224', s), 20);
    assert.ok(fits(624) <= MAX_IMAGE_ACTIVATION_BYTES);
    assert.ok(fits(640) > MAX_IMAGE_ACTIVATION_BYTES);
    assert.ok(parseExperiment(EXAMPLE.replace('image_size: 224', 'image_size: 624')).config);
    assert.equal(parseExperiment(EXAMPLE.replace('image_size: 224', 'image_size: 640')).config, undefined);
  });

  it('the bounds are in the generated JSON Schema (npm run schema)', () => {
    const s = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../../../media/spt-experiment.schema.json'), 'utf8'),
    );
    assert.equal(s.properties.seed.maximum, LIMITS.seed);
    assert.equal(s.properties.data.properties.image_size.anyOf[0].maximum, LIMITS.imageSize);
    assert.equal(s.properties.prompt.properties.length.maximum, LIMITS.promptLength);
  });

  it('--set values are held to the same ranges', () => {
    const r = parseExperiment(EXAMPLE, ['train.lr=.inf']);
    assert.equal(r.config, undefined);
    assert.match(r.problems[0].message, /train\.lr: must be a finite number/);
  });
});
