/**
 * The methods table (src/config/methods.ts) is the one home of the method, prompt-mode, initialiser and
 * pooling names: the schema's enums are its lists, and "does this method have prompts" is answered by
 * one function, not by comparing with 'linear' across the layers (issue 18, point 2).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { experimentSchema } from '../../../src/config/experiment-schema';
import { loadExperiment } from '../../../src/config/load-config';
import { METHODS, methodHasPrompts, POOLS, PROMPT_INITS, PROMPT_MODES } from '../../../src/config/methods';
import { fieldAt } from '../../../src/config/schema-dsl';

const ROOT = path.resolve(__dirname, '../../..');

/** A real experiment file with this method and prompt length, loaded as the trainer loads it. */
function loadExperimentText(method: string, length: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-methods-'));
  const file = path.join(dir, 'm.spt.yaml');
  fs.writeFileSync(
    file,
    `name: t\nbackbone: {arch: vit_tiny_patch16_224, checkpoint: null}\ndata: {root: d, train: t.txt, num_classes: 3}\nprompt: {method: ${method}, length: ${length}}\n`,
  );
  try {
    return loadExperiment(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function enumValues(p: string[]): readonly string[] {
  let f = fieldAt(experimentSchema, p);
  if (f?.kind === 'nullable') f = f.inner;
  assert.ok(f && f.kind === 'enum', `${p.join('.')} is an enum`);
  return f.values;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('config: the methods table', () => {
  it("the schema's enums are the table's lists", () => {
    assert.deepEqual(enumValues(['prompt', 'method']), METHODS);
    assert.deepEqual(enumValues(['prompt', 'mode']), PROMPT_MODES);
    assert.deepEqual(enumValues(['prompt', 'init']), PROMPT_INITS);
    assert.deepEqual(enumValues(['backbone', 'pool']), POOLS);
  });

  it('only the linear probe has no prompts, and loading a config agrees', () => {
    assert.deepEqual(
      METHODS.filter((m) => !methodHasPrompts(m)),
      ['linear'],
    );
    assert.equal(loadExperimentText('linear', 20).promptLength, 0);
    assert.equal(loadExperimentText('spt', 20).promptLength, 20);
  });

  it("no layer asks `method === 'linear'` itself (src/ and the webview)", () => {
    const offenders: string[] = [];
    for (const file of [
      ...sourceFiles(path.join(ROOT, 'src')),
      ...sourceFiles(path.join(ROOT, 'webview-ui/src')),
    ]) {
      const text = fs.readFileSync(file, 'utf8');
      text.split('\n').forEach((line, i) => {
        if (!file.endsWith('config/methods.ts') && /method\s*[!=]==\s*'linear'/.test(line))
          offenders.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(offenders, [], 'use methodHasPrompts from src/config/methods.ts');
  });
});
