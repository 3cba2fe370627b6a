import { loadExperiment } from '../../config/load-config';
import { loadSweep } from '../../config/sweep/sweep-file';
import { EXIT, UsageError } from '../exit-codes';
import { formatEntry, validateFile } from './validate-file';

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
