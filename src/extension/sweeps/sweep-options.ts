/**
 * The pure part of "SPT: Run Sweep": whether Slurm is here (sbatch on PATH), the Slurm options a user
 * types (checked against what `spt sweep --slurm` takes), and the CLI arguments. No `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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
