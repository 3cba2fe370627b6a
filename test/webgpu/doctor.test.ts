/**
 * `spt doctor` on this machine's real WebGPU adapter (lavapipe in CI, set up by test/webgpu/run.ts):
 * a child process of bin/spt.js over the built bundle, as users run it. It must name the adapter
 * (vendor, architecture, fallback or not, buffer limits) and say why `auto` picks webgpu or not.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DoctorReport } from '../../src/shared/doctor-report';

const ROOT = path.join(__dirname, '..', '..');

function spt(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('spt doctor names the WebGPU adapter', function () {
  this.timeout(240_000);
  before(() => {
    assert.ok(
      fs.existsSync(path.join(ROOT, 'dist', 'cli.js')),
      'dist/cli.js is missing: run `npm run build` first (`npm test` builds first)',
    );
  });

  it('vendor, architecture, fallback or not, limits, and why auto does or does not pick webgpu', () => {
    const r = JSON.parse(spt(['doctor', '--json'])) as DoctorReport;
    const w = r.webgpu;
    assert.ok(w?.adapter, `an adapter: ${w?.summary}`);
    const a = w.adapter;
    assert.ok(a.vendor, 'the vendor is named');
    assert.ok(
      a.limits.maxBufferSize > 0 && a.limits.maxStorageBufferBindingSize > 0,
      JSON.stringify(a.limits),
    );
    assert.equal(w.softwareOptIn, true, 'test:webgpu sets SPT_WEBGPU_SOFTWARE=1');
    const webgpu = r.backends.find((b) => b.name === 'webgpu');
    assert.equal(webgpu?.loads, true, webgpu?.detail);
    if (a.software) {
      assert.notEqual(r.autoChoice, 'webgpu', 'auto never picks a software adapter');
      assert.match(w.choice, /auto does not pick webgpu: .* is a software adapter, slower than wasm/);
      assert.match(w.choice, /SPT_WEBGPU_SOFTWARE=1 is set, so device\.backend: webgpu runs on it/);
    } else {
      assert.match(w.choice, /auto picks/);
    }
    const text = spt(['doctor']);
    const line = text.split('\n').find((l) => l.startsWith('WebGPU adapter: '));
    assert.ok(line, text);
    assert.ok(line.includes(a.vendor) && line.includes(a.architecture), line);
    assert.match(line, /(fallback \(software\)|software|hardware) adapter/);
    assert.match(line, /maxBufferSize \d+(\.\d)? [GM]i?B, maxStorageBufferBindingSize \d+(\.\d)? [GM]i?B/);
    assert.match(text, /^webgpu: auto (does not pick|picks)/m);
    console.log(`    ${line}`);
  });
});
