/** The default experiment's grid: four methods (spec section 9's comparison) x three seeds. */
import { type Method, methodHasPrompts, type PromptInit } from '../../config/methods';

export interface DemoVariant {
  key: string;
  label: string;
  overrides: string[];
}

export const DEMO_VARIANTS: DemoVariant[] = [
  { key: 'linear', label: 'linear probe', overrides: methodOverrides('linear', null) },
  { key: 'vpt', label: 'VPT-deep (xavier)', overrides: methodOverrides('vpt', 'xavier') },
  { key: 'spt-random', label: 'SPT-deep (random)', overrides: methodOverrides('spt', 'random') },
  { key: 'spt-mean', label: 'SPT-deep (mean)', overrides: methodOverrides('spt', 'mean') },
];

/** The overrides that select a method and its initialiser; a method without prompts also sets no prompts. */
function methodOverrides(method: Method, init: PromptInit | null): string[] {
  if (!methodHasPrompts(method)) return [`prompt.method=${method}`, 'prompt.length=0', 'prompt.init=null'];
  return [`prompt.method=${method}`, `prompt.init=${init}`];
}

export const DEMO_SEEDS = [0, 1, 2];
