/**
 * The `spt` command line. Exit codes: 0 ok, 1 the run failed, 2 bad input.
 * Logs go to stderr; stdout carries only results (tables, JSON).
 */
import { parseArgs } from 'node:util';
import { demoCommand, demoHelp } from './commands/demo';
import { doctorCommand, doctorHelp } from './commands/doctor';
import { evalCommand, evalHelp } from './commands/eval';
import { predictCommand, predictHelp } from './commands/predict';
import { sweepCommand, sweepHelp, sweepTaskCommand } from './commands/sweep';
import { trainCommand, trainHelp } from './commands/train';
import { validateCommand, validateHelp } from './commands/validate';
import { EXIT, exitCodeFor, UsageError } from './exit-codes';

const HELP = `spt: SPT Studio's command line (Self-Prompt Tuning of frozen Vision Transformers)

${demoHelp}

${trainHelp}

${evalHelp}

${sweepHelp}

${validateHelp}

${predictHelp}

${doctorHelp}

spt lsp --stdio
  The experiment-file language server, for editors other than VS Code.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      images: { type: 'string' },
      weights: { type: 'string' },
      resume: { type: 'string' },
      split: { type: 'string' },
      parallel: { type: 'string' },
      out: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      'batch-size': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      slurm: { type: 'boolean', default: false },
      partition: { type: 'string' },
      gres: { type: 'string' },
      time: { type: 'string' },
      account: { type: 'string' },
      'max-concurrent': { type: 'string' },
      'cpus-per-task': { type: 'string' },
      poll: { type: 'string' },
      'no-wait': { type: 'boolean', default: false },
      'resubmit-failed': { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      stdio: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (!command || command === 'help' || command === '--help' || command === '-h' || values.help) {
    process.stdout.write(`${HELP}\n`);
    return command ? EXIT.ok : EXIT.badInput;
  }
  switch (command) {
    case 'doctor':
      return doctorCommand({ json: values.json ?? false });
    case 'predict':
      return predictCommand(positionals[0], {
        ...values,
        set: values.set ?? [],
        verbose: values.verbose ?? false,
      });
    case 'train':
      return trainCommand(positionals[0], {
        resume: values.resume,
        set: values.set ?? [],
        json: values.json ?? false,
        verbose: values.verbose ?? false,
      });
    case 'demo':
      return demoCommand({
        parallel: values.parallel,
        set: values.set ?? [],
        verbose: values.verbose ?? false,
      });
    case 'eval':
      return evalCommand(positionals[0], {
        split: values.split,
        json: values.json ?? false,
        verbose: values.verbose ?? false,
      });
    case 'sweep':
      return sweepCommand(positionals[0], {
        parallel: values.parallel,
        dryRun: values['dry-run'] ?? false,
        json: values.json ?? false,
        verbose: values.verbose ?? false,
        slurm: values.slurm ?? false,
        partition: values.partition,
        gres: values.gres,
        time: values.time,
        account: values.account,
        maxConcurrent: values['max-concurrent'],
        cpusPerTask: values['cpus-per-task'],
        poll: values.poll,
        noWait: values['no-wait'] ?? false,
        resubmitFailed: values['resubmit-failed'] ?? false,
      });
    case 'sweep-task':
      return sweepTaskCommand(positionals[0], positionals[1], { verbose: values.verbose ?? false });
    case 'validate':
      return validateCommand(positionals[0], { set: values.set ?? [] });
    case 'lsp': {
      const { startServer } = await import('../server/server');
      startServer();
      return new Promise<number>(() => {}); // runs until the client exits
    }
    default:
      throw new UsageError(`unknown command '${command}'\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const code = exitCodeFor(err);
    const message =
      err instanceof Error
        ? code === EXIT.failed && process.env.SPT_DEBUG
          ? err.stack
          : err.message
        : String(err);
    process.stderr.write(`spt: ${message}\n`);
    process.exitCode = code;
  },
);
