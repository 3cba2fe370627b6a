/** The default experiment's grid: four methods (spec section 9's comparison) x three seeds. */
export interface DemoVariant {
  key: string;
  label: string;
  overrides: string[];
}

export const DEMO_VARIANTS: DemoVariant[] = [
  {
    key: 'linear',
    label: 'linear probe',
    overrides: ['prompt.method=linear', 'prompt.length=0', 'prompt.init=null'],
  },
  { key: 'vpt', label: 'VPT-deep (xavier)', overrides: ['prompt.method=vpt', 'prompt.init=xavier'] },
  { key: 'spt-random', label: 'SPT-deep (random)', overrides: ['prompt.method=spt', 'prompt.init=random'] },
  { key: 'spt-mean', label: 'SPT-deep (mean)', overrides: ['prompt.method=spt', 'prompt.init=mean'] },
];

export const DEMO_SEEDS = [0, 1, 2];
