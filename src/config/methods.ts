/**
 * The methods table: what is trained, how prompts are placed and initialised, how the head pools. The
 * schema's enums are written from these lists, and `Method`, `PromptMode`, `PromptInit` and `Pool` are
 * derived from them, so the engine, the CLI, the language server and the dashboard name the same values.
 * Pure: no imports, safe for every bundle (the webview reaches it through src/shared).
 */

export const METHODS = ['spt', 'vpt', 'linear', 'full'] as const;
export type Method = (typeof METHODS)[number];

export const PROMPT_MODES = ['shallow', 'deep'] as const;
export type PromptMode = (typeof PROMPT_MODES)[number];

/** SPT's initialisers (from the training images' tokens). */
export const SPT_INITS = ['random', 'mean', 'max', 'kmeans'] as const;
/** VPT's initialiser. */
export const VPT_INITS = ['xavier'] as const;
export const PROMPT_INITS = [...SPT_INITS, ...VPT_INITS] as const;
export type PromptInit = (typeof PROMPT_INITS)[number];

export const POOLS = ['cls', 'mean'] as const;
export type Pool = (typeof POOLS)[number];

/**
 * Does this method train prompts? The linear probe trains the head only: its prompt length counts as 0
 * whatever is written. The one answer to the question, for every layer.
 */
export function methodHasPrompts(method: string | undefined): boolean {
  return method !== 'linear';
}

/** The initialiser actually used: the written one, or the method's default (none without prompts to initialise). */
export function effectiveInit(c: { prompt: { init: string | null; method: string } }): string | null {
  if (c.prompt.init) return c.prompt.init;
  if (c.prompt.method === 'spt') return 'random';
  if (c.prompt.method === 'vpt') return 'xavier';
  return null;
}
