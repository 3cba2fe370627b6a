/**
 * Validates a parsed YAML document against a schema, keeping source ranges so that every problem
 * can be shown where it is (the conventions of Red Hat's YAML server: a wrong type or enum value
 * marks the value, an unknown key marks the key, a missing required key marks the parent key).
 * Returns the value with defaults applied and every problem found (not just the first).
 */
import { type Document, isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { Field, ObjectField } from './schema-dsl';

export type Severity = 'error' | 'warning';

export interface ConfigProblem {
  /** Key path, e.g. ['train', 'lr']. */
  path: (string | number)[];
  message: string;
  severity: Severity;
  /** Character offsets [start, end) in the source text. */
  range: [number, number];
  /**
   * What kind of problem (`unknown-key`, `missing-key`, `enum`, `type`, `range`, a YAML error code,
   * a semantic rule's name, ...), for editors' quick fixes and disable comments.
   */
  code?: string;
  /** The did-you-mean replacement for the marked text, when there is one. */
  suggestion?: string;
}

export interface ValidationResult {
  value: unknown;
  problems: ConfigProblem[];
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** The closest candidate within a small edit distance, for "did you mean". */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** snake_case words of a key: `numClasses`, `num-classes` and `NUM_CLASSES` all give num_classes. */
const words = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/**
 * The known key an unknown one most likely means, or undefined: the same words spelled differently
 * (`numClasses`, `batchsize`), an abbreviation either way (`bs` for batch_size, `learning_rate` for
 * lr), a near spelling (`lrr`), or a key that contains it (`classes` in num_classes), in that order.
 */
export function nearestKey(word: string, candidates: readonly string[]): string | undefined {
  const w = words(word);
  const squash = w.join('');
  if (!squash) return undefined;
  const tiers: ((c: string) => boolean)[] = [
    (c) => words(c).join('') === squash,
    (c) =>
      (squash.length >= 2 &&
        words(c).length >= 2 &&
        words(c)
          .map((x) => x[0])
          .join('') === squash) ||
      (w.length >= 2 && w.map((x) => x[0]).join('') === words(c).join('')),
    (c) => didYouMean(squash, [words(c).join('')]) !== undefined,
    (c) => {
      const k = words(c).join('');
      return Math.min(k.length, squash.length) >= 4 && (k.includes(squash) || squash.includes(k));
    },
  ];
  for (const tier of tiers) {
    const hits = candidates.filter(tier);
    if (hits.length)
      return hits.reduce((a, b) =>
        levenshtein(words(b).join(''), squash) < levenshtein(words(a).join(''), squash) ? b : a,
      );
  }
  return undefined;
}

const rangeOf = (n: Node | null | undefined, fallback: [number, number]): [number, number] =>
  n?.range ? [n.range[0], n.range[1]] : fallback;

function describe(n: Node | null | undefined): string {
  if (!n) return 'nothing';
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) {
    const v = n.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `the string '${v}'`;
    return `${typeof v} ${String(v)}`;
  }
  return 'an unsupported value';
}

/** How a non-finite number was written (`1e309`, `.inf`, `.nan`). */
function describeNumber(node: Scalar, v: number): string {
  const src = typeof node.source === 'string' ? node.source : undefined;
  const written = src && src !== String(v) ? ` (written ${src})` : '';
  return `${v}${written}`;
}

class Validator {
  problems: ConfigProblem[] = [];

  problem(
    path: (string | number)[],
    message: string,
    range: [number, number],
    code: string,
    suggestion?: string,
    severity: Severity = 'error',
  ) {
    this.problems.push({ path, message, range, severity, code, ...(suggestion ? { suggestion } : {}) });
  }

  /** `keyRange`: the range of the key that holds this node (for missing-key problems). */
  check(
    f: Field,
    node: Node | null | undefined,
    path: (string | number)[],
    keyRange: [number, number],
  ): unknown {
    const range = rangeOf(node, keyRange);
    const where = path.join('.') || 'the file';
    switch (f.kind) {
      case 'nullable':
        if (!node || (isScalar(node) && node.value === null)) return null;
        return this.check(f.inner, node, path, keyRange);
      case 'object':
        return this.object(f, node, path, keyRange);
      case 'oneOf': {
        for (const opt of f.options) {
          const sub = new Validator();
          const v = sub.check(opt, node, path, keyRange);
          if (!sub.problems.some((p) => p.severity === 'error')) {
            this.problems.push(...sub.problems);
            return v;
          }
        }
        // Report against the option of the same shape (mapping vs scalar).
        const same =
          f.options.find((o) => (isMap(node) ? o.kind === 'object' : o.kind !== 'object')) ?? f.options[0];
        const enumOpts = f.options.flatMap((o) => (o.kind === 'enum' ? o.values : []));
        if (isScalar(node) && same.kind !== 'enum' && enumOpts.length) {
          const hint = typeof node.value === 'string' ? didYouMean(node.value, enumOpts) : undefined;
          this.problem(
            path,
            `${where}: ${describe(node)} is not valid; expected one of ${enumOpts.join(', ')}${f.options.some((o) => o.kind === 'object') ? ' or a mapping' : ''}${hint ? ` (did you mean '${hint}'?)` : ''}`,
            range,
            'enum',
            hint,
          );
          return undefined;
        }
        return this.check(same, node, path, keyRange);
      }
      case 'enum': {
        const v = isScalar(node) ? node.value : undefined;
        if (typeof v === 'string' && (f.values as readonly string[]).includes(v)) return v;
        const hint = typeof v === 'string' ? didYouMean(v, f.values) : undefined;
        this.problem(
          path,
          `${where}: ${describe(node)} is not one of ${f.values.join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`,
          range,
          'enum',
          hint,
        );
        return undefined;
      }
      case 'number': {
        const v = isScalar(node) ? node.value : undefined;
        if (typeof v !== 'number') {
          this.problem(
            path,
            `${where}: expected ${f.integer ? 'an integer' : 'a number'}, found ${describe(node)}`,
            range,
            'type',
          );
          return undefined;
        }
        // An invalid number is reported and left out of the value, so no rule reads it.
        const bad = (message: string, code: string) => {
          this.problem(path, `${where}: ${message}`, range, code);
          return undefined;
        };
        if (!Number.isFinite(v))
          return bad(`must be a finite number, found ${describeNumber(node as Scalar, v)}`, 'range');
        if (f.integer && !Number.isInteger(v)) return bad(`expected an integer, found ${v}`, 'type');
        if (f.min !== undefined && (f.exclusiveMin ? v <= f.min : v < f.min))
          return bad(`must be ${f.exclusiveMin ? '>' : '>='} ${f.min}, found ${v}`, 'range');
        if (f.max !== undefined && v > f.max)
          return bad(`must be <= ${f.max}${f.maxWhy ? ` (${f.maxWhy})` : ''}, found ${v}`, 'range');
        if (f.integer && !Number.isSafeInteger(v))
          return bad(
            `${v} is too large to be an exact integer (at most ${Number.MAX_SAFE_INTEGER})`,
            'range',
          );
        return v;
      }
      case 'string': {
        const v = isScalar(node) ? node.value : undefined;
        if (typeof v !== 'string') {
          this.problem(path, `${where}: expected a string, found ${describe(node)}`, range, 'type');
          return undefined;
        }
        if (f.pattern && !f.pattern.test(v))
          this.problem(path, `${where}: '${v}' must match ${f.pattern}`, range, 'pattern');
        return v;
      }
      case 'boolean': {
        const v = isScalar(node) ? node.value : undefined;
        if (typeof v !== 'boolean') {
          this.problem(path, `${where}: expected true or false, found ${describe(node)}`, range, 'type');
          return undefined;
        }
        return v;
      }
      case 'any':
        return node ? node.toJSON() : null;
      case 'list': {
        if (!isSeq(node)) {
          this.problem(path, `${where}: expected a list, found ${describe(node)}`, range, 'type');
          return undefined;
        }
        if (f.minItems !== undefined && node.items.length < f.minItems)
          this.problem(
            path,
            `${where}: needs at least ${f.minItems} item${f.minItems === 1 ? '' : 's'}`,
            range,
            'range',
          );
        return node.items.map((item, i) => this.check(f.items, item as Node, [...path, i], range));
      }
      case 'record': {
        if (!isMap(node)) {
          this.problem(path, `${where}: expected a mapping, found ${describe(node)}`, range, 'type');
          return undefined;
        }
        const out: Record<string, unknown> = {};
        for (const item of node.items) {
          const keyNode = item.key as Scalar | null;
          const kr = rangeOf(keyNode as Node, range);
          const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
          if (key === undefined) {
            this.problem(path, `${where}: keys must be plain names`, kr, 'key');
            continue;
          }
          if (Object.hasOwn(out, key)) {
            this.problem([...path, key], `${[...path, key].join('.')}: duplicate key`, kr, 'duplicate-key');
            continue;
          }
          if (f.keyPattern && !f.keyPattern.test(key))
            this.problem(
              [...path, key],
              `${where}: the key '${key}' must match ${f.keyPattern}`,
              kr,
              'pattern',
            );
          out[key] = this.check(f.values, item.value as Node, [...path, key], kr);
        }
        return out;
      }
    }
  }

  private object(
    f: ObjectField,
    node: Node | null | undefined,
    path: (string | number)[],
    keyRange: [number, number],
  ) {
    const out: Record<string, unknown> = {};
    const where = path.join('.') || 'the file';
    if (node && !isMap(node)) {
      this.problem(
        path,
        `${where}: expected a mapping of ${Object.keys(f.fields).join(', ')}, found ${describe(node)}`,
        rangeOf(node, keyRange),
        'type',
      );
      return undefined;
    }
    const map = node as YAMLMap | undefined;
    const seen = new Map<string, Pair>();
    const written = new Set(
      (map?.items ?? []).flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : [])),
    );
    for (const item of map?.items ?? []) {
      const keyNode = item.key as Scalar | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      const kr = rangeOf(keyNode as Node, keyRange);
      if (key === undefined) {
        this.problem(path, `${where}: keys must be plain names`, kr, 'key');
        continue;
      }
      if (seen.has(key)) {
        this.problem([...path, key], `${[...path, key].join('.')}: duplicate key`, kr, 'duplicate-key');
        continue;
      }
      seen.set(key, item);
      // Own keys only: 'constructor' or '__proto__' must not find Object.prototype's members.
      const field = Object.hasOwn(f.fields, key) ? f.fields[key] : undefined;
      if (!field) {
        // A key already written is no rename target (it would be a duplicate).
        const unwritten = Object.keys(f.fields).filter((k) => !written.has(k));
        const hint = nearestKey(key, unwritten);
        this.problem(
          [...path, key],
          `${where === 'the file' ? '' : `${where}: `}unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : `; expected one of ${Object.keys(f.fields).join(', ')}`}`,
          kr,
          'unknown-key',
          hint,
        );
        continue;
      }
      out[key] = this.check(field, item.value as Node, [...path, key], kr);
    }
    for (const [key, field] of Object.entries(f.fields)) {
      if (seen.has(key)) continue;
      if (f.required?.includes(key)) {
        this.problem(
          [...path, key],
          `${where === 'the file' ? '' : `${where}: `}missing required key '${key}' (${field.doc})`,
          keyRange,
          'missing-key',
        );
      } else if ('default' in field && field.default !== undefined) {
        out[key] = field.default;
      } else if (field.kind === 'nullable') {
        out[key] = null;
      } else if (field.kind === 'object') {
        out[key] = this.object(field, undefined, [...path, key], keyRange);
      }
    }
    return out;
  }
}

/**
 * Validates one node against a field (a sweep's override value against the experiment schema's field
 * for its key): problems carry `path` and ranges in the node's own document.
 */
export function validateNode(
  field: Field,
  node: Node | null | undefined,
  path: (string | number)[],
  keyRange: [number, number],
): ValidationResult {
  const v = new Validator();
  const value = v.check(field, node, path, keyRange);
  return { value, problems: v.problems };
}

/** Validates `doc` (already parsed) against `schema`. */
export function validateAgainstSchema(doc: Document, schema: Field): ValidationResult {
  const v = new Validator();
  const end = doc.range?.[1] ?? 0;
  const value = v.check(schema, doc.contents as Node, [], [0, Math.min(end, 1)]);
  return { value, problems: v.problems };
}
