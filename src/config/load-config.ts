/**
 * Experiment file -> resolved, typed config, or a ConfigError that lists every problem with its
 * file, line and column. Relative paths resolve against the experiment file's folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Document, isMap, LineCounter, parseDocument } from 'yaml';
import { type ViTConfig, vitConfig } from './architectures';
import { type ExperimentConfig, experimentSchema } from './experiment-schema';
import { initHint } from './experiment-templates';
import { effectiveInit, methodHasPrompts } from './methods';
import { attributeToOverrides, OverrideError, problemWhere } from './override-source';
import { archSize, type PartialConfig, semanticProblems } from './semantic-rules';
import { type ConfigProblem, validateAgainstSchema } from './validate-config';
import { parseYamlDocument } from './yaml-depth';

export interface LocatedProblem extends ConfigProblem {
  /** 1-based. */
  line: number;
  column: number;
  /** The `--set` argument (`key=value`) that caused the problem, when an override did. */
  override?: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: LocatedProblem[],
  ) {
    super(
      `${file}: ${problems.filter((p) => p.severity === 'error').length} problem(s)\n${problems
        .map((p) => `  ${problemWhere(file, p)}: ${p.severity}: ${p.message}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface ParsedExperiment {
  config?: ExperimentConfig;
  problems: LocatedProblem[];
  doc: Document;
  lineCounter: LineCounter;
}

/** Parses and validates experiment text (pure; used by the language server too). */
export function parseExperiment(text: string, overrides: string[] = []): ParsedExperiment {
  const lineCounter = new LineCounter();
  const doc = parseYamlDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const locate = (p: ConfigProblem): LocatedProblem => {
    const { line, col } = lineCounter.linePos(p.range[0]);
    return { ...p, line, column: col };
  };
  const syntax: ConfigProblem[] = [...doc.errors, ...doc.warnings].map((e) => ({
    path: [],
    message: `YAML ${e.name === 'YAMLWarning' ? 'warning' : 'syntax error'}: ${e.message.split('\n')[0]}`,
    severity: e.name === 'YAMLWarning' ? 'warning' : 'error',
    range: [e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)],
    code: e.code,
  }));
  if (syntax.some((p) => p.severity === 'error')) return { problems: syntax.map(locate), doc, lineCounter };
  for (const o of overrides) applyOverride(doc, o);
  const { value, problems } = validateAgainstSchema(doc, experimentSchema);
  // Every cross-field rule whose fields are valid runs, whatever else is wrong (see semantic-rules.ts).
  const all = [...syntax, ...problems, ...semanticProblems((value ?? {}) as PartialConfig, doc)];
  return {
    config: all.some((p) => p.severity === 'error') ? undefined : (value as ExperimentConfig),
    problems: attributeToOverrides(all.map(locate), overrides),
    doc,
    lineCounter,
  };
}

/**
 * `--set train.lr=0.01`: the value is parsed as YAML (numbers, null, strings, {inline: maps}). Missing
 * mappings on the way are created (so the schema then reports an unknown key by its name); a key path
 * through something that is not a mapping is an error that says so.
 */
export function applyOverride(doc: Document, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq < 1)
    throw new OverrideError(`--set expects key=value (for example train.lr=0.01), got '${assignment}'`);
  const keyPath = assignment.slice(0, eq).trim().split('.');
  if (keyPath.some((k) => !k.trim()))
    throw new OverrideError(`--set ${assignment}: the key path has an empty part (write it like train.lr)`);
  const value = parseDocument(assignment.slice(eq + 1)).toJS();
  if (doc.contents === null || doc.contents === undefined) doc.contents = doc.createNode({});
  let node: unknown = doc.contents;
  for (let i = 0; i < keyPath.length; i++) {
    const where = keyPath.slice(0, i).join('.') || 'the file';
    if (!isMap(node))
      throw new OverrideError(
        `--set ${assignment}: ${where} is not a mapping, so it has no key '${keyPath[i]}'`,
      );
    const key = keyPath[i];
    const child = node.get(key, true);
    if (i === keyPath.length - 1 || child === undefined || child === null) {
      // The rest of the path becomes nested mappings around the value.
      const nested = keyPath.slice(i + 1).reduceRight<unknown>((v, k) => ({ [k]: v }), value);
      node.set(doc.createNode(key), doc.createNode(nested));
      return;
    }
    node = child;
  }
}

export interface ResolvedExperiment {
  file: string;
  config: ExperimentConfig;
  vit: ViTConfig;
  /** The initialiser used (method default when not written), or null (linear, full). */
  init: string | null;
  /** Prompt tokens per set actually used (0 for linear). */
  promptLength: number;
  paths: { checkpoint: string | null; dataRoot: string; outputDir: string };
  warnings: LocatedProblem[];
}

export function resolveExperiment(
  file: string,
  config: ExperimentConfig,
  warnings: LocatedProblem[] = [],
): ResolvedExperiment {
  const dir = path.dirname(path.resolve(file));
  const arch = config.backbone.arch;
  const size = archSize(arch);
  const vit = vitConfig(
    typeof arch === 'string'
      ? arch
      : {
          embed_dim: size.dim,
          depth: size.depth,
          num_heads: size.heads,
          patch_size: size.patch,
          image_size: size.image,
        },
    config.data.image_size ?? size.image,
  );
  return {
    file: path.resolve(file),
    config,
    vit,
    init: effectiveInit(config),
    promptLength: methodHasPrompts(config.prompt.method) ? config.prompt.length : 0,
    paths: {
      checkpoint: config.backbone.checkpoint === null ? null : path.resolve(dir, config.backbone.checkpoint),
      dataRoot: path.resolve(dir, config.data.root),
      outputDir: path.resolve(dir, config.output.dir),
    },
    warnings,
  };
}

/** The text of an experiment (or sweep) file; a ConfigError that says how to fix a missing one. */
export function readExperimentText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    const why = missing ? 'file not found' : (err as Error).message;
    throw new ConfigError(file, [
      {
        path: [],
        message: missing ? `${why}; check the path, or ${initHint(file)}` : why,
        severity: 'error',
        range: [0, 0],
        line: 1,
        column: 1,
      },
    ]);
  }
}

/** Reads, validates and resolves an experiment file; throws ConfigError listing every problem. */
export function loadExperiment(file: string, overrides: string[] = []): ResolvedExperiment {
  const parsed = parseExperiment(readExperimentText(file), overrides);
  if (!parsed.config) throw new ConfigError(file, parsed.problems);
  return resolveExperiment(
    file,
    parsed.config,
    parsed.problems.filter((p) => p.severity === 'warning'),
  );
}
