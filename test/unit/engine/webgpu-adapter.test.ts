/**
 * The WebGPU adapter rule and its report, without a GPU: Dawn's adapter objects as Dawn 0.6 returns them
 * (lavapipe's and a discrete GPU's), the opt-in SPT_WEBGPU_SOFTWARE=1 for an explicit `webgpu` only, and
 * `spt doctor` naming the adapter and why `auto` picks webgpu or not (probes injected; the real adapter
 * is checked by the webgpu layer, test/webgpu/doctor.test.ts).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { BackendName } from '../../../src/config/backends';
import { formatDoctorReport, runDoctor } from '../../../src/engine/backend/doctor';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import {
  type AdapterProbe,
  adapterRefusal,
  adapterSummary,
  describeAdapter,
  type GpuAdapterLike,
  softwareAdapterAllowed,
} from '../../../src/engine/backend/webgpu-adapter';
import { renderDoctorMarkdown } from '../../../src/extension/backends/doctor-markdown';

/** What Dawn 0.6.2 returned for Mesa 25's lavapipe (isFallbackAdapter only inside `info`). */
const LAVAPIPE: GpuAdapterLike = {
  info: {
    vendor: 'mesa',
    architecture: 'software',
    device: 'llvmpipe-llvm-15-0-6-256-bits-',
    description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
    isFallbackAdapter: true,
  },
  limits: {
    maxBufferSize: 4294967295,
    maxStorageBufferBindingSize: 134217728,
    maxStorageBuffersPerShaderStage: 16,
  },
  features: ['shader-f16', 'subgroups'],
};
const NVIDIA: GpuAdapterLike = {
  info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' },
  isFallbackAdapter: false,
  limits: { maxBufferSize: 2 ** 36, maxStorageBufferBindingSize: 2 ** 31 - 4 },
};
const ON = { SPT_WEBGPU_SOFTWARE: '1' };

describe('webgpu adapter: describe, refuse, report', () => {
  it('describes lavapipe as a fallback software adapter with its buffer limits', () => {
    const a = describeAdapter(LAVAPIPE);
    assert.equal(a.vendor, 'mesa');
    assert.equal(a.architecture, 'software');
    assert.equal(a.isFallbackAdapter, true);
    assert.equal(a.software, true);
    assert.equal(a.limits.maxBufferSize, 4294967295);
    assert.equal(a.limits.maxStorageBufferBindingSize, 134217728);
    assert.deepEqual(a.features, ['shader-f16', 'subgroups']);
    assert.equal(
      adapterSummary(a),
      'mesa software llvmpipe-llvm-15-0-6-256-bits- (llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1); fallback (software) adapter; maxBufferSize 4 GiB, maxStorageBufferBindingSize 128 MiB',
    );
    // A software rasteriser named as such counts even when not flagged as fallback.
    assert.equal(
      describeAdapter({ info: { vendor: 'google', device: 'SwiftShader Device' } }).software,
      true,
    );
  });

  it('describes a discrete GPU as a hardware adapter', () => {
    const a = describeAdapter(NVIDIA);
    assert.equal(a.software, false);
    assert.match(
      adapterSummary(a),
      /^nvidia hopper \(NVIDIA H100 80GB HBM3\); hardware adapter \(not a fallback\); maxBufferSize 64 GiB, maxStorageBufferBindingSize 2 GiB$/,
    );
  });

  it('auto never takes a software adapter; an explicit webgpu takes one only with SPT_WEBGPU_SOFTWARE=1', () => {
    const sw = describeAdapter(LAVAPIPE);
    assert.match(adapterRefusal(sw, false, {}) ?? '', /software WebGPU adapter .*auto never picks one/);
    assert.match(adapterRefusal(sw, false, ON) ?? '', /auto never picks one/);
    assert.match(adapterRefusal(sw, true, {}) ?? '', /set SPT_WEBGPU_SOFTWARE=1 to use it anyway/);
    assert.equal(adapterRefusal(sw, true, ON), undefined);
    assert.equal(adapterRefusal(sw, true, { SPT_WEBGPU_SOFTWARE: '0' }) !== undefined, true);
    const hw = describeAdapter(NVIDIA);
    assert.equal(adapterRefusal(hw, false, {}), undefined);
    assert.equal(adapterRefusal(hw, true, {}), undefined);
    assert.equal(softwareAdapterAllowed({ SPT_WEBGPU_SOFTWARE: 'true' }), true);
    assert.equal(softwareAdapterAllowed({}), false);
  });

  it('selectBackend(auto) with SPT_WEBGPU_SOFTWARE=1 still does not choose webgpu without a GPU', async function () {
    if (fs.existsSync('/dev/dri')) this.skip(); // a real GPU may be chosen there
    const before = process.env.SPT_WEBGPU_SOFTWARE;
    process.env.SPT_WEBGPU_SOFTWARE = '1';
    try {
      const choice = await selectBackend('auto');
      assert.notEqual(choice.name, 'webgpu');
      const webgpu = choice.attempts.find((a) => a.name === 'webgpu');
      assert.ok(webgpu && !webgpu.ok, JSON.stringify(choice.attempts));
    } finally {
      if (before === undefined) delete process.env.SPT_WEBGPU_SOFTWARE;
      else process.env.SPT_WEBGPU_SOFTWARE = before;
    }
  });

  // The doctor with injected probes: which backends "load" and which adapter Dawn "offers".
  const doctor = (loads: BackendName[], adapter: AdapterProbe, detail = 'probe said no') =>
    runDoctor(
      async (name) => ({ ok: loads.includes(name), detail: loads.includes(name) ? `${name} ok` : detail }),
      async () => adapter,
    );

  it('doctor: a software adapter is named, with fallback and limits, and auto does not pick it', async () => {
    const sw = { adapter: describeAdapter(LAVAPIPE) };
    const refused = await doctor(['wasm', 'cpu'], sw, 'no GPU device');
    assert.equal(refused.autoChoice, 'wasm');
    assert.equal(refused.webgpu?.adapter?.vendor, 'mesa');
    assert.match(
      refused.webgpu?.choice ?? '',
      /auto does not pick webgpu: .*software adapter, slower than wasm/,
    );
    assert.match(refused.webgpu?.choice ?? '', /only with SPT_WEBGPU_SOFTWARE=1/);
    assert.match(refused.backends.find((b) => b.name === 'webgpu')?.hint ?? '', /SPT_WEBGPU_SOFTWARE=1/);
    const text = formatDoctorReport(refused);
    assert.match(
      text,
      /^WebGPU adapter: mesa software llvmpipe.*; fallback \(software\) adapter; maxBufferSize 4 GiB, maxStorageBufferBindingSize 128 MiB$/m,
    );
    assert.match(text, /^webgpu: auto does not pick webgpu/m);
    const md = renderDoctorMarkdown(JSON.parse(JSON.stringify(refused)));
    assert.match(md, /- WebGPU adapter: mesa software .*fallback \(software\) adapter/);
    assert.match(md, /- webgpu: auto does not pick webgpu/);
    // Opted in, the explicit webgpu backend loads on it, and auto still picks wasm.
    const optedIn = await doctor(['webgpu', 'wasm', 'cpu'], sw);
    assert.equal(optedIn.autoChoice, 'wasm');
  });

  it('doctor: a hardware adapter that loads is what auto picks; none is reported with the reason', async () => {
    const hw = await doctor(['webgpu', 'wasm', 'cpu'], { adapter: describeAdapter(NVIDIA) });
    assert.equal(hw.autoChoice, 'webgpu');
    assert.equal(hw.webgpu?.choice, 'auto picks webgpu: nvidia hopper (NVIDIA H100 80GB HBM3)');
    const none = await doctor(['wasm', 'cpu'], { adapter: null, reason: 'no WebGPU adapter (no driver)' });
    assert.equal(none.webgpu?.adapter, null);
    assert.equal(none.webgpu?.summary, 'none: no WebGPU adapter (no driver)');
    assert.match(formatDoctorReport(none), /^WebGPU adapter: none: no WebGPU adapter/m);
  });
});
