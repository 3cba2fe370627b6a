/**
 * Writes the device check's table (bench/results-gpu.json, copied from the device run's $OUT) into
 * docs/PERFORMANCE.md between `<!-- gpu:begin -->` and `<!-- gpu:end -->`, with the date, card and driver.
 *   npx tsx scripts/device/render-gpu-results.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const r = JSON.parse(fs.readFileSync(path.join(root, 'bench', 'results-gpu.json'), 'utf8')) as {
  measuredAt: string;
  card: string;
  node: string;
  table: string;
};
const doc = path.join(root, 'docs', 'PERFORMANCE.md');
const text = fs.readFileSync(doc, 'utf8');
const begin = '<!-- gpu:begin -->';
const end = '<!-- gpu:end -->';
const i = text.indexOf(begin);
const j = text.indexOf(end);
if (i < 0 || j < i) throw new Error(`${doc}: markers ${begin} / ${end} not found`);
const body = [
  begin,
  `Measured ${r.measuredAt} on ${r.card} (name, driver, memory), Node ${r.node}; SPT-deep, 10 prompts, frozen backbone, prompts + head with AdamW, images/s (median of the rounds):`,
  '',
  r.table,
  end,
].join('\n');
fs.writeFileSync(doc, text.slice(0, i) + body + text.slice(j + end.length));
console.log(`docs/PERFORMANCE.md: GPU table from ${r.measuredAt}`);
