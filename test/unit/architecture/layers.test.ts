/**
 * The layers of SPT Studio hold (issue 18, point 7), checked on the import graph of the sources
 * (./import-graph.ts) and on the real esbuild bundles:
 * - src/engine imports no extension, server, CLI, trainer or webview code, and no `vscode`;
 * - src/config imports nothing but itself (and the yaml package), so every layer can read a config;
 * - src/run-folder imports only itself, the config and the shared contracts;
 * - src/shared (the contracts) imports only the pure leaves it is typed by (config/methods.ts,
 *   config/backends.ts, run-folder/status.ts);
 * - the webview imports only the shared contracts;
 * - the extension imports nothing from the engine (what it needs of the engine's concepts lives in
 *   src/run-folder/ and src/shared/); the language server reaches it only through the files listed
 *   below;
 * - no import cycles at run time;
 * - the extension and server bundles contain no TensorFlow.js.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { cycles, fileEdges, type ImportEdge, importGraph, ROOT } from './import-graph';

const edges = importGraph();
const files = fileEdges(edges);

/** `src/engine/x.ts` -> `engine`; webview-ui -> `webview`. */
const layer = (f: string) => (f.startsWith('webview-ui/') ? 'webview' : f.split('/')[1]);
const show = (e: ImportEdge) => `${e.from}:${e.line} -> ${e.to}`;

function violations(from: string, allowed: (e: ImportEdge) => boolean): string[] {
  return files.filter((e) => layer(e.from) === from && !allowed(e)).map(show);
}

/** Engine files the language server's file checks may import: pure Node, no TensorFlow. */
const ENGINE_FOR_THE_SERVER = new Set([
  'src/engine/checkpoint/header-check.ts',
  'src/engine/checkpoint/layout-detect.ts',
  'src/engine/data/data-error.ts',
  'src/engine/data/split-file.ts',
]);

/** The files esbuild puts into a Node bundle of `entry`, with the externals of scripts/build.mjs. */
async function bundleInputs(entry: string): Promise<string[]> {
  const external = ['vscode', 'sharp', 'webgpu'].concat(
    ['node', 'node-gpu', 'backend-webgpu'].map((p) => `@tensorflow/tfjs-${p}`),
  );
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    external,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('architecture: layers', () => {
  it('reads the import graph (a sanity check of the reader itself)', () => {
    assert.ok(files.length > 500, `only ${files.length} imports found`);
    assert.ok(
      files.some((e) => e.from === 'src/engine/train/train-run.ts' && e.to === 'src/config/load-config.ts'),
    );
    assert.ok(edges.some((e) => e.from === 'src/extension/extension.ts' && e.to === 'vscode'));
  });

  it('the engine imports no extension, server, CLI, trainer or webview code, and no vscode', () => {
    assert.deepEqual(
      violations(
        'engine',
        (e) => !['extension', 'server', 'cli', 'trainer', 'webview'].includes(layer(e.to)),
      ),
      [],
    );
    assert.deepEqual(edges.filter((e) => layer(e.from) === 'engine' && e.to === 'vscode').map(show), []);
  });

  it('the config imports nothing but itself (and the yaml package)', () => {
    assert.deepEqual(
      violations('config', (e) => layer(e.to) === 'config'),
      [],
    );
    const packages = edges.filter(
      (e) =>
        layer(e.from) === 'config' &&
        !e.to.startsWith('src/') &&
        !e.to.startsWith('node:') &&
        e.to !== 'yaml',
    );
    assert.deepEqual(packages.map(show), []);
  });

  it('the run folder imports only itself, the config and the shared contracts', () => {
    assert.deepEqual(
      violations('run-folder', (e) => ['run-folder', 'config', 'shared'].includes(layer(e.to))),
      [],
    );
  });

  it('the shared contracts import only themselves and the pure leaves they are typed by', () => {
    const leaves = new Set(['src/config/methods.ts', 'src/config/backends.ts', 'src/run-folder/status.ts']);
    assert.deepEqual(
      violations('shared', (e) => layer(e.to) === 'shared' || leaves.has(e.to)),
      [],
    );
  });

  it('the webview imports only the shared contracts (and its own files)', () => {
    assert.deepEqual(
      violations('webview', (e) => ['webview', 'shared'].includes(layer(e.to))),
      [],
    );
  });

  it('the extension imports nothing from the engine', () => {
    assert.deepEqual(
      violations('extension', (e) => layer(e.to) !== 'engine'),
      [],
    );
    // The files that used to be imported from the engine now live here, and the engine imports them.
    for (const [user, home] of [
      ['src/engine/data/imagefolder.ts', 'src/shared/class-order.ts'],
      ['src/engine/backend/doctor.ts', 'src/shared/doctor-report.ts'],
      ['src/engine/checkpoint/read-checkpoint.ts', 'src/run-folder/tensors/safetensors.ts'],
    ])
      assert.ok(
        files.some((e) => e.from === user && e.to === home),
        `${user} imports ${home}`,
      );
  });

  it('the language server reaches the engine only through pure files', () => {
    assert.deepEqual(
      violations('server', (e) => layer(e.to) !== 'engine' || ENGINE_FOR_THE_SERVER.has(e.to)),
      [],
    );
    assert.deepEqual(
      violations('server', (e) => !['extension', 'cli', 'trainer'].includes(layer(e.to))),
      [],
    );
  });

  it('no import cycles at run time', () => {
    assert.deepEqual(cycles(files), []);
  });

  for (const [name, entry] of [
    ['extension', 'src/extension/extension.ts'],
    ['language server', 'src/server/server-main.ts'],
  ])
    it(`the ${name} bundle contains no TensorFlow.js (esbuild, as scripts/build.mjs bundles it)`, async () => {
      const inputs = await bundleInputs(entry);
      assert.ok(inputs.includes(entry), `${entry} is not among the bundle's inputs`);
      assert.deepEqual(
        inputs.filter((p) => p.includes('@tensorflow/') || p === path.normalize('src/engine/tf.ts')),
        [],
      );
    });

  it('the trainer bundle does contain TensorFlow.js (the check above can see it)', async () => {
    const inputs = await bundleInputs('src/trainer/trainer-main.ts');
    assert.ok(inputs.some((p) => p.includes('@tensorflow/tfjs-core')));
  });
});
