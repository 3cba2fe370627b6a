/**
 * Where an experiment file's runs go, read without the engine's validation (the templates themselves
 * and their rendering live in src/config/experiment-templates.ts, shared with `spt init`).
 * Pure Node: no `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** An experiment file's `name` and its absolute output.dir (default `runs`), or null when unreadable. */
export function experimentOutput(file: string): { name: string | null; dir: string } | null {
  try {
    const v = parseYaml(fs.readFileSync(file, 'utf8')) as {
      name?: unknown;
      output?: { dir?: unknown };
    } | null;
    const dir = typeof v?.output?.dir === 'string' ? v.output.dir : 'runs';
    return {
      name: typeof v?.name === 'string' ? v.name : null,
      dir: path.resolve(path.dirname(file), dir),
    };
  } catch {
    return null;
  }
}
