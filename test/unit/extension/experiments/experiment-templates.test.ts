/** The experiment templates of New Experiment and the experiment file's output folder. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  relativeForYaml,
  renderTemplate,
  TEMPLATES,
  validateExperimentName,
} from '../../../../src/config/experiment-templates';
import { loadExperiment } from '../../../../src/config/load-config';
import { experimentOutput } from '../../../../src/extension/experiments/experiment-templates';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'spt-ext-ui-'));

describe('extension: experiment templates', () => {
  it('every template exists and is a valid experiment', () => {
    for (const t of TEMPLATES) {
      const file = path.join(ROOT, 'examples', 'templates', t.file);
      const exp = loadExperiment(file, []);
      assert.ok(exp.config.name, t.file);
    }
  });

  it('sets name, checkpoint and data root relative to the target folder, keeping comments', () => {
    const text = fs.readFileSync(path.join(ROOT, 'examples', 'templates', 'vpt-deep.spt.yaml'), 'utf8');
    const out = renderTemplate(text, {
      name: 'birds',
      checkpoint: path.join('/w', 'ckpt', 'vit.pth'),
      dataRoot: path.join('/w', 'data', 'cub'),
      targetDir: '/w',
    });
    const v = parseYaml(out);
    assert.equal(v.name, 'birds');
    assert.equal(v.backbone.checkpoint, './ckpt/vit.pth');
    assert.equal(v.data.root, './data/cub');
    assert.equal(v.prompt.method, 'vpt');
    assert.match(out, /# auto \| timm/);
  });

  it('keeps the placeholders when no path is picked; outside paths stay absolute', () => {
    const text = 'name: x\nbackbone:\n  checkpoint: ./a.pth\ndata:\n  root: ./data\n';
    const v = parseYaml(renderTemplate(text, { name: 'y', targetDir: '/w' }));
    assert.deepEqual(v, { name: 'y', backbone: { checkpoint: './a.pth' }, data: { root: './data' } });
    assert.equal(relativeForYaml('/w/a', '/data/x'), '/data/x');
  });

  it('validates names', () => {
    assert.equal(validateExperimentName('cub-spt_1.2'), null);
    assert.ok(validateExperimentName(''));
    assert.ok(validateExperimentName('a b'));
    assert.ok(validateExperimentName('../x'));
  });

  it('reads an experiment file name and output dir', () => {
    const d = tmp();
    const f = path.join(d, 'e.spt.yaml');
    fs.writeFileSync(f, 'name: foo\noutput: {dir: out/runs}\n');
    assert.deepEqual(experimentOutput(f), { name: 'foo', dir: path.join(d, 'out', 'runs') });
    fs.writeFileSync(f, 'name: foo\n');
    assert.equal(experimentOutput(f)?.dir, path.join(d, 'runs'));
    assert.equal(experimentOutput(path.join(d, 'missing.yaml')), null);
  });
});
