/**
 * The sweep schema as JSON Schema (draft-07) for Red Hat's YAML extension (`yamlValidation` of
 * `*.sweep.yaml`): generated from the sweep schema, with the override sections (grid, list entries,
 * tasks) spelled out per experiment key path, so that editors complete and check those keys too.
 * `npm run schema` rewrites media/spt-sweep.schema.json; a test keeps the committed file in sync.
 */
import { experimentSchema } from '../experiment-schema';
import { fieldToJsonSchema } from '../json-schema';
import { fieldAt } from '../schema-dsl';
import { overrideKeys } from './sweep-file';
import { sweepSchema } from './sweep-schema';

type Json = { [k: string]: unknown };

export function sweepJsonSchema(): Json {
  const keys = overrideKeys().filter((k) => fieldAt(experimentSchema, k.split('.'))?.kind !== 'object');
  const value = (k: string) => fieldToJsonSchema(fieldAt(experimentSchema, k.split('.'))!);
  const overrides = (doc: string): Json => ({
    description: doc,
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(keys.map((k) => [k, value(k)])),
  });
  const base = fieldToJsonSchema(sweepSchema) as Json & { properties: Json };
  const f = sweepSchema.fields;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://spt-studio.dev/schemas/spt-sweep.schema.json',
    title: 'SPT Studio sweep (*.sweep.yaml)',
    ...base,
    properties: {
      ...base.properties,
      grid: {
        description: f.grid.doc,
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(
          keys.map((k) => [
            k,
            { type: 'array', minItems: 1, items: value(k), description: value(k).description },
          ]),
        ),
      },
      list: { description: f.list.doc, type: 'array', minItems: 1, items: overrides(f.list.items.doc) },
      tasks: {
        description: f.tasks.doc,
        type: 'object',
        propertyNames: { pattern: f.tasks.keyPattern?.source },
        additionalProperties: overrides(f.tasks.values.doc),
      },
    },
  };
}
