/**
 * The UI scenarios wait for what a person would see, never for a fixed long time (issue 19, item 7):
 * no `sleep(...)` / `waitForTimeout(...)` over 500 ms in test/vscode/ui.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const UI = path.resolve(__dirname, '..', '..', 'vscode', 'ui');
const MAX_MS = 500;

describe('UI scenarios: no long fixed waits', () => {
  it(`sleeps at most ${MAX_MS} ms at a time`, () => {
    const long: string[] = [];
    let sleeps = 0;
    for (const f of fs.readdirSync(UI).filter((f) => f.endsWith('.ts'))) {
      const lines = fs.readFileSync(path.join(UI, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const m of line.matchAll(/\b(?:sleep|waitForTimeout)\(([^)]*)\)/g)) {
          sleeps++;
          const ms = Number(m[1].replace(/_/g, ''));
          if (!(ms <= MAX_MS) && !/^(ms|intervalMs)$/.test(m[1].trim())) long.push(`${f}:${i + 1}: ${m[0]}`);
        }
      });
    }
    assert.ok(sleeps > 0, 'found no sleep() at all: the pattern no longer matches the code');
    assert.deepEqual(long, [], `fixed waits over ${MAX_MS} ms`);
  });
});
