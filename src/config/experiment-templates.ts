/**
 * The experiment templates (examples/templates/) and how one becomes `<name>.spt.yaml`: the name,
 * checkpoint and dataset folder set, comments kept. Shared by the extension's New Experiment command
 * and `spt init`. Pure Node: no `vscode`, no TensorFlow.
 */
import * as path from 'node:path';
import { parseDocument } from 'yaml';

export interface ExperimentTemplate {
  id: string;
  label: string;
  detail: string;
  /** The file under examples/templates/. */
  file: string;
}

export const TEMPLATES: readonly ExperimentTemplate[] = [
  {
    id: 'spt-deep',
    label: 'SPT-deep',
    detail: 'Self-prompt tuning: prompts in every block, initialised from the backbone (kmeans)',
    file: 'spt-deep.spt.yaml',
  },
  {
    id: 'spt-shallow',
    label: 'SPT-shallow',
    detail: 'Self-prompt tuning: prompts before the first block only',
    file: 'spt-shallow.spt.yaml',
  },
  {
    id: 'vpt-deep',
    label: 'VPT-deep',
    detail: 'Visual prompt tuning: xavier-initialised prompts in every block',
    file: 'vpt-deep.spt.yaml',
  },
  {
    id: 'linear-probe',
    label: 'Linear probe',
    detail: 'Only the classification head is trained (the baseline)',
    file: 'linear-probe.spt.yaml',
  },
];

/** The templates folder of an installed package (its root holds examples/templates/). */
export function templatesDir(packageRoot: string): string {
  return path.join(packageRoot, 'examples', 'templates');
}

/** Null when the name is usable as an experiment and file name, else why not. */
export function validateExperimentName(name: string): string | null {
  const n = name.trim();
  if (!n) return 'Give the experiment a name';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n))
    return 'Use letters, digits, dots, dashes and underscores (no spaces or slashes)';
  if (n.length > 100) return 'At most 100 characters';
  return null;
}

/** A path as the experiment file should hold it: relative to its folder when inside it, `/` separated. */
export function relativeForYaml(fromDir: string, target: string): string {
  const rel = path.relative(fromDir, target);
  if (!rel) return '.';
  if (rel.startsWith('..') || path.isAbsolute(rel)) return target.split(path.sep).join('/');
  return `./${rel.split(path.sep).join('/')}`;
}

export interface TemplateValues {
  name: string;
  /** Absolute path of the backbone checkpoint (kept as in the template when absent). */
  checkpoint?: string;
  /** Absolute path of the dataset folder (kept as in the template when absent). */
  dataRoot?: string;
  /** The folder the new file is written to (paths are made relative to it). */
  targetDir: string;
}

/** The template's text with name, backbone.checkpoint and data.root set; comments are kept. */
export function renderTemplate(text: string, values: TemplateValues): string {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`the template does not parse: ${doc.errors[0].message}`);
  doc.set('name', values.name.trim());
  if (values.checkpoint)
    doc.setIn(['backbone', 'checkpoint'], relativeForYaml(values.targetDir, values.checkpoint));
  if (values.dataRoot) doc.setIn(['data', 'root'], relativeForYaml(values.targetDir, values.dataRoot));
  return doc.toString({ lineWidth: 0 });
}

const shellWord = (s: string) => (/^[\w./@%+:=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The `spt init` command line that creates `file` from a template (`x/my.spt.yaml` ->
 * `spt init my --dir x`), or a general hint when the file name does not fit a template's
 * `<name>.spt.yaml`.
 */
export function initHint(file: string): string {
  const base = path.basename(file);
  const m = /^(.+)\.spt\.yaml$/.exec(base);
  if (!m || validateExperimentName(m[1]) !== null)
    return 'create an experiment file from a template with `spt init <name>` (it writes <name>.spt.yaml; `spt init --help` lists the templates)';
  const dir = path.dirname(file);
  return `create it from a template with \`spt init ${m[1]}${dir === '.' ? '' : ` --dir ${shellWord(dir)}`}\` (\`spt init --help\` lists the templates)`;
}
