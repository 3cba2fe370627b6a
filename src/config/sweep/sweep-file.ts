/**
 * Sweep file (`*.sweep.yaml`) -> a checked sweep, or every problem with its exact range: the sweep
 * schema, every override key against the experiment schema (an unknown key marks the key, with a
 * did-you-mean), every override value against that key's field, keys set twice, and every expanded
 * configuration (task x setting) through the experiment's own validation. Pure but for reading the
 * experiment file through `readFile`; the language server and the CLI both use it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, type Pair } from 'yaml';
import { experimentSchema } from '../experiment-schema';
import { ConfigError, type LocatedProblem, parseExperiment } from '../load-config';
import { type Field, fieldAt } from '../schema-dsl';
import { type ConfigProblem, didYouMean, validateAgainstSchema, validateNode } from '../validate-config';
import { parseYamlDocument } from '../yaml-depth';
import { type Override, overrideText, type Setting, type SweepTask, settingsOf } from './expand';
import { defaultSweepName, type SweepConfig, sweepSchema } from './sweep-schema';

export { defaultSweepName };

/** Keys a sweep may not set: it decides where runs go. */
const RESERVED_KEYS = new Set(['output', 'output.dir']);
/** Expanded configurations checked through the experiment's validation (a guard for huge grids). */
const MAX_CHECKED_CONFIGS = 400;

export interface SweepSpec {
  /** The sweep file (absolute; empty for an unsaved document). */
  file: string;
  name: string;
  /** The experiment file (absolute). */
  experimentFile: string;
  grid: { key: string; values: unknown[] }[];
  list: Override[][];
  /** null: one task, the experiment as written. */
  tasks: { name: string; overrides: Override[] }[] | null;
  select: { metric: 'val_acc'; mode: 'max' | 'min' };
  finalSeeds: number[];
  settings: Setting[];
}

export interface ParsedSweep {
  spec?: SweepSpec;
  problems: LocatedProblem[];
  doc: Document;
  lineCounter: LineCounter;
  /** The experiment file read (absolute), for watchers. */
  experimentFile?: string;
}

export interface ParseSweepOptions {
  /** The sweep file's path (absolute or relative to the working folder): names and relative paths. */
  file?: string;
  /** Reads the experiment file (undefined: it does not exist). Default: fs. */
  readFile?: (file: string) => string | undefined;
}

/** Every key path an override may name: each field of the experiment schema, nested ones included. */
export function overrideKeys(root: Field = experimentSchema, prefix: string[] = []): string[] {
  const out: string[] = [];
  let f = root;
  while (f.kind === 'nullable') f = f.inner;
  const obj = f.kind === 'oneOf' ? f.options.find((o) => o.kind === 'object') : f;
  if (obj?.kind !== 'object') return out;
  for (const [k, sub] of Object.entries(obj.fields)) {
    const p = [...prefix, k];
    if (!RESERVED_KEYS.has(p.join('.'))) out.push(p.join('.'));
    out.push(...overrideKeys(sub, p));
  }
  return out;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

interface OverrideNode {
  key: string;
  keyRange: [number, number];
  value: Node | null;
}

const rangeOf = (n: Node | null | undefined, fallback: [number, number]): [number, number] =>
  n?.range ? [n.range[0], n.range[1]] : fallback;

function pairsOf(map: unknown): OverrideNode[] {
  if (!isMap(map)) return [];
  return (map.items as Pair[]).flatMap((p) =>
    isScalar(p.key) && p.key.range
      ? [
          {
            key: String(p.key.value),
            keyRange: [p.key.range[0], p.key.range[1]],
            value: p.value as Node | null,
          },
        ]
      : [],
  );
}

export function parseSweep(text: string, opts: ParseSweepOptions = {}): ParsedSweep {
  const lineCounter = new LineCounter();
  const doc = parseYamlDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const locate = (p: ConfigProblem): LocatedProblem => {
    const { line, col } = lineCounter.linePos(p.range[0]);
    return { ...p, line, column: col };
  };
  const out = (problems: ConfigProblem[], extra: Partial<ParsedSweep> = {}): ParsedSweep => ({
    problems: problems.map(locate),
    doc,
    lineCounter,
    ...extra,
  });
  const syntax: ConfigProblem[] = [...doc.errors, ...doc.warnings].map((e) => ({
    path: [],
    message: `YAML ${e.name === 'YAMLWarning' ? 'warning' : 'syntax error'}: ${e.message.split('\n')[0]}`,
    severity: e.name === 'YAMLWarning' ? 'warning' : 'error',
    range: [e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)],
    code: e.code,
  }));
  if (syntax.some((p) => p.severity === 'error')) return out(syntax);

  const { value, problems: schemaProblems } = validateAgainstSchema(doc, sweepSchema);
  const problems: ConfigProblem[] = [...syntax, ...schemaProblems];
  const error = (
    p: (string | number)[],
    message: string,
    range: [number, number],
    code: string,
    suggestion?: string,
  ) =>
    problems.push({
      path: p,
      message,
      range,
      severity: 'error',
      code,
      ...(suggestion ? { suggestion } : {}),
    });

  // Override keys and values, against the experiment schema.
  const keys = overrideKeys();
  const checkOverride = (o: OverrideNode, where: (string | number)[], values: (Node | null)[]): boolean => {
    const p = o.key.split('.');
    if (RESERVED_KEYS.has(o.key)) {
      error(
        [...where, o.key],
        `${o.key} is set by the sweep (its runs go to the sweep folder)`,
        o.keyRange,
        'sweep-key',
      );
      return false;
    }
    const field = p.every((k) => k.trim()) ? fieldAt(experimentSchema, p) : undefined;
    if (!field) {
      const hint = didYouMean(o.key, keys);
      error(
        [...where, o.key],
        `unknown experiment key '${o.key}'${hint ? ` (did you mean '${hint}'?)` : '; write a key path of the experiment file, like train.lr'}`,
        o.keyRange,
        'unknown-key',
        hint,
      );
      return false;
    }
    for (const v of values) {
      const r = validateNode(field, v, p, rangeOf(v, o.keyRange));
      problems.push(...r.problems.map((x) => ({ ...x, path: [...where, o.key] })));
    }
    return true;
  };

  const gridNode = doc.get('grid', true);
  const grid: { key: string; values: unknown[] }[] = [];
  for (const o of pairsOf(gridNode)) {
    const items = isSeq(o.value) ? (o.value.items as (Node | null)[]) : [];
    if (checkOverride(o, ['grid'], items))
      grid.push({ key: o.key, values: items.map((n) => n?.toJSON() ?? null) });
  }
  const gridKeys = new Set(grid.map((g) => g.key));

  const listNode = doc.get('list', true);
  const list: Override[][] = [];
  const listKeys = new Set<string>();
  if (isSeq(listNode)) {
    (listNode.items as Node[]).forEach((entry, i) => {
      const set: Override[] = [];
      for (const o of pairsOf(entry)) {
        if (gridKeys.has(o.key)) {
          error(
            ['list', i, o.key],
            `${o.key} is already varied by grid; set it in one place`,
            o.keyRange,
            'sweep-key',
          );
          continue;
        }
        if (checkOverride(o, ['list', i], [o.value])) {
          set.push([o.key, o.value?.toJSON() ?? null]);
          listKeys.add(o.key);
        }
      }
      list.push(set);
    });
  }

  const tasksNode = doc.get('tasks', true);
  let tasks: SweepSpec['tasks'] = null;
  if (isMap(tasksNode)) {
    tasks = [];
    for (const t of pairsOf(tasksNode)) {
      const overrides: Override[] = [];
      for (const o of pairsOf(t.value)) {
        if (gridKeys.has(o.key) || listKeys.has(o.key)) {
          error(
            ['tasks', t.key, o.key],
            `${o.key} is varied by the ${gridKeys.has(o.key) ? 'grid' : 'list'}, which would override this task's value`,
            o.keyRange,
            'sweep-key',
          );
          continue;
        }
        if (checkOverride(o, ['tasks', t.key], [o.value])) overrides.push([o.key, o.value?.toJSON() ?? null]);
      }
      tasks.push({ name: t.key, overrides });
    }
  }

  const config = value as SweepConfig | undefined;
  const expValue = doc.get('experiment', true) as Node | undefined;
  const expRange = rangeOf(expValue, [0, 1]);
  const sweepFile = opts.file ? path.resolve(opts.file) : '';
  let experimentFile: string | undefined;
  let experimentText: string | undefined;
  if (config && typeof config.experiment === 'string') {
    experimentFile = path.resolve(sweepFile ? path.dirname(sweepFile) : process.cwd(), config.experiment);
    experimentText = (opts.readFile ?? readOrUndefined)(experimentFile);
    if (experimentText === undefined)
      error(['experiment'], `experiment: file not found: ${experimentFile}`, expRange, 'file-missing');
  }
  if (
    problems.some((p) => p.severity === 'error') ||
    !config ||
    !experimentFile ||
    experimentText === undefined
  )
    return out(problems, { experimentFile });

  const spec: SweepSpec = {
    file: sweepFile,
    name: config.name ?? defaultSweepName(opts.file),
    experimentFile,
    grid,
    list,
    tasks,
    select: { metric: config.select.metric, mode: config.select.mode },
    finalSeeds: config.final.seeds ?? [],
    settings: settingsOf({ grid, list }),
  };
  if (new Set(spec.finalSeeds).size !== spec.finalSeeds.length) {
    const seedsNode = doc.getIn(['final', 'seeds'], true) as Node | undefined;
    error(
      ['final', 'seeds'],
      'final.seeds: a seed is listed twice',
      rangeOf(seedsNode, expRange),
      'duplicate',
    );
  }

  // The experiment itself, then every expanded configuration, through the experiment's validation.
  const plain = parseExperiment(experimentText);
  if (!plain.config) {
    const errs = plain.problems.filter((p) => p.severity === 'error');
    error(
      ['experiment'],
      `experiment: ${path.basename(experimentFile)} has ${errs.length} problem(s); first: ${errs[0]?.line}:${errs[0]?.column}: ${errs[0]?.message}`,
      expRange,
      'experiment-invalid',
    );
    return out(problems, { experimentFile });
  }
  const valueRanges = new Map<string, [number, number]>();
  const noteRanges = (node: unknown) => {
    for (const o of pairsOf(node))
      if (!valueRanges.has(o.key)) valueRanges.set(o.key, rangeOf(o.value, o.keyRange));
  };
  noteRanges(gridNode);
  if (isSeq(listNode)) for (const e of listNode.items) noteRanges(e);
  if (isMap(tasksNode)) for (const t of pairsOf(tasksNode)) noteRanges(t.value);
  const seen = new Set<string>();
  let checked = 0;
  outer: for (const t of tasks ?? [{ name: '', overrides: [] }]) {
    for (const s of spec.settings) {
      if (++checked > MAX_CHECKED_CONFIGS) break outer;
      const overrides = [...t.overrides, ...s.overrides];
      const r = parseExperiment(experimentText, overrides.map(overrideText));
      if (r.config) continue;
      for (const p of r.problems.filter((x) => x.severity === 'error')) {
        // Mark the override that names the problem's key (or one above it), else `experiment:`.
        const at = p.path.join('.');
        const key = overrides
          .map(([k]) => k)
          .find((k) => at === k || at.startsWith(`${k}.`) || k.startsWith(`${at}.`));
        const range = (key && valueRanges.get(key)) || expRange;
        const id = `${range[0]}:${p.message}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const what = [t.name && `task ${t.name}`, s.id !== 'base' && s.id].filter(Boolean).join(', ');
        error(
          ['experiment'],
          `${what ? `with ${what}: ` : ''}${p.message}`,
          range,
          p.code ?? 'experiment-invalid',
        );
      }
    }
  }
  return out(problems, {
    experimentFile,
    spec: problems.some((p) => p.severity === 'error') ? undefined : spec,
  });
}

export interface LoadedSweep {
  spec: SweepSpec;
  /** The experiment's tasks with their seeds (the experiment as written when tasks are not given). */
  tasks: SweepTask[];
  /** The sweep folder: `<experiment output.dir>/sweeps/<name>` (absolute). */
  dir: string;
  /** The experiment's name with no task overrides. */
  experimentName: string;
  warnings: LocatedProblem[];
}

/** Reads and checks a sweep file; throws ConfigError listing every problem. */
export function loadSweep(file: string): LoadedSweep {
  const text = readOrUndefined(file);
  if (text === undefined)
    throw new ConfigError(file, [
      { path: [], message: 'file not found', severity: 'error', range: [0, 0], line: 1, column: 1 },
    ]);
  const parsed = parseSweep(text, { file });
  if (!parsed.spec) throw new ConfigError(file, parsed.problems);
  const spec = parsed.spec;
  const expText = fs.readFileSync(spec.experimentFile, 'utf8');
  const base = parseExperiment(expText).config;
  if (!base) throw new Error(`${spec.experimentFile} did not validate`); // parseSweep checked it
  const tasks: SweepTask[] = (spec.tasks ?? [{ name: base.name, overrides: [] }]).map((t) => {
    const cfg = parseExperiment(expText, t.overrides.map(overrideText)).config;
    return { name: t.name, overrides: t.overrides, seed: cfg?.seed ?? base.seed };
  });
  const outputDir = path.resolve(path.dirname(spec.experimentFile), base.output.dir);
  return {
    spec,
    tasks,
    dir: path.join(outputDir, 'sweeps', spec.name),
    experimentName: base.name,
    warnings: parsed.problems.filter((p) => p.severity === 'warning'),
  };
}
