/**
 * Finds and loads spt-native.node, the native CPU step engine's kernels (native/src), and says why not
 * when it cannot. Looked for, in order:
 *
 *   1. SPT_NATIVE_ADDON (a path: only that file is tried)
 *   2. native/build/spt-native.node          a source build (`npm run build:native`)
 *   3. <bundle dir>/native/<platform>-<arch>/ the copy scripts/build.mjs puts beside dist/ bundles
 *   4. prebuilds/<platform>-<arch>/          the committed prebuilt binary (linux-x64)
 *
 * SPT_NATIVE=0 turns the native path off (the reason says so). The result is cached per process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The kernel interface version this engine needs (native/src/addon.c SPT_NATIVE_VERSION). */
export const NATIVE_ADDON_VERSION = '1';
export const NATIVE_ADDON_FILE = 'spt-native.node';

export interface NativeAddon {
  kernelCode(key: string): number;
  kernelInfo(code: number): { fields: string; buffers: number };
  run(code: number, uniform: ArrayBuffer, z: number, ...buffers: Float32Array[]): void;
  setThreads(n: number): number;
  info(): { version: string; blas: string; core: string; target: string; threads: number };
}

export interface NativeLoad {
  addon: NativeAddon | null;
  /** The file that loaded. */
  path: string | null;
  /** What loaded (BLAS, CPU kernels, file), or why nothing did. */
  reason: string;
  tried: { path: string; error: string }[];
}

const platform = () => `${process.platform}-${process.arch}`;

/** The package root: the nearest folder above this file whose package.json names spt-studio. */
export function packageRoot(from = __dirname): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'spt-studio') return dir;
    } catch {}
    if (path.dirname(dir) === dir) return null;
  }
}

/** Where the binary is looked for, in order (see the file comment). */
export function nativeAddonCandidates(): string[] {
  if (process.env.SPT_NATIVE_ADDON) return [path.resolve(process.env.SPT_NATIVE_ADDON)];
  const root = packageRoot();
  const out: string[] = [];
  if (root) out.push(path.join(root, 'native', 'build', NATIVE_ADDON_FILE));
  out.push(path.join(__dirname, 'native', platform(), NATIVE_ADDON_FILE));
  // a checkout after `npm run build` (which unpacks prebuilds/<platform>/spt-native.node.br there)
  if (root) out.push(path.join(root, 'dist', 'native', platform(), NATIVE_ADDON_FILE));
  if (root) out.push(path.join(root, 'prebuilds', platform(), NATIVE_ADDON_FILE));
  return [...new Set(out)];
}

function describe(addon: NativeAddon, file: string): string {
  const info = addon.info();
  const blas = /^OpenBLAS [\d.]+/.exec(info.blas)?.[0] ?? info.blas;
  const root = packageRoot();
  const shown = root && file.startsWith(root + path.sep) ? path.relative(root, file) : file;
  return `${blas} (${info.core} kernels, ${info.target} code) from ${shown}`;
}

function tryLoad(file: string): NativeAddon {
  const mod = { exports: {} as NativeAddon };
  // OpenBLAS sizes its own thread pool when it loads; the engine runs each product on one thread.
  const saved = process.env.OPENBLAS_NUM_THREADS;
  process.env.OPENBLAS_NUM_THREADS = '1';
  try {
    process.dlopen(mod, file);
  } finally {
    if (saved === undefined) delete process.env.OPENBLAS_NUM_THREADS;
    else process.env.OPENBLAS_NUM_THREADS = saved;
  }
  const a = mod.exports;
  for (const f of ['kernelCode', 'kernelInfo', 'run', 'setThreads', 'info'] as const)
    if (typeof a[f] !== 'function') throw new Error(`it has no ${f}() (not an SPT Studio native addon)`);
  const v = a.info().version;
  if (v !== NATIVE_ADDON_VERSION)
    throw new Error(
      `it has kernel interface ${v}, this SPT Studio needs ${NATIVE_ADDON_VERSION}: rebuild it (npm run build:native)`,
    );
  return a;
}

let cached: NativeLoad | undefined;

export function loadNativeAddon(): NativeLoad {
  if (cached) return cached;
  if (process.env.SPT_NATIVE === '0') {
    cached = { addon: null, path: null, reason: 'turned off (SPT_NATIVE=0)', tried: [] };
    return cached;
  }
  const tried: NativeLoad['tried'] = [];
  for (const file of nativeAddonCandidates()) {
    if (!fs.existsSync(file)) {
      tried.push({ path: file, error: 'not found' });
      continue;
    }
    try {
      const addon = tryLoad(file);
      cached = { addon, path: file, reason: describe(addon, file), tried };
      return cached;
    } catch (err) {
      // dlopen's message starts with the file name again
      const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      tried.push({ path: file, error: msg.startsWith(`${file}: `) ? msg.slice(file.length + 2) : msg });
    }
  }
  const failed = tried.filter((t) => t.error !== 'not found');
  const reason = failed.length
    ? `${NATIVE_ADDON_FILE} did not load: ${failed.map((t) => `${t.path}: ${t.error}`).join('; ')}`
    : process.env.SPT_NATIVE_ADDON
      ? `SPT_NATIVE_ADDON=${process.env.SPT_NATIVE_ADDON} does not exist`
      : `no ${NATIVE_ADDON_FILE} for ${platform()} (prebuilt for linux-x64 only; elsewhere run npm run build:native)`;
  cached = { addon: null, path: null, reason, tried };
  return cached;
}

/** The addon, or an error with the reason it did not load. */
export function requireNativeAddon(): { addon: NativeAddon; path: string; reason: string } {
  const l = loadNativeAddon();
  if (!l.addon || !l.path) throw new Error(l.reason);
  return { addon: l.addon, path: l.path, reason: l.reason };
}

/** Forgets the cached load (tests that point SPT_NATIVE_ADDON elsewhere). */
export function resetNativeAddonCache(): void {
  cached = undefined;
}
