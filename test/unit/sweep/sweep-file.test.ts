/**
 * Sweep files: the schema, override keys and values checked against the experiment schema with exact
 * ranges, keys set twice, every expanded configuration through the experiment's own rules, and the
 * sweep folder. The committed JSON Schema stays in sync.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../src/config/load-config';
import { loadSweep, overrideKeys, parseSweep } from '../../../src/config/sweep/sweep-file';
import { sweepJsonSchema } from '../../../src/config/sweep/sweep-json-schema';
import { defaultSweepName } from '../../../src/config/sweep/sweep-schema';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-sweepfile-'));
const experiment = writeTinyExperiment(tmp, {
  name: 'tiny',
  seed: 7,
  pool: 'cls',
  init: 'random',
  train: '{epochs: 1, warmup_epochs: 0, batch_size: 3, lr: 0.01}',
  analysis: '{every_epochs: 0}',
  outputDir: './out',
});
const SWEEP = path.join(tmp, 'lr.sweep.yaml');

const parse = (text: string) => parseSweep(text, { file: SWEEP });
/** The text a problem's range marks. */
const marked = (text: string, p: { range: [number, number] }) => text.slice(p.range[0], p.range[1]);

describe('sweep files', () => {
  it('parses a valid sweep: grid, list, tasks, selection and final seeds', () => {
    const text = `experiment: ./tiny.spt.yaml
grid:
  train.lr: [0.01, 0.1]
  train.weight_decay: [0, 1e-4]
list:
  - {prompt.init: random}
  - {prompt.init: mean, prompt.length: 2}
tasks:
  a: {data.num_classes: 5}
  b: {data.num_classes: 5, seed: 3}
select: {metric: val_acc, mode: max}
final: {seeds: [0, 1, 2]}
`;
    const r = parse(text);
    assert.deepEqual(r.problems, []);
    const spec = r.spec!;
    assert.equal(spec.name, 'lr');
    assert.equal(spec.experimentFile, experiment);
    assert.equal(spec.settings.length, 8);
    assert.equal(spec.settings[0].id, 'lr=0.01,wd=0,init=random');
    assert.equal(spec.settings[1].id, 'lr=0.01,wd=0,init=mean,length=2');
    assert.deepEqual(spec.finalSeeds, [0, 1, 2]);
    assert.deepEqual(
      spec.tasks?.map((t) => t.name),
      ['a', 'b'],
    );
  });

  it('marks an unknown override key exactly, with a did-you-mean the quick fix uses', () => {
    const text = 'experiment: ./tiny.spt.yaml\ngrid:\n  train.lrr: [0.1]\n  prompt.lenght: [4]\n';
    const r = parse(text);
    const unknown = r.problems.filter((p) => p.code === 'unknown-key');
    assert.equal(unknown.length, 2);
    assert.equal(marked(text, unknown[0]), 'train.lrr');
    assert.equal(unknown[0].suggestion, 'train.lr');
    assert.equal(unknown[0].line, 3);
    assert.equal(unknown[0].column, 3);
    assert.match(unknown[0].message, /unknown experiment key 'train\.lrr' \(did you mean 'train\.lr'\?\)/);
    assert.equal(unknown[1].suggestion, 'prompt.length');
    assert.equal(r.spec, undefined);
  });

  it("checks every value against the key's field, marking the value", () => {
    const text = `experiment: ./tiny.spt.yaml
grid:
  train.lr: [0.1, -1, abc]
list:
  - {prompt.method: vtp}
tasks:
  t1: {data.num_classes: 0}
`;
    const errs = parse(text).problems;
    const byText = new Map(errs.map((p) => [marked(text, p), p]));
    assert.match(byText.get('-1')!.message, /train\.lr: must be > 0, found -1/);
    assert.match(byText.get('abc')!.message, /train\.lr: expected a number/);
    assert.match(byText.get('vtp')!.message, /did you mean 'vpt'/);
    assert.equal(byText.get('vtp')!.suggestion, 'vpt');
    assert.match(byText.get('0')!.message, /data\.num_classes: must be >= 1/);
  });

  it('refuses keys set twice or reserved, bad task names, a missing experiment and duplicate seeds', () => {
    const text = `experiment: ./tiny.spt.yaml
grid:
  train.lr: [0.1]
list:
  - {train.lr: 0.2}
tasks:
  "bad name": {train.lr: 0.3, output.dir: x}
final: {seeds: [1, 1]}
`;
    const problems = parse(text).problems;
    const msg = (s: string) => problems.find((p) => marked(text, p) === s)?.message ?? '';
    assert.match(problems.map((p) => p.message).join('\n'), /already varied by grid/);
    assert.match(msg('output.dir'), /set by the sweep/);
    assert.match(msg('"bad name"'), /must match/);
    const missing = parse('experiment: ./nope.spt.yaml\n').problems;
    assert.match(missing[0].message, /experiment: file not found: .*nope\.spt\.yaml/);
    assert.equal(marked('experiment: ./nope.spt.yaml\n', missing[0]), './nope.spt.yaml');
    const dup = parse('experiment: ./tiny.spt.yaml\nfinal: {seeds: [1, 1]}\n').problems;
    assert.match(dup[0].message, /listed twice/);
  });

  it("runs every expanded configuration through the experiment's rules, marking the override", () => {
    // prompt.length 0 with method spt is a cross-field error of the experiment schema.
    const text =
      'experiment: ./tiny.spt.yaml\ngrid:\n  prompt.method: [vpt, linear]\n  prompt.init: [xavier]\n';
    const r = parse(text);
    assert.ok(r.problems.length > 0, 'linear with an initialiser is refused');
    const p = r.problems[0];
    assert.match(p.message, /^with method=linear,init=xavier: /);
    assert.ok(['linear', 'xavier', '[xavier]'].includes(marked(text, p)), marked(text, p));
  });

  it('lists every experiment key path an override may name, and not output', () => {
    const keys = overrideKeys();
    for (const k of [
      'seed',
      'train.lr',
      'train.weight_decay',
      'prompt.length',
      'data.root',
      'backbone.arch.depth',
    ])
      assert.ok(keys.includes(k), k);
    assert.ok(!keys.includes('output.dir'));
    assert.equal(defaultSweepName('/x/my grid.sweep.yaml'), 'my-grid');
  });

  it('loads a sweep: tasks with their seeds, the folder under the experiment output', () => {
    fs.writeFileSync(SWEEP, 'experiment: ./tiny.spt.yaml\ntasks:\n  a: {}\n  b: {seed: 3}\n');
    const s = loadSweep(SWEEP);
    assert.deepEqual(
      s.tasks.map((t) => [t.name, t.seed]),
      [
        ['a', 7],
        ['b', 3],
      ],
    );
    assert.equal(s.dir, path.join(tmp, 'out', 'sweeps', 'lr'));
    fs.writeFileSync(SWEEP, 'experiment: ./tiny.spt.yaml\n');
    assert.deepEqual(
      loadSweep(SWEEP).tasks.map((t) => t.name),
      ['tiny'],
      'no tasks: the experiment itself',
    );
    fs.writeFileSync(SWEEP, 'experiment: ./tiny.spt.yaml\ngrid: {train.lrr: [1]}\n');
    assert.throws(
      () => loadSweep(SWEEP),
      (e: unknown) => e instanceof ConfigError && /lr\.sweep\.yaml:2:8/.test(e.message),
    );
  });

  it('keeps media/spt-sweep.schema.json in sync with the schemas (npm run schema)', () => {
    const committed = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', '..', '..', 'media', 'spt-sweep.schema.json'), 'utf8'),
    );
    assert.deepEqual(committed, JSON.parse(JSON.stringify(sweepJsonSchema())));
    assert.deepEqual(committed.required, ['experiment']);
    assert.equal(committed.properties.grid.properties['train.lr'].items.exclusiveMinimum, 0);
    assert.equal(committed.properties.grid.additionalProperties, false);
  });
});
