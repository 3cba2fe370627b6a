import { loadExperiment } from '../../engine/config/load-config';
import { problemWhere } from '../../engine/config/override-source';
import { loadSweep } from '../../engine/sweep/sweep-file';
import { UsageError } from '../exit-codes';

export const validateHelp = `usage: spt validate <experiment.spt.yaml | file.sweep.yaml> [--set key=value ...]

Checks the file against the schema and the cross-field rules and lists every problem with its
file:line:column (a problem caused by a --set value names that --set argument). A sweep file is
checked with every override against the experiment's schema.

Options:
  --set key=value    override a field before checking (repeatable), as spt train would
  -h, --help         this help

Examples:
  spt validate examples/cub-spt-deep.spt.yaml
  spt validate my.spt.yaml --set prompt.method=vpt
  spt validate examples/default/default.sweep.yaml`;

export async function validateCommand(file: string | undefined, args: { set: string[] }): Promise<number> {
  if (!file) throw new UsageError('missing the experiment file');
  if (/\.sweep\.ya?ml$/i.test(file)) {
    const sweep = loadSweep(file);
    for (const w of sweep.warnings)
      process.stderr.write(`${file}:${w.line}:${w.column}: warning: ${w.message}\n`);
    process.stdout.write(
      `${file}: ok (${sweep.tasks.length} task(s) x ${sweep.spec.settings.length} setting(s), final seeds: ${sweep.spec.finalSeeds.join(', ') || 'none'})\n`,
    );
    return 0;
  }
  const exp = loadExperiment(file, args.set);
  for (const w of exp.warnings) process.stderr.write(`${problemWhere(file, w)}: warning: ${w.message}\n`);
  process.stdout.write(
    `${file}: ok (${exp.config.prompt.method}, ${exp.config.prompt.mode} x ${exp.promptLength}, ${exp.vit.depth} blocks of width ${exp.vit.embedDim})\n`,
  );
  return 0;
}
