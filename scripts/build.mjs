/**
 * Bundles every process entry into dist/ with esbuild.
 *
 *   node scripts/build.mjs               one build (sourcemaps on)
 *   node scripts/build.mjs --production  minified
 *   node scripts/build.mjs --watch       rebuild on change
 *
 * Node bundles resolve `module` before `main` so that @tensorflow/tfjs-core resolves to its ESM build
 * and `@tensorflow/tfjs-core/dist/register_all_gradients` shares its module instances (with `main`
 * first the gradients would register into a second copy of the core). Native and GPU packages stay
 * external: they are loaded at run time from wherever they are installed (see load-package.ts).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const production = args.has('--production');

const NODE_EXTERNALS = [
  'vscode',
  'sharp',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-backend-webgpu',
  'webgpu',
];

/** @type {Array<{ name: string; entry: string; outfile: string; browser?: boolean }>} */
const ENTRIES = [
  { name: 'extension', entry: 'src/extension/extension.ts', outfile: 'extension.js' },
  { name: 'server', entry: 'src/server/server-main.ts', outfile: 'server.js' },
  { name: 'trainer', entry: 'src/trainer/trainer-main.ts', outfile: 'trainer.js' },
  { name: 'cli', entry: 'src/cli/cli.ts', outfile: 'cli.js' },
  { name: 'webview', entry: 'webview-ui/src/main.ts', outfile: 'webview/main.js', browser: true },
];

/** @returns {import('esbuild').BuildOptions} */
function options({ entry, outfile, browser }) {
  const common = {
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: path.join(dist, outfile),
    bundle: true,
    sourcemap: true,
    minify: production,
    metafile: true,
    logLevel: 'warning',
  };
  if (browser) return { ...common, platform: 'browser', format: 'iife', target: 'es2022' };
  return {
    ...common,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: NODE_EXTERNALS,
  };
}

function fail(message) {
  console.error(`build: ${message}`);
  if (!watch) process.exit(1);
}

function copyWasm() {
  const req = createRequire(path.join(root, 'package.json'));
  const pkgDir = path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const out = path.join(dist, 'wasm');
  fs.mkdirSync(out, { recursive: true });
  const files = fs.readdirSync(path.join(pkgDir, 'dist')).filter((f) => f.endsWith('.wasm'));
  if (files.length === 0) fail(`no .wasm files in ${pkgDir}/dist`);
  for (const f of files) fs.copyFileSync(path.join(pkgDir, 'dist', f), path.join(out, f));
  // The threaded build's main script, loaded by its worker threads (src/engine/backend/wasm-threads.ts).
  const threaded = 'tfjs-backend-wasm-threaded-simd.js';
  const threadedSrc = path.join(pkgDir, 'wasm-out', threaded);
  if (!fs.existsSync(threadedSrc)) fail(`${threadedSrc} is missing: wasm threads would be off`);
  else {
    fs.copyFileSync(threadedSrc, path.join(out, threaded));
    files.push(threaded);
  }
  return files.map((f) => path.join(out, f));
}

/**
 * The native CPU engine's prebuilt binaries, beside the bundles: dist/native/<platform>-<arch>/, where
 * src/engine/native/native-addon.ts looks. The repository keeps each one brotli-compressed
 * (prebuilds/<platform>-<arch>/spt-native.node.br, 1.4 MB instead of 24 MB) with its build record
 * (spt-native.json: the SHA-256 and size of the binary itself); a local `build-native.sh --prebuild` may
 * leave the plain .node there too. The .vsix ships dist/native (prebuilds/ itself stays out of it).
 */
function copyNative() {
  const src = path.join(root, 'prebuilds');
  const out = [];
  if (!fs.existsSync(src)) return out;
  for (const plat of fs.readdirSync(src)) {
    const plain = path.join(src, plat, 'spt-native.node');
    const packed = `${plain}.br`;
    if (!fs.existsSync(plain) && !fs.existsSync(packed)) continue;
    const dir = path.join(dist, 'native', plat);
    fs.mkdirSync(dir, { recursive: true });
    const bin = path.join(dir, 'spt-native.node');
    const data = fs.existsSync(plain)
      ? fs.readFileSync(plain)
      : zlib.brotliDecompressSync(fs.readFileSync(packed));
    const record = path.join(src, plat, 'spt-native.json');
    if (fs.existsSync(record)) {
      const want = JSON.parse(fs.readFileSync(record, 'utf8')).sha256;
      const got = crypto.createHash('sha256').update(data).digest('hex');
      if (want && want !== got)
        throw new Error(`${plat}: spt-native.node has SHA-256 ${got}, its record says ${want}`);
      fs.copyFileSync(record, path.join(dir, 'spt-native.json'));
      out.push(path.join(dir, 'spt-native.json'));
    }
    // Never rewrite a loaded shared object in place (a process that mapped it would crash): leave an
    // identical file alone, replace a changed one by renaming a new file over it.
    if (!(fs.existsSync(bin) && fs.readFileSync(bin).equals(data))) {
      const tmp = `${bin}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, data, { mode: 0o755 });
      fs.renameSync(tmp, bin);
    }
    out.push(bin);
  }
  return out;
}

function copyCss() {
  const src = path.join(root, 'webview-ui/src');
  const out = path.join(dist, 'webview');
  fs.mkdirSync(out, { recursive: true });
  const files = fs.existsSync(src) ? fs.readdirSync(src).filter((f) => f.endsWith('.css')) : [];
  for (const f of files) fs.copyFileSync(path.join(src, f), path.join(out, f));
  return files.map((f) => path.join(out, f));
}

/** The extension host must never load TensorFlow: it runs in the trainer and CLI processes only. */
function assertNoTensorFlow(result) {
  const file = path.join(dist, 'extension.js');
  const tfInputs = Object.keys(result.metafile?.inputs ?? {}).filter((p) => p.includes('@tensorflow/'));
  if (tfInputs.length || fs.readFileSync(file, 'utf8').includes('tfjs-core')) {
    fail(`dist/extension.js contains TensorFlow.js (${tfInputs.slice(0, 3).join(', ') || "'tfjs-core'"})`);
    return false;
  }
  return true;
}

const kb = (bytes) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.round(bytes / 1024)} kB`;
const size = (file) => fs.statSync(file).size;

function summary(ms, outfiles, extra) {
  const parts = outfiles.map((f) => `${path.relative(dist, f)} ${kb(size(f))}`);
  return `build: ${parts.join(', ')}${extra} in ${ms} ms${production ? ' (production)' : ''}`;
}

const missing = ENTRIES.filter((e) => !fs.existsSync(path.join(root, e.entry)));
if (missing.length) fail(`missing entry ${missing.map((e) => e.entry).join(', ')}`);

const t0 = Date.now();
const wasm = copyWasm();
const native = copyNative();
const wasmNote =
  `, wasm/ ${wasm.length} files ${kb(wasm.reduce((s, f) => s + size(f), 0))}` +
  (native.length ? `, native/ ${native.length} files ${kb(native.reduce((s, f) => s + size(f), 0))}` : '');

if (watch) {
  for (const e of ENTRIES) {
    const reporter = {
      name: 'report',
      setup(build) {
        let start = Date.now();
        build.onStart(() => {
          start = Date.now();
        });
        build.onEnd((result) => {
          if (result.errors.length) return;
          if (e.name === 'extension' && !assertNoTensorFlow(result)) return;
          if (e.browser) copyCss();
          console.log(summary(Date.now() - start, [path.join(dist, e.outfile)], ''));
        });
      },
    };
    const ctx = await esbuild.context({ ...options(e), plugins: [reporter] });
    await ctx.watch();
  }
  console.log('build: watching for changes (Ctrl+C to stop)');
} else {
  let results;
  try {
    results = await Promise.all(ENTRIES.map((e) => esbuild.build(options(e))));
  } catch {
    // esbuild has already printed the errors.
    fail('failed');
  }
  assertNoTensorFlow(results[ENTRIES.findIndex((e) => e.name === 'extension')]);
  const css = copyCss();
  const outfiles = ENTRIES.map((e) => path.join(dist, e.outfile)).concat(css);
  console.log(summary(Date.now() - t0, outfiles, wasmNote));
}
