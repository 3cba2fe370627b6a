/**
 * The `spt` command line. Exit codes: 0 ok, 1 the run failed, 2 bad input (config, data, checkpoint,
 * arguments). Logs go to stderr; stdout carries only results (tables, JSON, help).
 * Each command parses its own flags (src/cli/command-table.ts); an argument error names the problem and
 * prints that command's usage line.
 */
import { COMMANDS, type CommandSpec, globalHelp, parseCommandArgs, usageOf, version } from './command-table';
import { EXIT, exitCodeFor, isArgumentError, UsageError } from './exit-codes';

let current: { name: string; spec: CommandSpec } | undefined;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`spt ${version()}\n`);
    return EXIT.ok;
  }
  if (command === '--help' || command === '-h') {
    process.stdout.write(`${globalHelp()}\n`);
    return EXIT.ok;
  }
  if (command === 'help') {
    const topic = rest[0];
    const spec = topic === undefined ? undefined : COMMANDS[topic];
    if (topic !== undefined && !spec) throw new UsageError(`no command '${topic}'\n\n${globalHelp()}`);
    process.stdout.write(`${spec ? spec.help : globalHelp()}\n`);
    return EXIT.ok;
  }
  if (!command) {
    process.stderr.write(`${globalHelp()}\n`);
    return EXIT.badInput;
  }
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!spec) throw new UsageError(`unknown command '${command}'\n\n${globalHelp()}`);
  current = { name: command, spec };
  const parsed = parseCommandArgs(command, spec, rest);
  if (parsed === 'help') {
    process.stdout.write(`${spec.help}\n`);
    return EXIT.ok;
  }
  return spec.run(parsed.positionals, parsed.values);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const code = exitCodeFor(err);
    let message =
      err instanceof Error
        ? code === EXIT.failed && process.env.SPT_DEBUG
          ? err.stack
          : err.message
        : String(err);
    if (current && isArgumentError(err))
      message += `\nusage: ${usageOf(current.spec)}\n(\`spt ${current.name} --help\` shows every option, with examples)`;
    process.stderr.write(`spt: ${message}\n`);
    process.exitCode = code;
  },
);
