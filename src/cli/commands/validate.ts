import { loadExperiment } from '../../engine/config/load-config';
import { UsageError } from '../exit-codes';

export const validateHelp = `spt validate <experiment.spt.yaml> [--set key=value ...]
  Checks the file against the schema and the cross-field rules; lists every problem with its line.`;

export async function validateCommand(file: string | undefined, args: { set: string[] }): Promise<number> {
  if (!file) throw new UsageError(`missing the experiment file\n${validateHelp}`);
  const exp = loadExperiment(file, args.set);
  for (const w of exp.warnings)
    process.stderr.write(`${file}:${w.line}:${w.column}: warning: ${w.message}\n`);
  process.stdout.write(
    `${file}: ok (${exp.config.prompt.method}, ${exp.config.prompt.mode} x ${exp.promptLength}, ${exp.vit.depth} blocks of width ${exp.vit.embedDim})\n`,
  );
  return 0;
}
