/**
 * What a newcomer reads first (issue 14, item 24): the README says how long its two commands take, where
 * run folders go and where the CUB example's dataset and checkpoint come from (the paths it names are
 * the example's own); docs/TESTING.md points only inside the repository and quotes no test counts that
 * go stale (its tables of VS Code tests list exactly the test files there are).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

/** The text of `## title` / `### title` up to the next heading of that level or above. */
function section(md: string, title: string): string {
  const m = new RegExp(`^(#+) ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm').exec(md);
  assert.ok(m, `no section "${title}"`);
  const rest = md.slice(m.index + m[0].length);
  const next = new RegExp(`^#{1,${m[1].length}} `, 'm').exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

describe('README and docs/TESTING.md for a newcomer (issue 14, item 24)', () => {
  const readme = read('README.md');
  const testing = read('docs/TESTING.md');

  it('the README says how long `npm install`, `npm start` and `npm test` take on 2 cores', () => {
    const intro = readme.slice(0, readme.indexOf('## Usage'));
    const timing = /How long, on 2 CPU cores: (.*?)\n\n/s.exec(intro)?.[1].replace(/\s+/g, ' ');
    assert.ok(timing, 'the README has no "How long, on 2 CPU cores" line before Usage');
    for (const cmd of ['npm install', 'npm start', 'npm test'])
      assert.match(timing, new RegExp(`\`${cmd}\` about [\\d.]+ min`), `no time for ${cmd}`);
  });

  it('the README says run folders go beside the experiment file (output.dir), not to a top-level runs/', () => {
    const usage = section(readme, 'Usage');
    assert.match(usage, /`output\.dir` \(default `runs`\) is relative\s+to the experiment file's folder/);
    for (const line of usage.split('\n').filter((l) => /# -> runs\//.test(l)))
      assert.match(line, /beside /, `a usage line sends runs to a top-level runs/: ${line}`);
    // The example it gives is where the CUB example really writes.
    const cub = parse(read('examples/cub-spt-deep.spt.yaml'));
    assert.ok(usage.includes(`examples/${cub.output.dir}/${cub.name}/<time>/`));
  });

  it('the README says where to get the CUB example’s dataset and checkpoint, at the paths the example uses', () => {
    const cubSection = section(readme, 'The CUB example (`examples/cub-spt-deep.spt.yaml`)');
    const cub = parse(read('examples/cub-spt-deep.spt.yaml'));
    const checkpoint = path.posix.join('examples', cub.backbone.checkpoint);
    const root = path.posix.join('examples', cub.data.root);
    assert.ok(cubSection.includes(checkpoint), `the README does not name ${checkpoint}`);
    assert.ok(
      cubSection.includes(`${path.posix.basename(root)}.tgz`),
      `the README does not name ${root}'s archive`,
    );
    assert.ok(
      cubSection.includes(path.posix.dirname(root)),
      `the README does not extract into ${path.posix.dirname(root)}`,
    );
    for (const f of [cub.data.train, cub.data.test])
      assert.ok(cubSection.includes(f), `the README does not say how to make the split file ${f}`);
    const links = [...cubSection.matchAll(/https:\/\/[^\s)>]+/g)].map((m) => m[0]);
    assert.ok(
      links.some((u) => u.endsWith(path.posix.basename(checkpoint))),
      'no download link for the checkpoint',
    );
    assert.ok(
      links.some((u) => u.endsWith(`${path.posix.basename(root)}.tgz`)),
      'no download link for the dataset',
    );
  });

  it('docs/TESTING.md links and names nothing outside the repository, and every repository path it names exists', () => {
    const links = [...testing.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    const backticked = [...testing.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]);
    for (const ref of [...links, ...backticked])
      assert.ok(!ref.startsWith('../'), `names a path outside the repository: ${ref}`);
    for (const ref of links) {
      assert.ok(!/^[a-z]+:/i.test(ref), `links outside the repository: ${ref}`);
      const target = path.resolve(ROOT, 'docs', ref.split('#')[0]);
      assert.ok(target.startsWith(ROOT + path.sep) && fs.existsSync(target), `broken link ${ref}`);
    }
    const repoPaths = backticked.filter((r) =>
      /^(src|test|docs|scripts|examples|\.ci|bench)\/[\w./-]*$/.test(r),
    );
    assert.ok(repoPaths.length > 10);
    const missing = repoPaths.filter((r) => !fs.existsSync(path.join(ROOT, r)));
    assert.deepEqual(missing, [], `docs/TESTING.md names paths that do not exist: ${missing.join(', ')}`);
  });

  it('docs/TESTING.md quotes no test counts, and its VS Code test tables list exactly the test files', () => {
    const counts = testing.match(/\b\d+ (passing|passed)\b|\b(suite|ui|vsix) \d+\/\d+/g);
    assert.equal(counts, null, `stale counts: ${counts?.join(', ')}`);
    const tableFiles = (title: string) =>
      [...section(testing, title).matchAll(/^\| `([\w-]+)(?:\.test\.ts)?` \|/gm)].map((m) => m[1]).sort();
    const suite = fs
      .readdirSync(path.join(ROOT, 'test/vscode/suite'))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => f.replace(/\.test\.ts$/, ''))
      .sort();
    const ui = fs
      .readdirSync(path.join(ROOT, 'test/vscode/ui'))
      .filter((f) => f.endsWith('.ui.ts'))
      .map((f) => f.replace(/\.ui\.ts$/, ''))
      .sort();
    assert.deepEqual(
      tableFiles('Extension layer: the suite in the extension host (`test/vscode/suite`)'),
      suite,
    );
    assert.deepEqual(tableFiles('UI layer: scenarios through the page (`test/vscode/ui`)'), ui);
  });
});
