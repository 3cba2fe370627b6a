import { loadExperiment } from '../../config/load-config';
import { loadSweep } from '../../engine/sweep/sweep-file';
import { EXIT, UsageError } from '../exit-codes';
import { formatEntry, validateFile } from './validate-file';

export const validateHelp = `usage: spt validate <experiment.spt.yaml | file.sweep.yaml> [--set key=value ...] [--no-files] [--json]

Checks the file as the editor does (the same codes, positions and messages): the schema, the
cross-field rules, values far from the published recipes, and the files it names (the checkpoint's
header against backbone.arch, the data root, the split files and their labels). Lists every problem
as file:line:column (a problem caused by a --set value names that --set argument). A sweep file is
checked with every override against the experiment's schema. Exit 2 when there is an error.

Options:
  --set key=value    override a field before checking (repeatable), as spt train would
  --no-files         skip the checks of the checkpoint, data root and split files
  --json             print {file, ok, errors, warnings, problems: [...]} on stdout
  -h, --help         this help

Examples:
  spt validate examples/cub-spt-deep.spt.yaml
  spt validate my.spt.yaml --set prompt.method=vpt
  spt validate my.spt.yaml --no-files --json
  spt validate examples/default/default.sweep.yaml`;

export interface ValidateArgs {
  set: string[];
  /** Check the files the experiment names (false with --no-files). */
  files: boolean;
  json: boolean;
}

export async function validateCommand(file: string | undefined, args: ValidateArgs): Promise<number> {
  if (!file) throw new UsageError('missing the experiment file');
  const sweep = /\.sweep\.ya?ml$/i.test(file);
  const report = validateFile(file, { fileChecks: args.files, overrides: sweep ? [] : args.set });
  const ok = report.errors === 0;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ...report, ok })}\n`);
    return ok ? EXIT.ok : EXIT.badInput;
  }
  for (const p of report.problems) process.stderr.write(`${formatEntry(file, p)}\n`);
  if (!ok) {
    process.stderr.write(
      `${file}: ${report.errors} error(s)${report.warnings ? `, ${report.warnings} warning(s)` : ''}\n`,
    );
    return EXIT.badInput;
  }
  if (sweep) {
    const s = loadSweep(file);
    process.stdout.write(
      `${file}: ok (${s.tasks.length} task(s) x ${s.spec.settings.length} setting(s), final seeds: ${s.spec.finalSeeds.join(', ') || 'none'})\n`,
    );
    return EXIT.ok;
  }
  const exp = loadExperiment(file, args.set);
  process.stdout.write(
    `${file}: ok (${exp.config.prompt.method}, ${exp.config.prompt.mode} x ${exp.promptLength}, ${exp.vit.depth} blocks of width ${exp.vit.embedDim})\n`,
  );
  return EXIT.ok;
}
