/**
 * A tiny schema language for the experiment file. The one schema written with it
 * (./experiment-schema.ts) drives validation, defaults, TypeScript types (Infer), the generated JSON
 * Schema, and the language server's hover and completion, so they can never disagree.
 */

/** A value used in a published recipe (spt-method.md section 5), shown on hover. */
export interface Recipe {
  value: unknown;
  /** Where it comes from: backbone, dataset or setting. */
  source: string;
}

interface Base {
  /** One-paragraph documentation shown on hover and in the JSON Schema. */
  doc: string;
  /** Shown in completion and hover; the value written by `spt init` templates. */
  example?: unknown;
  /** Values from the paper's recipes, for hover and completion. */
  recipes?: readonly Recipe[];
}

export interface NumberField extends Base {
  kind: 'number';
  integer?: boolean;
  min?: number;
  /** min is exclusive (value > min). */
  exclusiveMin?: boolean;
  max?: number;
  /** Why `max` is the limit (memory, the architecture), shown with a value above it. */
  maxWhy?: string;
  default?: number;
  /**
   * [low, high]: legal values outside it are far from every published recipe, which editors flag
   * as a warning (the trainer accepts them).
   */
  typical?: readonly [number, number];
}
export interface StringField extends Base {
  kind: 'string';
  /** A file or folder path, resolved against the experiment file's folder. */
  path?: 'file' | 'dir';
  pattern?: RegExp;
  default?: string;
}
export interface BooleanField extends Base {
  kind: 'boolean';
  default?: boolean;
}
export interface EnumField<V extends string = string> extends Base {
  kind: 'enum';
  values: readonly V[];
  /** Per-value documentation, for hover and completion. */
  valueDocs?: Partial<Record<V, string>>;
  default?: V;
}
export interface NullableField<F extends Field = Field> extends Base {
  kind: 'nullable';
  inner: F;
  default?: null;
}
/** A value that may take one of several shapes (e.g. a named arch or a custom size). */
export interface OneOfField<Fs extends readonly Field[] = readonly Field[]> extends Base {
  kind: 'oneOf';
  options: Fs;
  default?: unknown;
}
export interface ObjectField<S extends Record<string, Field> = Record<string, Field>> extends Base {
  kind: 'object';
  fields: S;
  /** Keys that must be written (the others have defaults or are optional). */
  required?: readonly (keyof S & string)[];
}
/** A YAML list whose items all have one shape. */
export interface ListField<F extends Field = Field> extends Base {
  kind: 'list';
  items: F;
  minItems?: number;
  default?: readonly unknown[];
}
/** A mapping with keys of the user's choosing (task names, config key paths), values of one shape. */
export interface RecordField<F extends Field = Field> extends Base {
  kind: 'record';
  values: F;
  /** What a key is (hover on a key of the mapping). */
  keyDoc?: string;
  /** Keys must match it. */
  keyPattern?: RegExp;
  default?: Readonly<Record<string, unknown>>;
}
/** Any YAML value; checked elsewhere (a sweep's override values, against the experiment schema). */
export interface AnyField extends Base {
  kind: 'any';
  default?: unknown;
}
export type Field =
  | NumberField
  | StringField
  | BooleanField
  | EnumField
  | NullableField
  | OneOfField
  | ObjectField
  | ListField
  | RecordField
  | AnyField;

/** The TypeScript type of a value that passed validation (defaults applied). */
export type Infer<F> =
  F extends ObjectField<infer S>
    ? { [K in keyof S]: Infer<S[K]> }
    : F extends NumberField
      ? number
      : F extends StringField
        ? string
        : F extends BooleanField
          ? boolean
          : F extends EnumField<infer V>
            ? V
            : F extends NullableField<infer G>
              ? Infer<G> | null
              : F extends OneOfField<infer Fs>
                ? Infer<Fs[number]>
                : F extends ListField<infer G>
                  ? Infer<G>[]
                  : F extends RecordField<infer G>
                    ? Record<string, Infer<G>>
                    : F extends AnyField
                      ? unknown
                      : never;

export const num = (doc: string, o: Omit<NumberField, 'kind' | 'doc'> = {}): NumberField => ({
  kind: 'number',
  doc,
  ...o,
});
export const int = (doc: string, o: Omit<NumberField, 'kind' | 'doc' | 'integer'> = {}): NumberField => ({
  kind: 'number',
  integer: true,
  doc,
  ...o,
});
export const str = (doc: string, o: Omit<StringField, 'kind' | 'doc'> = {}): StringField => ({
  kind: 'string',
  doc,
  ...o,
});
export const bool = (doc: string, o: Omit<BooleanField, 'kind' | 'doc'> = {}): BooleanField => ({
  kind: 'boolean',
  doc,
  ...o,
});
export const enm = <const V extends string>(
  values: readonly V[],
  doc: string,
  o: Omit<EnumField<V>, 'kind' | 'doc' | 'values'> = {},
): EnumField<V> => ({ kind: 'enum', values, doc, ...o });
export const nullable = <F extends Field>(
  inner: F,
  doc: string,
  o: Omit<NullableField<F>, 'kind' | 'doc' | 'inner'> = {},
) => ({ kind: 'nullable', inner, doc, ...o }) as NullableField<F>;
export const oneOf = <const Fs extends readonly Field[]>(
  options: Fs,
  doc: string,
  o: Omit<OneOfField<Fs>, 'kind' | 'doc' | 'options'> = {},
) => ({ kind: 'oneOf', options, doc, ...o }) as OneOfField<Fs>;
export const obj = <S extends Record<string, Field>>(
  fields: S,
  doc: string,
  o: Omit<ObjectField<S>, 'kind' | 'doc' | 'fields'> = {},
): ObjectField<S> => ({ kind: 'object', fields, doc, ...o });

export const list = <F extends Field>(
  items: F,
  doc: string,
  o: Omit<ListField<F>, 'kind' | 'doc' | 'items'> = {},
): ListField<F> => ({ kind: 'list', items, doc, ...o });
export const record = <F extends Field>(
  values: F,
  doc: string,
  o: Omit<RecordField<F>, 'kind' | 'doc' | 'values'> = {},
): RecordField<F> => ({ kind: 'record', values, doc, ...o });
export const any = (doc: string, o: Omit<AnyField, 'kind' | 'doc'> = {}): AnyField => ({
  kind: 'any',
  doc,
  ...o,
});

/** Whether a field has a default (so it may be left out). */
export function hasDefault(f: Field): boolean {
  return 'default' in f && f.default !== undefined
    ? true
    : f.kind === 'nullable' ||
        (f.kind === 'object' && !f.required?.length && Object.values(f.fields).every(hasDefault));
}

/** Walks a dotted path ('train.lr') to its field. */
export function fieldAt(root: Field, path: readonly (string | number)[]): Field | undefined {
  let f: Field | undefined = root;
  for (const key of path) {
    while (f && (f.kind === 'nullable' || f.kind === 'oneOf')) {
      f = f.kind === 'nullable' ? f.inner : f.options.find((o) => o.kind === 'object');
    }
    if (f?.kind === 'record') {
      f = f.values;
      continue;
    }
    if (f?.kind === 'list') {
      f = f.items;
      continue;
    }
    if (f?.kind !== 'object') return undefined;
    f = Object.hasOwn(f.fields, String(key)) ? f.fields[String(key)] : undefined;
  }
  return f;
}
