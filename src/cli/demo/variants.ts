/**
 * The default experiment's grid: five methods (spec section 9's comparison plus SPT's k-means init) x three
 * seeds. Each method trains at its own learning rate, chosen on val accuracy by
 * examples/default/methods.sweep.yaml (the sweep table is in docs/RESULTS.md); test never chose anything.
 */
import { type Method, methodHasPrompts, type PromptInit } from '../../config/methods';

export interface DemoVariant {
  key: string;
  label: string;
  overrides: string[];
}

/** The learning rates examples/default/methods.sweep.yaml chose on val (seed 0), per variant key. */
export const DEMO_LR: Record<string, number> = {
  linear: 0.03,
  vpt: 0.1,
  'spt-random': 0.03,
  'spt-mean': 0.1,
  'spt-kmeans': 0.1,
};

const lr = (key: string) => `train.lr=${DEMO_LR[key]}`;

export const DEMO_VARIANTS: DemoVariant[] = [
  { key: 'linear', label: 'linear probe', overrides: [...methodOverrides('linear', null), lr('linear')] },
  { key: 'vpt', label: 'VPT-deep (xavier)', overrides: [...methodOverrides('vpt', 'xavier'), lr('vpt')] },
  {
    key: 'spt-random',
    label: 'SPT-deep (random)',
    overrides: [...methodOverrides('spt', 'random'), lr('spt-random')],
  },
  {
    key: 'spt-mean',
    label: 'SPT-deep (mean)',
    overrides: [...methodOverrides('spt', 'mean'), lr('spt-mean')],
  },
  {
    key: 'spt-kmeans',
    label: 'SPT-deep (k-means)',
    overrides: [...methodOverrides('spt', 'kmeans'), lr('spt-kmeans')],
  },
];

/** The overrides that select a method and its initialiser; a method without prompts also sets no prompts. */
function methodOverrides(method: Method, init: PromptInit | null): string[] {
  if (!methodHasPrompts(method)) return [`prompt.method=${method}`, 'prompt.length=0', 'prompt.init=null'];
  return [`prompt.method=${method}`, `prompt.init=${init}`];
}

export const DEMO_SEEDS = [0, 1, 2];
