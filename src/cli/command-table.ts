/**
 * Every `spt` command: its flags, its help (usage lines first, then what it does, its options and
 * examples) and how its parsed arguments reach the command. Flags are parsed per command, so a flag
 * of another command, a flag without its value or a stray argument is an argument error (exit 2)
 * that names it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '../config/validate-config';
import { UsageError } from './exit-codes';
import {
  demoHelp,
  doctorHelp,
  evalHelp,
  initHelp,
  lspHelp,
  predictHelp,
  sweepHelp,
  sweepTaskHelp,
  trainHelp,
  validateHelp,
} from './help-texts';

type Options = NonNullable<ParseArgsConfig['options']>;
export type ArgValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandSpec {
  /** One line for the command list of `spt --help`. */
  summary: string;
  /** `spt <command> --help`: usage line(s), a blank line, then the rest. */
  help: string;
  options: Options;
  /** How many positional arguments it takes at most. */
  positionals: number;
  /** Not listed in `spt --help` (run by other programs). */
  hidden?: boolean;
  /** Arguments are passed through unparsed (the language server reads its own). */
  raw?: boolean;
  /** Loads the command's module (only now: `spt --help` or `spt lsp` load no TensorFlow) and runs it. */
  run(positionals: string[], values: ArgValues): Promise<number>;
}

const str = (v: ArgValues, k: string) => v[k] as string | undefined;
const bool = (v: ArgValues, k: string) => v[k] === true;
const list = (v: ArgValues, k: string) => (v[k] as string[] | undefined) ?? [];

const SET: Options = { set: { type: 'string', multiple: true } };
const JSON_FLAG: Options = { json: { type: 'boolean' } };
const COMMON: Options = {
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
};

export const COMMANDS: Record<string, CommandSpec> = {
  init: {
    summary: 'create an experiment file from a template (those of VS Code\'s "SPT: New Experiment")',
    help: initHelp,
    options: {
      template: { type: 'string', short: 't' },
      dir: { type: 'string' },
      checkpoint: { type: 'string' },
      data: { type: 'string' },
      force: { type: 'boolean' },
    },
    positionals: 1,
    run: async (p, v) =>
      (await import('./commands/init')).initCommand(p[0], {
        template: str(v, 'template'),
        dir: str(v, 'dir'),
        checkpoint: str(v, 'checkpoint'),
        data: str(v, 'data'),
        force: bool(v, 'force'),
      }),
  },
  demo: {
    summary: 'the default experiment (npm start): linear, VPT and SPT x 3 seeds, then the results table',
    help: demoHelp,
    options: { parallel: { type: 'string' }, ...SET },
    positionals: 0,
    run: async (_p, v) =>
      (await import('./commands/demo')).demoCommand({
        parallel: str(v, 'parallel'),
        set: list(v, 'set'),
        verbose: bool(v, 'verbose'),
      }),
  },
  train: {
    summary: 'train an experiment into a run folder, or continue a run (--resume)',
    help: trainHelp,
    options: { resume: { type: 'string' }, ...SET, ...JSON_FLAG },
    positionals: 1,
    run: async (p, v) => {
      if (p[0] !== undefined && str(v, 'resume') !== undefined)
        throw new UsageError(
          `give the experiment file or --resume <run folder>, not both (a resumed run uses its saved config.yaml)`,
        );
      return (await import('./commands/train')).trainCommand(p[0], {
        resume: str(v, 'resume'),
        set: list(v, 'set'),
        json: bool(v, 'json'),
        verbose: bool(v, 'verbose'),
      });
    },
  },
  eval: {
    summary: "evaluate a run's best (val-chosen) checkpoint on a split",
    help: evalHelp,
    options: { split: { type: 'string' }, ...JSON_FLAG },
    positionals: 1,
    run: async (p, v) =>
      (await import('./commands/eval')).evalCommand(p[0], {
        split: str(v, 'split'),
        json: bool(v, 'json'),
        verbose: bool(v, 'verbose'),
      }),
  },
  predict: {
    summary: 'logits and predicted class for every image of a list, as JSON lines',
    help: predictHelp,
    options: {
      images: { type: 'string' },
      weights: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      'batch-size': { type: 'string' },
      ...SET,
    },
    positionals: 1,
    run: async (p, v) =>
      (await import('./commands/predict')).predictCommand(p[0], {
        images: str(v, 'images'),
        weights: str(v, 'weights'),
        out: str(v, 'out'),
        force: bool(v, 'force'),
        'batch-size': str(v, 'batch-size'),
        set: list(v, 'set'),
        verbose: bool(v, 'verbose'),
      }),
  },
  sweep: {
    summary: 'a hyper-parameter sweep: grid, selection on val, final seeds (locally or on Slurm)',
    help: sweepHelp,
    options: {
      parallel: { type: 'string' },
      'dry-run': { type: 'boolean' },
      ...JSON_FLAG,
      events: { type: 'boolean' },
      slurm: { type: 'boolean' },
      partition: { type: 'string' },
      gres: { type: 'string' },
      time: { type: 'string' },
      account: { type: 'string' },
      'max-concurrent': { type: 'string' },
      'cpus-per-task': { type: 'string' },
      poll: { type: 'string' },
      'no-wait': { type: 'boolean' },
      'resubmit-failed': { type: 'boolean' },
    },
    positionals: 1,
    run: async (p, v) =>
      (await import('./commands/sweep')).sweepCommand(p[0], {
        parallel: str(v, 'parallel'),
        dryRun: bool(v, 'dry-run'),
        json: bool(v, 'json'),
        events: bool(v, 'events'),
        verbose: bool(v, 'verbose'),
        slurm: bool(v, 'slurm'),
        partition: str(v, 'partition'),
        gres: str(v, 'gres'),
        time: str(v, 'time'),
        account: str(v, 'account'),
        maxConcurrent: str(v, 'max-concurrent'),
        cpusPerTask: str(v, 'cpus-per-task'),
        poll: str(v, 'poll'),
        noWait: bool(v, 'no-wait'),
        resubmitFailed: bool(v, 'resubmit-failed'),
      }),
  },
  'sweep-task': {
    summary: "one run of a sweep's Slurm job array",
    help: sweepTaskHelp,
    options: {},
    positionals: 2,
    hidden: true,
    run: async (p, v) =>
      (await import('./commands/sweep')).sweepTaskCommand(p[0], p[1], { verbose: bool(v, 'verbose') }),
  },
  validate: {
    summary: 'check an experiment or sweep file: every problem, with file:line:column',
    help: validateHelp,
    options: { ...SET, ...JSON_FLAG, 'no-files': { type: 'boolean' } },
    positionals: 1,
    run: async (p, v) =>
      (await import('./commands/validate')).validateCommand(p[0], {
        set: list(v, 'set'),
        files: !bool(v, 'no-files'),
        json: bool(v, 'json'),
      }),
  },
  doctor: {
    summary: 'which compute backends load here, and why not',
    help: doctorHelp,
    options: { ...JSON_FLAG },
    positionals: 0,
    run: async (_p, v) => (await import('./commands/doctor')).doctorCommand({ json: bool(v, 'json') }),
  },
  lsp: {
    summary: 'the experiment-file language server, for editors other than VS Code (--stdio)',
    get help() {
      return lspHelp(__filename);
    },
    options: {},
    positionals: 0,
    raw: true,
    run: async () => {
      const { startServer } = await import('../server/server');
      startServer();
      return new Promise<number>(() => {}); // runs until the client exits
    },
  },
};

/** The usage line(s): the help up to its first blank line, without the `usage: ` prefix. */
export function usageOf(spec: CommandSpec): string {
  return spec.help.split('\n\n')[0].replace(/^usage: /, '');
}

export function globalHelp(): string {
  const names = Object.keys(COMMANDS).filter((n) => !COMMANDS[n].hidden);
  const w = Math.max(...names.map((n) => n.length));
  return `spt ${version()}: SPT Studio's command line (Self-Prompt Tuning of frozen Vision Transformers)

usage: spt <command> [arguments] [--verbose]
       spt <command> --help     that command's options and examples
       spt --version

Commands:
${names.map((n) => `  ${n.padEnd(w)}  ${COMMANDS[n].summary}`).join('\n')}

Exit codes: 0 ok, 1 the run failed, 2 bad input (config, data, checkpoint, arguments).
New here? spt init my-experiment   (or: spt demo, the default experiment)`;
}

/** The package version (package.json beside dist/ or src/). */
export function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    if (typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    if (typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return 'unknown';
}

/** Which other command takes this flag (for "it is an option of spt predict"). */
function ownerOf(flag: string, except: string): string | undefined {
  return Object.keys(COMMANDS).find(
    (n) => n !== except && !COMMANDS[n].hidden && flag in COMMANDS[n].options,
  );
}

/**
 * Parses `args` against the command's flags (strict). Returns 'help' for --help / -h; throws a
 * UsageError that names the problem for an unknown flag, a missing or unexpected value, or a
 * stray argument.
 */
export function parseCommandArgs(
  name: string,
  spec: CommandSpec,
  args: string[],
): { positionals: string[]; values: ArgValues } | 'help' {
  const dashdash = args.indexOf('--');
  const flags = dashdash < 0 ? args : args.slice(0, dashdash);
  if (flags.includes('--help') || flags.includes('-h')) return 'help';
  if (spec.raw) return { positionals: [], values: {} };
  const options = { ...spec.options, ...COMMON };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw argumentError(name, options, err);
  }
  if (parsed.positionals.length > spec.positionals) {
    const extra = parsed.positionals[spec.positionals];
    throw new UsageError(
      spec.positionals === 0
        ? `spt ${name} takes no arguments, got '${extra}'`
        : `unexpected argument '${extra}' (spt ${name} takes ${spec.positionals === 1 ? 'one' : spec.positionals})`,
    );
  }
  const values = parsed.values as ArgValues;
  for (const o of list(values, 'set'))
    if (!(o.indexOf('=') > 0))
      throw new UsageError(`--set expects key=value (for example --set train.lr=0.01), got '--set ${o}'`);
  return { positionals: parsed.positionals, values };
}

function argumentError(name: string, options: Options, err: unknown): unknown {
  const code = (err as { code?: string }).code ?? '';
  const msg = (err as Error).message ?? String(err);
  const quoted = /'([^']+)'/.exec(msg)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = quoted.replace(/^-+/, '').split('=')[0];
    const near = didYouMean(flag, Object.keys(options));
    const owner = ownerOf(flag, name);
    const hint = near ? ` (did you mean --${near}?)` : owner ? ` (it is an option of spt ${owner})` : '';
    return new UsageError(`unknown option '${quoted}' for spt ${name}${hint}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const given = quoted.split(' ')[0];
    const flag = given.startsWith('--')
      ? given.slice(2)
      : (Object.entries(options).find(([, o]) => `-${o.short}` === given)?.[0] ?? given);
    return new UsageError(
      options[flag]?.type === 'boolean' ? `--${flag} takes no value` : `--${flag} needs a value`,
    );
  }
  if (code.startsWith('ERR_PARSE_ARGS')) return new UsageError(msg);
  return err;
}
