import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadExperiment, parseExperiment } from '../../../src/config/load-config';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'cub-spt-deep.spt.yaml');
const example = fs.readFileSync(EXAMPLE, 'utf8');

function problemsOf(text: string) {
  return parseExperiment(text).problems;
}

describe('experiment config', () => {
  it('accepts the documented example as written, with paths resolved against its folder', () => {
    const r = loadExperiment(EXAMPLE);
    assert.equal(r.config.prompt.init, 'random');
    assert.equal(r.vit.embedDim, 768);
    assert.equal(
      r.paths.checkpoint,
      path.join(path.dirname(EXAMPLE), 'checkpoints', 'mae_pretrain_vit_base.pth'),
    );
    assert.equal(r.paths.dataRoot, path.join(path.dirname(EXAMPLE), 'data', 'CUB_200_2011'));
    assert.equal(r.config.train.lr, 0.05);
    assert.deepEqual(r.warnings, []);
  });

  it('fills defaults for left-out sections and picks the method default initialiser', () => {
    const r = parseExperiment(
      'name: t\nbackbone: {arch: vit_tiny_patch16_224, checkpoint: null}\ndata: {root: d, train: t.txt, num_classes: 3}\nprompt: {method: vpt}\n',
    );
    assert.ok(r.config, JSON.stringify(r.problems));
    assert.equal(r.config.train.epochs, 100);
    assert.equal(r.config.device.backend, 'auto');
    assert.equal(r.config.prompt.init, null);
  });

  it('locates a wrong enum value at the value, with a did-you-mean', () => {
    const p = problemsOf(example.replace('method: spt ', 'method: sptt'));
    assert.equal(p.length, 1);
    assert.match(
      p[0].message,
      /prompt\.method: the string 'sptt' is not one of spt, vpt, linear, full \(did you mean 'spt'\?\)/,
    );
    assert.equal(p[0].line, 19);
    assert.equal(p[0].column, 11);
  });

  it('locates an unknown key at the key and a wrong type at the value', () => {
    const p = problemsOf(
      example.replace('  lr: 0.05', '  lrr: 0.05').replace('batch_size: 32', 'batch_size: big'),
    );
    const unknown = p.find((x) => /unknown key 'lrr'/.test(x.message));
    const type = p.find((x) => /batch_size: expected an integer, found the string 'big'/.test(x.message));
    assert.ok(unknown && type, JSON.stringify(p));
    assert.match(unknown.message, /did you mean 'lr'/);
    assert.deepEqual([unknown.line, unknown.column], [28, 3]);
    assert.deepEqual([type.line, type.column], [27, 15]);
  });

  it('marks a missing required key at its parent key', () => {
    const p = problemsOf(example.replace('  num_classes: 200\n', ''));
    assert.equal(p.length, 1);
    assert.match(p[0].message, /data: missing required key 'num_classes'/);
    assert.deepEqual([p[0].line, p[0].column], [8, 1]);
  });

  it('reports cross-field problems: image size vs patch, init vs method, warm-up vs epochs', () => {
    const p = problemsOf(
      example
        .replace('image_size: 224', 'image_size: 230')
        .replace('init: random', 'init: xavier')
        .replace('warmup_epochs: 10', 'warmup_epochs: 100'),
    );
    const msgs = p.map((x) => x.message).join('\n');
    assert.match(msgs, /image size 230 is not divisible by the patch size 16 \(try 224 or 240\)/);
    assert.match(msgs, /xavier is a VPT initialiser/);
    assert.match(msgs, /warmup_epochs \(100\) must be less than train.epochs \(100\)/);
    assert.equal(p.length, 3);
  });

  it('reports YAML syntax errors with a position and stops there', () => {
    const p = problemsOf('name: x\nbackbone: [unclosed\n');
    assert.ok(p.length >= 1);
    assert.match(p[0].message, /YAML syntax error/);
    assert.ok(p[0].line >= 2);
  });

  it('applies --set overrides before validation', () => {
    const r = parseExperiment(example, ['train.lr=0.01', 'prompt.mode=shallow']);
    assert.equal(r.config?.train.lr, 0.01);
    assert.equal(r.config?.prompt.mode, 'shallow');
    assert.ok(
      parseExperiment(example, ['train.lr=fast']).problems.some((x) =>
        /train.lr: expected a number/.test(x.message),
      ),
    );
  });

  it('throws a ConfigError naming the file, line and column of every problem', () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'spt-cfg-'));
    const f = path.join(dir, 'bad.spt.yaml');
    fs.writeFileSync(f, example.replace('length: 20', 'length: -1').replace('seed: 42', 'seed: x'));
    assert.throws(
      () => loadExperiment(f),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.length === 2 &&
        e.message.includes(`${f}:2:7`) &&
        /length: must be >= 0/.test(e.message),
    );
    assert.throws(() => loadExperiment(path.join(dir, 'missing.spt.yaml')), /file not found/);
  });
});

describe('generated JSON Schema', () => {
  it('is committed in sync with the schema (npm run schema regenerates it)', () => {
    const { experimentJsonSchema } =
      require('../../../src/config/json-schema') as typeof import('../../../src/config/json-schema');
    const committed = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', '..', '..', 'media', 'spt-experiment.schema.json'), 'utf8'),
    );
    assert.deepEqual(committed, JSON.parse(JSON.stringify(experimentJsonSchema())));
  });
  it('ships for other editors but is not handed to Red Hat YAML in VS Code (no yamlValidation: no double diagnostics)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    assert.equal(pkg.contributes.yamlValidation, undefined);
    for (const f of ['spt-experiment.schema.json', 'spt-sweep.schema.json'])
      assert.ok(fs.existsSync(path.join(__dirname, '..', '..', '..', 'media', f)), f);
  });
  it('describes the example: required keys, enums and ranges', () => {
    const s = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', '..', '..', 'media', 'spt-experiment.schema.json'), 'utf8'),
    );
    assert.deepEqual(s.required, ['name', 'backbone', 'data']);
    assert.deepEqual(s.properties.prompt.properties.method.enum, ['spt', 'vpt', 'linear', 'full']);
    assert.equal(s.properties.train.properties.lr.exclusiveMinimum, 0);
    assert.equal(s.additionalProperties, false);
  });
});
