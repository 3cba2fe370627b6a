/**
 * A run's own config.yaml as the dashboard needs it: the text, the parsed value, and where its data
 * lives (format, root, splits). Pure Node: no `vscode`, no TensorFlow.
 */

import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readRunConfigText } from '../../run-folder/run-files';

export interface RunConfig {
  /** config.yaml as written, or null when it cannot be read. */
  text: string | null;
  /** The parsed mapping, or null. */
  value: Record<string, unknown> | null;
  /** Why text or value is null. */
  error?: string;
}

export function readRunConfig(runDir: string): RunConfig {
  let text: string;
  try {
    text = readRunConfigText(runDir);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return { text: null, value: null, error: missing ? 'config.yaml is missing' : (err as Error).message };
  }
  try {
    const value = parseYaml(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value))
      return { text, value: value as Record<string, unknown> };
    return { text, value: null, error: 'config.yaml is not a mapping' };
  } catch (err) {
    return { text, value: null, error: `config.yaml does not parse: ${(err as Error).message}` };
  }
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const int = (v: unknown): number | null => (Number.isInteger(v) ? (v as number) : null);

/** A config value at `a.b.c`, or undefined. */
export function configAt(value: Record<string, unknown> | null, key: string): unknown {
  let v: unknown = value;
  for (const k of key.split('.')) v = obj(v)[k];
  return v;
}

export interface RunData {
  format: string;
  /** Absolute data root (a relative one is taken relative to the run folder). */
  root: string;
  train: string | null;
  val: string | null;
  numClasses: number | null;
}

/** The data section of a run's config, or null when it has no data root. */
export function runDataOf(runDir: string, config: Record<string, unknown> | null): RunData | null {
  const data = obj(config?.data);
  const root = str(data.root);
  if (!root) return null;
  return {
    format: str(data.format) ?? 'vtab',
    root: path.resolve(runDir, root),
    train: str(data.train),
    val: str(data.val),
    numClasses: int(data.num_classes),
  };
}

/** The model input grid from the config (when the run has no analysis to say so). */
export function gridOf(config: Record<string, unknown> | null): { grid: number; imageSize: number } | null {
  const imageSize =
    int(configAt(config, 'data.image_size')) ?? int(configAt(config, 'backbone.arch.image_size'));
  const patch = int(configAt(config, 'backbone.arch.patch_size'));
  if (!imageSize || !patch) return null;
  return { grid: Math.floor(imageSize / patch), imageSize };
}
