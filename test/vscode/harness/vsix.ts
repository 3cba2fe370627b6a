/**
 * The .vsix: `vsce package` (with npm dependency detection, so that sharp and its @img/* binary come
 * along; the .vscodeignore decides the rest), the list of its files read from the zip's central
 * directory, and the checks of what must and must not be in it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { REPO_ROOT } from './code-server';

export interface VsixEntry {
  /** The path inside the zip, e.g. `extension/dist/extension.js`. */
  name: string;
  size: number;
  compressedSize: number;
  /** 0: stored, 8: deflated. */
  method: number;
  /** Offset of the entry's local header. */
  offset: number;
}

export interface PackagedVsix {
  file: string;
  /** Bytes of the .vsix. */
  size: number;
  entries: VsixEntry[];
  durationMs: number;
}

const VSCE = path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce');

/**
 * `vsce package --out <file>` in the repository: runs `vscode:prepublish` (the production build into
 * dist/), then zips what .vscodeignore lets through. Throws with vsce's output when it fails.
 */
export function packageVsix(file: string): PackagedVsix {
  const t0 = Date.now();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  const r = spawnSync(VSCE, ['package', '--out', file], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error) throw r.error;
  if (r.status !== 0 || !fs.existsSync(file))
    throw new Error(`vsce package exited with ${r.status ?? r.signal}:\n${out.slice(-4000)}`);
  return { file, size: fs.statSync(file).size, entries: zipEntries(file), durationMs: Date.now() - t0 };
}

/** An existing .vsix (built elsewhere) as packageVsix would return it. */
export function readVsix(file: string): PackagedVsix {
  return { file, size: fs.statSync(file).size, entries: zipEntries(file), durationMs: 0 };
}

/** The entries of a zip file, from its central directory (no extraction). */
export function zipEntries(file: string): VsixEntry[] {
  const buf = fs.readFileSync(file);
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries: VsixEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const offset = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    if (!name.endsWith('/')) entries.push({ name, size, compressedSize, method, offset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The content of one entry of a zip file. */
export function zipRead(file: string, entry: VsixEntry): Buffer {
  const buf = fs.readFileSync(file);
  const at = entry.offset;
  if (buf.readUInt32LE(at) !== 0x04034b50) throw new Error(`${file}: bad local header of ${entry.name}`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return zlib.inflateRawSync(data);
  throw new Error(`${file}: ${entry.name} uses zip method ${entry.method}`);
}

/** What a .vsix of this extension must and must not hold, and how big it may be. */
export const VSIX_RULES = {
  /** Files the extension cannot work without (paths inside `extension/`). */
  required: [
    'package.json',
    // vsce's names for README.md, CHANGELOG.md and LICENSE
    'readme.md',
    'changelog.md',
    'LICENSE.txt',
    'dist/extension.js',
    'dist/server.js',
    'dist/trainer.js',
    'dist/cli.js',
    'dist/webview/main.js',
    'media/spt-experiment.schema.json',
    'media/icons/spt.svg',
    'media/icons/spt-file.svg',
    'media/language/spt-yaml.tmLanguage.json',
    'media/language/spt-yaml.language-configuration.json',
    'node_modules/sharp/package.json',
    'node_modules/sharp/lib/index.js',
    'node_modules/detect-libc/package.json',
    'node_modules/semver/package.json',
    'node_modules/@img/colour/package.json',
  ],
  /** Every template New Experiment offers (examples/templates/*.spt.yaml in the repository). */
  templatesDir: 'examples/templates',
  /**
   * Path patterns (inside `extension/`) that must not be there, with the reason shown on failure
   * (besides everything outside `topLevel`: src/, webview-ui/, test/, scripts/, bench/, docs/, out/,
   * dot folders such as .cache and .test-output).
   */
  forbidden: [
    [/^examples\/default\/data\//, "the demo's written-out data"],
    [/^examples\/study\//, "the repository's head-width study (docs/RESULTS.md)"],
    [/^examples\/(?:.+\/)?runs\//, 'run folders of an example'],
    [/^examples\/(?:data|checkpoints)\//, "the CUB example's downloaded dataset or checkpoint"],
    [
      /^node_modules\/@tensorflow\//,
      'TensorFlow.js packages (bundled into dist/, native ones installed on demand)',
    ],
    [
      /^node_modules\/(webgpu|playwright-core|code-server|esbuild|@esbuild|typescript|mocha|@vscode)\//,
      'a dev or optional package',
    ],
    [/\.map$/, 'a source map'],
    [/(?<!\.d)\.ts$/, 'a TypeScript source'],
    [/\.vsix$/, 'another .vsix'],
  ] as [RegExp, string][],
  /**
   * The only top-level files and folders of the extension: anything new (a tool's folder, a data
   * file) must be left out in .vscodeignore or added here on purpose.
   */
  topLevel: [
    'package.json',
    'readme.md',
    'changelog.md',
    'LICENSE.txt',
    'dist',
    'media',
    'examples',
    'node_modules',
  ],
  /** The only packages under node_modules: sharp (external to the bundles: native) and what it loads. */
  allowedPackages: [/^sharp$/, /^@img\/[^/]+$/, /^detect-libc$/, /^semver$/],
  /**
   * Bare `require("x")` in the Node bundles that need not be in the .vsix: the host's API, and
   * node-fetch's optional `encoding` (inside tfjs-core, guarded by try/catch). The optional native
   * backends are loaded by path at run time, never by a literal require.
   */
  optionalRequires: ['vscode', 'encoding'],
  /**
   * Limits that catch an accidental node_modules/ or data folder (measured: 9.9 MB, 120 files before the
   * native CPU engine's binary, which adds ~6 MB compressed; issue 16 keeps the .vsix under 40 MB).
   */
  maxBytes: 40 * 1024 * 1024,
  maxFiles: 250,
};

export interface VsixCheck {
  problems: string[];
  /** Lines for the log: size, counts, the biggest files. */
  report: string[];
}

/** The package folder of a node_modules path (`@img/colour`, `sharp`), or undefined. */
function packageOf(rel: string): string | undefined {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(rel);
  return m?.[1];
}

/** Checks the .vsix's file list against VSIX_RULES and the repository's templates and wasm binaries. */
export function checkVsix(vsix: PackagedVsix, platform = process.platform, arch = process.arch): VsixCheck {
  const problems: string[] = [];
  const files = vsix.entries
    .filter((e) => e.name.startsWith('extension/'))
    .map((e) => ({ ...e, rel: e.name.slice('extension/'.length) }));
  const names = new Set(files.map((f) => f.rel));
  const require = (rel: string, why: string) => {
    if (!names.has(rel)) problems.push(`missing ${rel} (${why})`);
  };
  for (const rel of VSIX_RULES.required) require(rel, 'required');
  for (const f of fs.readdirSync(path.join(REPO_ROOT, VSIX_RULES.templatesDir)))
    require(`${VSIX_RULES.templatesDir}/${f}`, 'a New Experiment template');
  const wasm = fs.readdirSync(path.join(REPO_ROOT, 'dist', 'wasm')).filter((f) => f.endsWith('.wasm'));
  if (!wasm.length) problems.push('dist/wasm/ has no .wasm file to compare with');
  for (const f of wasm) require(`dist/wasm/${f}`, 'the tfjs wasm backend binary');
  require('dist/wasm/tfjs-backend-wasm-threaded-simd.js', "the threaded wasm build's script (wasm threads)");
  // sharp's prebuilt binary and libvips for this machine (one .vsix per target platform).
  const target = `${platform}-${arch}`;
  // The native CPU engine's prebuilt binary for this platform, as scripts/build.mjs copies it into dist/.
  if (fs.existsSync(path.join(REPO_ROOT, 'prebuilds', target, 'spt-native.node.br')))
    require(`dist/native/${target}/spt-native.node`, "the native CPU step engine's prebuilt binary");
  for (const pkg of [`@img/sharp-${target}`, `@img/sharp-libvips-${target}`]) {
    if (!fs.existsSync(path.join(REPO_ROOT, 'node_modules', pkg))) continue;
    require(`node_modules/${pkg}/package.json`, "sharp's native binary for this platform");
  }
  if (!files.some((f) => /^node_modules\/@img\/sharp-[^/]+\/lib\/[^/]+\.node$/.test(f.rel)))
    problems.push('no sharp .node binary under node_modules/@img/ (images could not be read)');

  const strangers = new Map<string, string[]>();
  for (const f of files) {
    const top = f.rel.split('/')[0];
    if (!VSIX_RULES.topLevel.includes(top)) {
      strangers.set(top, [...(strangers.get(top) ?? []), f.rel]);
      continue;
    }
    for (const [re, why] of VSIX_RULES.forbidden)
      if (re.test(f.rel)) problems.push(`unexpected ${f.rel}: ${why}`);
    const pkg = packageOf(f.rel);
    if (pkg && !VSIX_RULES.allowedPackages.some((re) => re.test(pkg)))
      problems.push(
        `unexpected package node_modules/${pkg}/ (${f.rel}): only sharp and its dependencies ship`,
      );
  }
  for (const [top, rels] of strangers)
    problems.push(
      `unexpected ${top}${rels.length > 1 || rels[0] !== top ? '/' : ''} (${rels.length} file${rels.length === 1 ? '' : 's'}: ${rels.slice(0, 3).join(', ')}${rels.length > 3 ? ', ...' : ''}): not one of the top-level entries ${VSIX_RULES.topLevel.join(', ')}; leave it out in .vscodeignore`,
    );

  // Every package the Node bundles require must ship (or be a builtin or known optional).
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const shipped = new Set(files.map((f) => packageOf(f.rel)).filter(Boolean));
  for (const bundle of ['extension', 'server', 'trainer', 'cli']) {
    const entry = vsix.entries.find((e) => e.name === `extension/dist/${bundle}.js`);
    if (!entry) continue;
    const code = zipRead(vsix.file, entry).toString('utf8');
    for (const m of code.matchAll(/\brequire\((["'])([^"'./][^"']*)\1\)/g)) {
      const id = m[2];
      const pkg = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0];
      if (builtins.has(id) || builtins.has(pkg) || VSIX_RULES.optionalRequires.includes(pkg)) continue;
      if (!shipped.has(pkg))
        problems.push(`dist/${bundle}.js requires '${id}' but node_modules/${pkg}/ is not in the .vsix`);
    }
  }

  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (vsix.size > VSIX_RULES.maxBytes)
    problems.push(`the .vsix is ${mb(vsix.size)}, over the ${mb(VSIX_RULES.maxBytes)} limit`);
  if (files.length > VSIX_RULES.maxFiles)
    problems.push(`the .vsix holds ${files.length} files, over the ${VSIX_RULES.maxFiles} limit`);

  const unpacked = files.reduce((s, f) => s + f.size, 0);
  const byTop = new Map<string, { n: number; bytes: number }>();
  for (const f of files) {
    const top = packageOf(f.rel) ? `node_modules/${packageOf(f.rel)}` : f.rel.split('/')[0];
    const t = byTop.get(top) ?? { n: 0, bytes: 0 };
    t.n++;
    t.bytes += f.size;
    byTop.set(top, t);
  }
  const report = [
    `${path.basename(vsix.file)}: ${mb(vsix.size)}, ${files.length} files, ${mb(unpacked)} unpacked`,
    ...[...byTop.entries()]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .map(([top, t]) => `  ${top}: ${t.n} file${t.n === 1 ? '' : 's'}, ${mb(t.bytes)}`),
  ];
  return { problems: [...new Set(problems)], report };
}
