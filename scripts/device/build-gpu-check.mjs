/**
 * Bundles scripts/device/gpu-check.ts for a machine without npm: .gpu/helpers/gpu-check.js (its
 * __dirname/../fixtures/parity is where the device command copies the parity fixtures) and the
 * minimal node_modules the optional GPU backends need at run time. Dev tooling only.
 */
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: ['scripts/device/gpu-check.ts'],
  outfile: '.gpu/helpers/gpu-check.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  mainFields: ['module', 'main'],
  external: [
    'sharp',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    '@tensorflow/tfjs-backend-webgpu',
    'webgpu',
  ],
  logLevel: 'warning',
});
