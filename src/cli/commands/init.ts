/**
 * `spt init`: a new experiment file from one of the templates that VS Code's "SPT: New Experiment"
 * uses (examples/templates/, rendered by the same code), with its name, checkpoint and dataset
 * folder set. Never replaces a file unless --force.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  renderTemplate,
  TEMPLATES,
  templatesDir,
  validateExperimentName,
} from '../../config/experiment-templates';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { UsageError } from '../exit-codes';
import { DEFAULT_TEMPLATE } from '../help-texts';
import { cliLogger } from '../log';

const ids = TEMPLATES.map((t) => t.id);

/** The package root: dist/cli.js -> <package>/ (examples/templates/ is shipped beside dist/). */
function packageRoot(): string {
  return path.join(__dirname, '..');
}

export async function initCommand(
  name: string | undefined,
  args: { template?: string; dir?: string; checkpoint?: string; data?: string; force: boolean },
): Promise<number> {
  const log = cliLogger(false);
  const id = args.template ?? DEFAULT_TEMPLATE;
  const template = TEMPLATES.find((t) => t.id === id);
  if (!template) throw new UsageError(`--template: no template '${id}' (templates: ${ids.join(', ')})`);
  const expName = (name ?? template.id).trim();
  const bad = validateExperimentName(expName);
  if (bad) throw new UsageError(`the name '${expName}': ${bad}`);
  const dir = path.resolve(args.dir ?? '.');
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory())
    throw new UsageError(`--dir ${args.dir}: not a folder`);
  const file = path.join(dir, `${expName}.spt.yaml`);
  const shown = path.relative(process.cwd(), file) || file;
  const existing = fs.statSync(file, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new UsageError(`${shown} is a folder; choose another name`);
  if (existing && !args.force)
    throw new UsageError(`${shown} exists; choose another name or add --force to replace it`);
  for (const [flag, p, kind] of [
    ['--checkpoint', args.checkpoint, 'file'],
    ['--data', args.data, 'folder'],
  ] as const)
    if (p !== undefined && !fs.existsSync(p))
      log('warn', `${flag} ${p}: no such ${kind} yet (written anyway; spt validate checks it again)`);

  const source = path.join(templatesDir(packageRoot()), template.file);
  let text: string;
  try {
    text = fs.readFileSync(source, 'utf8');
  } catch (err) {
    throw new Error(
      `the template ${source} cannot be read (${(err as Error).message}); reinstall SPT Studio`,
    );
  }
  const out = renderTemplate(text, {
    name: expName,
    checkpoint: args.checkpoint === undefined ? undefined : path.resolve(args.checkpoint),
    dataRoot: args.data === undefined ? undefined : path.resolve(args.data),
    targetDir: dir,
  });
  writeFileAtomic(file, out);
  log('info', `wrote ${shown} (template ${template.id}: ${template.label})`);
  const todo = [
    args.checkpoint === undefined && 'backbone.checkpoint',
    args.data === undefined && 'data.root',
  ].filter(Boolean);
  if (todo.length)
    log(
      'info',
      `edit ${todo.join(' and ')}: the template's placeholder${todo.length > 1 ? 's are' : ' is'} kept`,
    );
  log('info', `next: spt validate ${shown}, then spt train ${shown}`);
  return 0;
}
