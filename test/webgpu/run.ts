/**
 * `npm run test:webgpu`: the engine on the webgpu backend (Dawn), on a machine without a GPU too, through
 * Mesa's software Vulkan driver lavapipe (Mesa >= 25: Dawn rejects Debian 12's 22.3). Sets up the
 * environment, checks that Dawn offers an adapter (failing with the install command when none; it never
 * passes silently), then runs in one mocha process: `spt doctor` on that adapter, the PyTorch parity
 * fixtures and the finite-difference gradient checks on webgpu, and a short training run whose per-step
 * losses must equal the wasm run's.
 *
 * Environment it sets where unset: SPT_WEBGPU_SOFTWARE=1 (the opt-in to a software adapter),
 * VK_ICD_FILENAMES=<lavapipe's lvp_icd.json>, a temporary XDG_RUNTIME_DIR, and
 * MESA_SHADER_CACHE_DIR=.cache/mesa-shader-cache (compiled shaders kept between runs). SPT_SKIP_WEBGPU=1
 * skips the layer, saying so.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { adapterInfo, adapterSummary } from '../../src/engine/backend/webgpu-adapter';

const ROOT = path.join(__dirname, '..', '..');
const LVP_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
const INSTALL = [
  'install Mesa >= 25 lavapipe (Debian 12: from bookworm-backports), as root:',
  '  echo "deb http://deb.debian.org/debian bookworm-backports main" > /etc/apt/sources.list.d/backports.list',
  '  apt-get update && apt-get install -y -t bookworm-backports mesa-vulkan-drivers',
  '(`bash .ci/run` does this, reusing the configured mirror), or run on a machine with a Vulkan GPU driver;',
  'SPT_SKIP_WEBGPU=1 skips this layer explicitly.',
].join('\n');

/** The doctor first (cheap), the engine's own checks on webgpu, then every test of test/webgpu. */
const FIRST = [
  'test/webgpu/doctor.test.ts',
  'test/unit/engine/parity.test.ts',
  'test/unit/engine/gradient-check.test.ts',
];
const SPECS = [
  ...FIRST,
  ...fs
    .readdirSync(path.join(ROOT, 'test', 'webgpu'))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => `test/webgpu/${f}`)
    .filter((f) => !FIRST.includes(f)),
];

function mesaVersion(): string {
  // dpkg-query's default format: "package<TAB>version"
  const r = spawnSync('dpkg-query', ['-W', 'mesa-vulkan-drivers'], { encoding: 'utf8' });
  const version = r.status === 0 ? r.stdout.split('\t')[1]?.trim() : '';
  return version || 'not installed (or not a dpkg system)';
}

async function main(): Promise<number> {
  if (process.env.SPT_SKIP_WEBGPU === '1') {
    console.log(
      'test:webgpu: SKIPPED (SPT_SKIP_WEBGPU=1): webgpu parity, gradient checks and training not run',
    );
    return 0;
  }
  const t0 = Date.now();
  const env = process.env;
  env.SPT_WEBGPU_SOFTWARE = '1';
  env.SPT_PARITY_BACKENDS = 'webgpu';
  env.SPT_GRADCHECK_BACKENDS = 'webgpu';
  if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && fs.existsSync(LVP_ICD)) env.VK_ICD_FILENAMES = LVP_ICD;
  let runtimeDir: string | undefined;
  if (!env.XDG_RUNTIME_DIR || !fs.existsSync(env.XDG_RUNTIME_DIR)) {
    runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-xdg-'));
    env.XDG_RUNTIME_DIR = runtimeDir;
  }
  env.MESA_SHADER_CACHE_DIR ||= path.join(ROOT, '.cache', 'mesa-shader-cache');
  fs.mkdirSync(env.MESA_SHADER_CACHE_DIR, { recursive: true });
  try {
    // Dawn reads the Vulkan variables when it starts: set above, before this first use.
    const probe = await adapterInfo();
    if (!probe.adapter) {
      console.error(
        `test:webgpu: FAIL: ${probe.reason}\n` +
          `(VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES ?? '(unset)'}; mesa-vulkan-drivers ${mesaVersion()})\n` +
          (/not installed/.test(probe.reason)
            ? 'run `npm install` (webgpu and @tensorflow/tfjs-backend-webgpu are optional dependencies)'
            : INSTALL),
      );
      return 1;
    }
    console.log(`test:webgpu: on ${adapterSummary(probe.adapter)}`);
    console.log(
      `test:webgpu: VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES ?? '(unset)'} MESA_SHADER_CACHE_DIR=${env.MESA_SHADER_CACHE_DIR}`,
    );
    const mocha = require.resolve('mocha/bin/mocha.js');
    const args = ['--no-config', '--require', 'tsx/cjs', '--extension', 'ts', '--timeout', '600000'];
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [mocha, ...args, '--reporter', 'spec', '--exit', ...SPECS], {
        cwd: ROOT,
        env,
        stdio: 'inherit',
      });
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    console.log(`test:webgpu: ${code === 0 ? 'PASS' : 'FAIL'} in ${Math.round((Date.now() - t0) / 1000)}s`);
    return code;
  } finally {
    if (runtimeDir) fs.rmSync(runtimeDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`test:webgpu: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
    process.exit(1);
  },
);
