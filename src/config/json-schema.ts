/**
 * The experiment schema as JSON Schema (draft-07), for Red Hat's YAML extension (`yamlValidation`)
 * and other editors. Generated from the one schema; `npm run schema` rewrites
 * media/spt-experiment.schema.json and a test keeps the committed file in sync.
 */
import { experimentSchema } from './experiment-schema';
import type { Field } from './schema-dsl';

type Json = { [k: string]: unknown };

export function fieldToJsonSchema(f: Field): Json {
  const base: Json = { description: f.doc };
  if ('default' in f && f.default !== undefined) base.default = f.default;
  switch (f.kind) {
    case 'number': {
      const s: Json = { ...base, type: f.integer ? 'integer' : 'number' };
      if (f.min !== undefined) s[f.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = f.min;
      if (f.max !== undefined) s.maximum = f.max;
      return s;
    }
    case 'string':
      return { ...base, type: 'string', ...(f.pattern ? { pattern: f.pattern.source } : {}) };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'enum':
      return {
        ...base,
        enum: [...f.values],
        ...(f.valueDocs ? { markdownEnumDescriptions: f.values.map((v) => f.valueDocs?.[v] ?? '') } : {}),
      };
    case 'nullable':
      return { ...base, anyOf: [fieldToJsonSchema(f.inner), { type: 'null' }] };
    case 'oneOf':
      return { ...base, anyOf: f.options.map(fieldToJsonSchema) };
    case 'list':
      return {
        ...base,
        type: 'array',
        items: fieldToJsonSchema(f.items),
        ...(f.minItems !== undefined ? { minItems: f.minItems } : {}),
      };
    case 'record':
      return {
        ...base,
        type: 'object',
        additionalProperties: fieldToJsonSchema(f.values),
        ...(f.keyPattern ? { propertyNames: { pattern: f.keyPattern.source } } : {}),
      };
    case 'any':
      return base;
    case 'object':
      return {
        ...base,
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(Object.entries(f.fields).map(([k, v]) => [k, fieldToJsonSchema(v)])),
        ...(f.required?.length ? { required: [...f.required] } : {}),
      };
  }
}

export function experimentJsonSchema(): Json {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://spt-studio.dev/schemas/spt-experiment.schema.json',
    title: 'SPT Studio experiment (*.spt.yaml)',
    ...fieldToJsonSchema(experimentSchema),
  };
}
