/**
 * Runs the real build (scripts/build.mjs) and checks what it leaves in dist/.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const dist = path.join(root, 'dist');
const BUNDLES = ['extension.js', 'server.js', 'trainer.js', 'cli.js', 'webview/main.js'];
const WASM = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

describe('build (scripts/build.mjs)', () => {
  let output = '';

  before(function () {
    this.timeout(120_000);
    output = execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], {
      cwd: root,
      encoding: 'utf8',
    });
  });

  it('prints a one-line summary with the bundle sizes', () => {
    const lines = output.trim().split('\n');
    assert.equal(lines.length, 1, output);
    assert.match(lines[0], /^build: extension\.js \d+(\.\d)? [kM]B, .* in \d+ ms/);
  });

  for (const bundle of BUNDLES) {
    it(`writes dist/${bundle} and its sourcemap`, () => {
      assert.ok(fs.statSync(path.join(dist, bundle)).size > 0);
      assert.ok(fs.existsSync(path.join(dist, `${bundle}.map`)));
    });
  }

  it('keeps TensorFlow.js out of the extension bundle', () => {
    const js = fs.readFileSync(path.join(dist, 'extension.js'), 'utf8');
    // Module code, not text: esbuild marks every bundled file with a `// node_modules/...` comment, and an
    // unbundled one would be a require call (the schema's docs may name the packages).
    assert.ok(
      !/\/\/ node_modules\/@tensorflow\//.test(js),
      'dist/extension.js bundles a @tensorflow package',
    );
    assert.ok(!/require\(["']@tensorflow\//.test(js), 'dist/extension.js requires a @tensorflow package');
    assert.ok(!/\/\/ src\/engine\/tf\.ts/.test(js), 'dist/extension.js bundles src/engine/tf.ts');
  });

  it('keeps vscode and the native packages external', () => {
    const ext = fs.readFileSync(path.join(dist, 'extension.js'), 'utf8');
    assert.match(ext, /require\("vscode"\)/);
    const trainer = fs.readFileSync(path.join(dist, 'trainer.js'), 'utf8');
    assert.ok(!trainer.includes('node_modules/sharp/'), 'sharp is bundled into the trainer');
  });

  it('bundles the ESM build of tfjs-core once (so registered gradients share it)', () => {
    const trainer = fs.readFileSync(path.join(dist, 'trainer.js'), 'utf8');
    assert.ok(trainer.includes('node_modules/@tensorflow/tfjs-core/dist/engine.js'));
    assert.ok(!trainer.includes('tf-core.node.js'), 'the CommonJS build of tfjs-core was bundled');
  });

  it("copies the three wasm binaries and the threaded build's script into dist/wasm", () => {
    assert.deepEqual(
      fs.readdirSync(path.join(dist, 'wasm')).sort(),
      [...WASM, 'tfjs-backend-wasm-threaded-simd.js'].sort(),
    );
  });

  it('builds the webview as a browser script without require()', () => {
    const js = fs.readFileSync(path.join(dist, 'webview/main.js'), 'utf8');
    assert.ok(!/\brequire\(/.test(js));
    assert.match(js, /initialized/);
  });
});
