/** Writes media/spt-experiment.schema.json from the experiment schema (run: npm run schema). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { experimentJsonSchema } from '../src/engine/config/json-schema';

const out = path.join(__dirname, '..', 'media', 'spt-experiment.schema.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
