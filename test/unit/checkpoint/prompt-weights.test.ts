/**
 * Trained prompts and head for `--weights` (issue 14 #6): the SPT authors' file holding only
 * `prompt_token` and `head.*` (bare, under `model`, behind `module.`) is read, and weights whose prompt
 * mode, prompt length or class count differ from the experiment are refused naming both values.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../../src/config/load-config';
import { readPromptWeights } from '../../../src/engine/checkpoint/prompt-weights';
import { readCheckpointFile } from '../../../src/engine/checkpoint/read-checkpoint';
import { checkTrainedWeights } from '../../../src/engine/model/check-trained-weights';
import { CheckpointError } from '../../../src/run-folder/tensors/checkpoint-error';
import type { HostTensor } from '../../../src/run-folder/tensors/host-tensor';
import { type TorchTree, torchSave } from './torch-save';

const ROOT = path.join(__dirname, '..', '..', '..');
const PARITY = path.join(ROOT, 'test', 'fixtures', 'parity');
const EXPERIMENT = path.join(ROOT, 'test', 'fixtures', 'cli', 'parity-deep-mean.spt.yaml');

const same = (a: HostTensor | undefined, b: HostTensor | undefined) => {
  assert.ok(a && b);
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual(Array.from(a.data as Float32Array), Array.from(b.data as Float32Array));
};

function refused(fn: () => unknown, ...patterns: RegExp[]): CheckpointError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof CheckpointError, `expected a CheckpointError, got ${String(caught)}`);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

describe('checkpoint/prompt-weights: task-only files and mismatches (issue 14 #6)', () => {
  let dir: string;
  /** module.prompt_token (3, 4, 32), module.head.weight (5, 32), module.head.bias (5,) */
  let deep: Record<string, HostTensor>;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-prompt-weights-'));
    const v = readCheckpointFile(path.join(PARITY, 'spt_authors_deep.pth')).value as Record<string, unknown>;
    const sd = (v.model ?? v) as Record<string, HostTensor>;
    deep = {
      prompt_token: sd['module.prompt_token'],
      'head.weight': sd['module.head.weight'],
      'head.bias': sd['module.head.bias'],
    };
    assert.deepEqual(deep.prompt_token.shape, [3, 4, 32]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const layouts: [string, (t: Record<string, HostTensor>) => TorchTree][] = [
    ['bare keys', (t) => ({ ...t })],
    ["under 'model'", (t) => ({ model: { ...t } })],
    ["with 'module.'", (t) => Object.fromEntries(Object.entries(t).map(([k, x]) => [`module.${k}`, x]))],
  ];
  for (const [name, layout] of layouts) {
    it(`reads a .pth holding only prompt_token and head.* (${name})`, () => {
      const f = path.join(dir, `task ${name}.pth`);
      fs.writeFileSync(f, torchSave(layout(deep)));
      const w = readPromptWeights(f);
      assert.equal(w.source, 'spt-authors');
      same(w.prompts, deep.prompt_token);
      same(w.head.weight, deep['head.weight']);
      same(w.head.bias, deep['head.bias']);
    });
  }

  it('names the missing head of a file with prompt_token only', () => {
    const f = path.join(dir, 'prompts only.pth');
    fs.writeFileSync(f, torchSave({ 'module.prompt_token': deep.prompt_token }));
    refused(() => readPromptWeights(f), /prompts only\.pth/, /no trained head \('module\.head\.weight'/);
  });

  describe('checkTrainedWeights against the experiment (deep, length 4, 5 classes, D 32, 3 blocks)', () => {
    const shallow = () => readPromptWeights(path.join(PARITY, 'spt_authors_shallow.pth'));
    const deepWeights = () => readPromptWeights(path.join(PARITY, 'spt_authors_deep.pth'));

    it('accepts weights that fit', () => {
      checkTrainedWeights('w.pth', deepWeights(), loadExperiment(EXPERIMENT));
      checkTrainedWeights('w.pth', shallow(), loadExperiment(EXPERIMENT, ['prompt.mode=shallow']));
    });

    it('refuses another prompt mode, naming both', () => {
      const e = refused(
        () => checkTrainedWeights('w.pth', shallow(), loadExperiment(EXPERIMENT)),
        /^w\.pth: /,
        /its prompts are shallow \(1 set\), prompt\.mode is deep \(3 sets\)/,
      );
      assert.match(
        e.fix ?? '',
        /set prompt\.mode: shallow in the experiment \(or --set prompt\.mode=shallow\)/,
      );
    });

    it('refuses another prompt length, naming both', () => {
      refused(
        () => checkTrainedWeights('w.pth', deepWeights(), loadExperiment(EXPERIMENT, ['prompt.length=8'])),
        /it holds 4 prompt tokens per set, prompt\.length is 8/,
        /--set prompt\.length=4/,
      );
    });

    it('refuses another class count, naming both', () => {
      refused(
        () => checkTrainedWeights('w.pth', deepWeights(), loadExperiment(EXPERIMENT, ['data.num_classes=7'])),
        /its head has 5 classes, data\.num_classes is 7/,
        /--set data\.num_classes=5/,
      );
    });

    it('reports every mismatch at once, and prompts given to a linear probe', () => {
      refused(
        () =>
          checkTrainedWeights(
            'w.pth',
            shallow(),
            loadExperiment(EXPERIMENT, ['prompt.length=10', 'data.num_classes=6']),
          ),
        /5 classes, data\.num_classes is 6; its prompts are shallow .*; it holds 4 prompt tokens per set, prompt\.length is 10/,
      );
      refused(
        () =>
          checkTrainedWeights(
            'w.pth',
            deepWeights(),
            loadExperiment(EXPERIMENT, ['prompt.method=linear', 'prompt.init=null']),
          ),
        /it holds 4 prompt tokens per set \(3 sets\), prompt\.method is linear, which uses no prompts/,
      );
      const { prompts: _, ...headOnly } = deepWeights();
      refused(
        () => checkTrainedWeights('w.pth', headOnly, loadExperiment(EXPERIMENT)),
        /it holds no prompts \(a linear-probe head\), prompt\.method is vpt with prompt\.length 4/,
      );
    });
  });
});
