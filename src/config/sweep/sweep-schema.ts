/**
 * THE sweep schema (`*.sweep.yaml`), written with the experiment schema's DSL so that the CLI, the
 * language server (validation, hover, completion) and the generated JSON Schema agree. Override keys
 * (grid, list, tasks) are config key paths of the experiment file; their values are checked against
 * the experiment schema by ./sweep-file.ts, not here.
 */
import { LIMITS } from '../experiment-schema';
import { any, enm, type Infer, int, list, obj, record, str } from '../schema-dsl';

/** Folder-safe names (task names, the sweep name): they become folders of the sweep. */
export const SWEEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The sweep's name when the file gives none: the file name without `.sweep.yaml` (folder-safe). */
export function defaultSweepName(file: string | undefined): string {
  const base = (file ?? '').split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.sweep\.ya?ml$/i, '').replace(/\.ya?ml$/i, '');
  const safe = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return safe && SWEEP_NAME.test(safe) ? safe : 'sweep';
}

const overrideValue = any(
  "A value of the key's type in the experiment schema (checked against it): a number, a string, null, true/false or an {inline: mapping}.",
);

export const sweepSchema = obj(
  {
    experiment: str('The experiment file (`*.spt.yaml`) this sweep varies, relative to this file.', {
      path: 'file',
      example: './default.spt.yaml',
    }),
    name: str(
      "Sweep name: its runs go to `<experiment output.dir>/sweeps/<name>/`. Default: this file's name without `.sweep.yaml`.",
      { pattern: SWEEP_NAME, example: 'lr-grid' },
    ),
    grid: record(
      list(overrideValue, 'The values to try for this key.', { minItems: 1 }),
      'Config keys of the experiment and the values to try: every combination runs (the cartesian product), for example `train.lr: [1e-3, 1e-2]`.',
      {
        keyDoc:
          'A config key path of the experiment (train.lr, train.weight_decay, prompt.length, seed, ...).',
        example: { 'train.lr': [0.001, 0.01], 'train.weight_decay': [0, 0.01] },
      },
    ),
    list: list(
      record(overrideValue, 'One set of overrides: config key path -> value.'),
      'Explicit override sets, for combinations a grid cannot express; each set is combined with every grid point.',
      { minItems: 1, example: [{ 'prompt.method': 'vpt', 'prompt.init': 'xavier' }] },
    ),
    tasks: record(
      record(
        overrideValue,
        "This task's overrides: config key path -> value (e.g. data.root, data.num_classes).",
      ),
      'Named tasks (datasets): each runs the whole grid, and a setting is chosen for each task on its own. Default: one task, the experiment as written, named after it.',
      {
        keyPattern: SWEEP_NAME,
        keyDoc: 'The task name (a folder of the sweep).',
        example: { cub: { 'data.root': './data/CUB_200_2011', 'data.num_classes': 200 } },
      },
    ),
    select: obj(
      {
        metric: enm(
          ['val_acc'],
          'What the setting is chosen on: validation accuracy (summary.json `val_acc`, the best epoch on val). Test is never used for selection.',
          {
            default: 'val_acc',
            valueDocs: { val_acc: 'Best validation accuracy of the run, averaged over its seeds.' },
          },
        ),
        mode: enm(['max', 'min'], 'Whether the largest or the smallest value wins.', {
          default: 'max',
        }),
      },
      "How each task's setting is chosen: on the validation split only, never on test (spt-method.md section 5). Ties go to the setting written first.",
    ),
    final: obj(
      {
        seeds: list(
          int('A seed.', {
            min: 0,
            max: LIMITS.seed,
            maxWhy: 'the random number generator takes 32-bit seeds',
          }),
          'Seeds of the final runs of the chosen setting.',
          {
            default: [],
            example: [0, 1, 2],
          },
        ),
      },
      "Final re-runs of each task's chosen setting with several seeds; the table reports their test accuracy as mean ± std. Without seeds, the table reports the chosen setting's search runs.",
    ),
  },
  'An SPT Studio sweep: a grid over an experiment, selection on val per task, final seeds.',
  { required: ['experiment'] },
);

export type SweepConfig = Infer<typeof sweepSchema>;
