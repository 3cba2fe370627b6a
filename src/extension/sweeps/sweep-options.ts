/**
 * The pure part of "SPT: Run Sweep": which files are sweeps, the sweep's name and folder, whether
 * Slurm is here (sbatch on PATH), the Slurm options a user types (checked against what
 * `spt sweep --slurm` takes), the CLI arguments, and what the end of the sweep says. No `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { defaultSweepName } from '../../config/sweep/sweep-schema';
import { experimentOutput } from '../experiments/experiment-templates';

export const SWEEP_GLOB = '**/*.sweep.yaml';
export const isSweepFile = (f: string): boolean => /\.sweep\.ya?ml$/i.test(f);

/**
 * The sweep's name and folder (`<experiment output.dir>/sweeps/<name>`), read without the engine's
 * schema (the extension host loads no more than it needs); the CLI checks the file itself.
 */
export function sweepFolder(file: string): { name: string; dir: string | null } {
  let v: { name?: unknown; experiment?: unknown } | null = null;
  try {
    v = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch {
    // the CLI reports it
  }
  const name = typeof v?.name === 'string' ? v.name : defaultSweepName(file);
  const out =
    typeof v?.experiment === 'string'
      ? experimentOutput(path.resolve(path.dirname(file), v.experiment))
      : null;
  return { name, dir: out ? path.join(out.dir, 'sweeps', name) : null };
}

/**
 * How a sweep's `spt sweep` ended, as the message after it: stopped by the user, done (exit 0), done
 * with failed runs (exit 1); any other exit is an error (null here: the command throws it).
 */
export function sweepEndMessage(
  name: string,
  ended: { aborted: boolean; code: number },
): { level: 'info' | 'warning'; text: string; actions: string[] } | null {
  if (ended.aborted)
    return { level: 'info', text: `SPT: sweep ${name} stopped; run it again to continue.`, actions: [] };
  if (ended.code === 0) return { level: 'info', text: `SPT: sweep ${name} done.`, actions: ['Open Results'] };
  if (ended.code === 1)
    return {
      level: 'warning',
      text: `SPT: sweep ${name} ended with failed runs.`,
      actions: ['Open Results', 'Show Logs'],
    };
  return null;
}

/** The executable `cmd` on PATH, or undefined. */
export function findOnPath(cmd: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of pathEnv.split(path.delimiter).filter(Boolean))
    for (const ext of exts) {
      const f = path.join(dir, cmd + ext);
      try {
        fs.accessSync(f, fs.constants.X_OK);
        if (fs.statSync(f).isFile()) return f;
      } catch {
        // next
      }
    }
  return undefined;
}

const VALUE_FLAGS = ['partition', 'gres', 'time', 'account', 'max-concurrent', 'cpus-per-task', 'poll'];
const BOOLEAN_FLAGS = ['resubmit-failed', 'no-wait'];

/** `--partition gpu --gres=gpu:1 --time 01:00:00 ...` -> CLI arguments, or what is wrong. */
export function parseSlurmOptions(text: string): { args: string[] } | { error: string } {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(words[i]);
    if (!m) return { error: `'${words[i]}' is not an option (write --name value)` };
    const [, name, inline] = m;
    if (BOOLEAN_FLAGS.includes(name)) {
      if (inline !== undefined) return { error: `--${name} takes no value` };
      args.push(`--${name}`);
      continue;
    }
    if (!VALUE_FLAGS.includes(name))
      return {
        error: `unknown option --${name}; use ${[...VALUE_FLAGS, ...BOOLEAN_FLAGS].map((f) => `--${f}`).join(', ')}`,
      };
    const value = inline ?? words[++i];
    if (value === undefined || value.startsWith('--')) return { error: `--${name} needs a value` };
    args.push(`--${name}`, value);
  }
  return { args };
}

export function sweepCliArgs(
  file: string,
  mode: { kind: 'local'; parallel: number } | { kind: 'slurm'; args: string[] },
): string[] {
  return mode.kind === 'local'
    ? ['sweep', file, '--parallel', String(mode.parallel), '--events']
    : ['sweep', file, '--slurm', ...mode.args];
}
