/**
 * `npm install` on the Node the README names: no package of the lock file requires a newer Node (npm
 * would print EBADENGINE), and every package with an install script (which npm 11 skips and lists at the
 * end of the install) is explained in the README.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

// semver comes with sharp and vsce (hoisted); three calls need no @types package.
const semver = require('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
  major(version: string): number;
};

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
}

const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockPackage> };
const readme = read('README.md');

/** `node_modules/a/node_modules/@b/c` -> `@b/c`. */
const nameOf = (key: string) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('npm install on the README Node (issue 14, item 25)', () => {
  const minimum = semver.minVersion(pkg.engines.node)?.version;

  it("the README names package.json's minimum Node", () => {
    assert.ok(minimum, `package.json engines.node ${pkg.engines.node} has no minimum`);
    assert.match(readme, new RegExp(`Node\\.js ${minimum.replace(/\./g, '\\.')} or later`));
  });

  it('no locked package requires a newer Node (npm warns EBADENGINE)', () => {
    const tooNew: string[] = [];
    for (const [key, p] of Object.entries(lock.packages)) {
      const need = !key || Array.isArray(p.engines) ? undefined : p.engines?.node;
      if (need && minimum && !semver.satisfies(minimum, need))
        tooNew.push(`${nameOf(key)}@${p.version} needs node ${need}`);
    }
    assert.deepEqual(tooNew, [], `on Node ${minimum}: ${tooNew.join('; ')}`);
  });

  it('@vscode/test-electron is a version that supports that Node', () => {
    const te = lock.packages['node_modules/@vscode/test-electron'];
    assert.equal(semver.major(te.version ?? '0.0.0'), 2, 'test-electron 3.x requires Node 22');
  });

  it("the README explains npm's install-script notices, naming every package that has one", () => {
    const start = readme.indexOf('- Install notices:');
    assert.ok(start >= 0, 'README has no "Install notices" paragraph');
    const para = readme.slice(start, readme.indexOf('\n- ', start + 1));
    assert.match(para, /allowScripts/);
    const scripted = Object.entries(lock.packages)
      .filter(([key, p]) => key && p.hasInstallScript)
      .map(([key]) => nameOf(key));
    assert.ok(scripted.length > 0);
    const unexplained = [...new Set(scripted)].filter((n) => !para.includes(`\`${n}\``));
    assert.deepEqual(
      unexplained,
      [],
      `install scripts the README does not explain: ${unexplained.join(', ')}`,
    );
  });
});
