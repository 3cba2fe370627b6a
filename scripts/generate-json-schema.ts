/** Writes media/spt-experiment.schema.json and media/spt-sweep.schema.json from the schemas (run: npm run schema). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { experimentJsonSchema } from '../src/config/json-schema';
import { sweepJsonSchema } from '../src/config/sweep/sweep-json-schema';

for (const [name, schema] of [
  ['spt-experiment.schema.json', experimentJsonSchema()],
  ['spt-sweep.schema.json', sweepJsonSchema()],
] as const) {
  const out = path.join(__dirname, '..', 'media', name);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}
