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
import { cliLogger } from '../log';

const DEFAULT_TEMPLATE = 'spt-deep';
const ids = TEMPLATES.map((t) => t.id);

export const initHelp = `usage: spt init [<name>] [--template ${ids.join('|')}] [--dir <folder>]
                [--checkpoint <file>] [--data <folder>] [--force]

Writes <dir>/<name>.spt.yaml from a template (the same ones as VS Code's "SPT: New Experiment"),
with its name, backbone checkpoint and dataset folder set; paths are written relative to the file.
Without --checkpoint or --data the template's placeholders stay: edit them before training.

Templates:
${TEMPLATES.map((t) => `  ${t.id.padEnd(14)}${t.detail}${t.id === DEFAULT_TEMPLATE ? ' (default)' : ''}`).join('\n')}

Options:
  -t, --template <id>     the template (default ${DEFAULT_TEMPLATE})
  --dir <folder>          where the file goes (default: the current folder)
  --checkpoint <file>     the pretrained backbone checkpoint (.pth, .safetensors, .npz, ...)
  --data <folder>         the dataset folder (data.root)
  --force                 replace an existing file of that name
  -h, --help              this help

Examples:
  spt init my-exp
  spt init birds --template vpt-deep --checkpoint ckpt/mae_pretrain_vit_base.pth --data data/cub
  spt init probe -t linear-probe --dir experiments`;

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
