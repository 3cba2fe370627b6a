/**
 * How the native CPU engine ships and what happens when it cannot load: the committed linux-x64 binary
 * is the one its build record describes (SHA-256, size) and needs nothing but glibc; the npm package
 * carries it and the C sources; `auto` falls back to wasm with the reason, an explicit `native` fails
 * with it; `spt doctor` (a child process on the bundles in dist/) says which CPU path loaded and why.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { loadNativeAddon, resetNativeAddonCache } from '../../../src/engine/native/native-addon';

const ROOT = path.join(__dirname, '..', '..', '..');
const PREBUILT = path.join(ROOT, 'prebuilds', 'linux-x64');
const GLIBC = ['libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libdl.so.2', 'ld-linux-x86-64.so.2'];

describe('native engine: shipping and fallback', function () {
  this.timeout(180_000);
  let dir: string;
  let bogus: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-native-ship-'));
    bogus = path.join(dir, 'spt-native.node');
    fs.writeFileSync(bogus, 'not a shared object');
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env.SPT_NATIVE_ADDON;
    resetNativeAddonCache();
  });

  it('the committed linux-x64 binary (brotli-packed, unpacked by the build) is the recorded build, under 40 MB, and needs only glibc', function () {
    const record = JSON.parse(fs.readFileSync(path.join(PREBUILT, 'spt-native.json'), 'utf8'));
    const packed = fs.readFileSync(path.join(PREBUILT, 'spt-native.node.br'));
    assert.ok(packed.length < 5 * 2 ** 20, `the committed file is ${packed.length} bytes`);
    const bin = zlib.brotliDecompressSync(packed);
    const unpacked = path.join(ROOT, 'dist', 'native', 'linux-x64', 'spt-native.node');
    assert.ok(fs.readFileSync(unpacked).equals(bin), 'npm run build unpacks it into dist/native/linux-x64');
    assert.equal(
      createHash('sha256').update(bin).digest('hex'),
      record.sha256,
      'rebuild: bash scripts/build-native.sh --prebuild',
    );
    assert.equal(bin.length, record.bytes);
    assert.ok(bin.length < 40 * 2 ** 20, `${bin.length} bytes`);
    assert.match(record.openblas, /static, DYNAMIC_ARCH/);
    const objdump = spawnSync('objdump', ['-p', unpacked], {
      encoding: 'utf8',
    });
    if (objdump.status !== 0) return this.skip(); // no binutils here: the build script checked it
    const needed = [...objdump.stdout.matchAll(/NEEDED\s+(\S+)/g)].map((m) => m[1]);
    assert.ok(needed.length > 0, 'objdump listed its libraries');
    for (const lib of needed) assert.ok(GLIBC.includes(lib), `needs ${lib}`);
  });

  it('the npm package carries the prebuilt binary and the C sources (for npm run build:native)', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const files = new Set((JSON.parse(r.stdout)[0].files as { path: string }[]).map((f) => f.path));
    for (const f of [
      'prebuilds/linux-x64/spt-native.node.br',
      'prebuilds/linux-x64/spt-native.json',
      'native/src/gemm.c',
      'scripts/build-native.sh',
    ])
      assert.ok(files.has(f), `npm pack leaves out ${f}`);
    assert.ok(![...files].some((f) => f.startsWith('native/build/')), 'a local source build is not packed');
  });

  it('auto falls back to wasm with the reason when the binary cannot load; an explicit native fails with it', async () => {
    process.env.SPT_NATIVE_ADDON = bogus;
    resetNativeAddonCache();
    const lines: string[] = [];
    const choice = await selectBackend('auto', (_l, m) => lines.push(m));
    assert.equal(choice.name, 'wasm');
    const native = choice.attempts.find((a) => a.name === 'native');
    assert.ok(native && !native.ok, 'auto tried native first');
    assert.match(native.reason, /spt-native\.node did not load: .*spt-native-ship-.*spt-native\.node: /);
    assert.ok(lines.some((l) => l.startsWith('backend: skipped native: spt-native.node did not load')));
    await assert.rejects(
      selectBackend('native'),
      /asked for 'native'[\s\S]*native: spt-native\.node did not load/,
    );
    delete process.env.SPT_NATIVE_ADDON;
    resetNativeAddonCache();
    assert.ok(loadNativeAddon().addon, 'the real binary loads again');
  });

  it('spt doctor says which CPU path loaded and why (bundles in dist/)', function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
    const doctor = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), 'doctor', '--json'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 120_000,
      });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const ok = doctor({ SPT_NATIVE_ADDON: '' });
    assert.equal(ok.cpu.path, 'native');
    assert.match(
      ok.cpu.detail,
      /^native: training steps on OpenBLAS [\d.]+ \(.* kernels, .* code\) from .*spt-native\.node/,
    );
    assert.equal(ok.autoChoice, 'native');
    assert.equal(ok.backends.find((b: { name: string }) => b.name === 'native').loads, true);
    const broken = doctor({ SPT_NATIVE_ADDON: bogus });
    assert.equal(broken.cpu.path, 'wasm');
    assert.match(
      broken.cpu.detail,
      /^wasm: the native step engine did not load: spt-native\.node did not load: /,
    );
    assert.deepEqual(
      broken.cpu.tried.map((t: { path: string }) => t.path),
      [bogus],
    );
    assert.equal(broken.autoChoice, 'wasm');
  });
});
