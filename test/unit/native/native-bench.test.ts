/**
 * The bench's native product path: the CPU executor times each kernel when SPT_NATIVE_PROFILE=1 (one
 * profiled step after the timed ones), and the report shows where the step's time goes and the native
 * engine's memory rows beside wasm's.
 */
import * as assert from 'node:assert/strict';
import { renderTable } from '../../../bench/report';
import { CpuExecutor, takeNativeProfile } from '../../../src/engine/native/cpu-executor';
import { loadNativeAddon } from '../../../src/engine/native/native-addon';
import { softmaxForward } from '../../../src/engine/webgpu/wgsl-kernels';

describe('bench: the native product path', () => {
  afterEach(() => {
    delete process.env.SPT_NATIVE_PROFILE;
  });

  it('times each kernel only while SPT_NATIVE_PROFILE=1', function () {
    const load = loadNativeAddon();
    if (!load.addon && process.platform !== 'linux') this.skip();
    assert.ok(load.addon, load.reason);
    const exec = new CpuExecutor(load.addon, 1, 'test');
    const X = exec.device.createBuffer({ size: 4 * 64 });
    const p = exec.compile(
      [0, 1, 2].map(() => ({
        kernel: softmaxForward,
        buffers: [X],
        uniform: { rows: 4, W: 16 },
        workgroups: [1, 1, 1] as [number, number, number],
      })),
      't',
    );
    takeNativeProfile();
    exec.run(p);
    assert.deepEqual(takeNativeProfile(), {}, 'nothing timed without the variable');
    process.env.SPT_NATIVE_PROFILE = '1';
    exec.run(p);
    const prof = takeNativeProfile();
    assert.deepEqual(Object.keys(prof), ['softmax-fwd']);
    assert.equal(prof['softmax-fwd'].calls, 3);
    assert.ok(prof['softmax-fwd'].ms >= 0);
    assert.deepEqual(takeNativeProfile(), {}, 'taking the profile clears it');
  });

  it("the report shows where a native step's time goes, and native memory rows", () => {
    const results = {
      command: 'npm run bench',
      finishedAt: '2026-12-06T10:00:00Z',
      durationS: 1,
      machine: { cpuModel: 'CPU', logicalCpus: 2, memoryBytes: 2 ** 34 },
      versions: { node: 'v20', tfjsCore: '4.22.0', torch: null },
      gemmPeak: { native: { gflops: 150, n: 2048, threads: 2 } },
      throughput: [
        {
          config: 'small',
          batch: 64,
          mode: 'train',
          backend: 'native',
          threads: 2,
          gflopPerStep: 1,
          ours: {
            imagesPerS: 128,
            profile: {
              stepMs: 500,
              kernels: {
                'gemm:0001:store': { ms: 200, calls: 13 },
                'gemm:0011:residual': { ms: 60, calls: 6 },
                'gemm:0100:geluGrad': { ms: 40, calls: 6 },
                'ln-fwd': { ms: 20, calls: 12 },
                'softmax-fwd': { ms: 30, calls: 6 },
                adamw: { ms: 10, calls: 1 },
              },
            },
          },
          torch: null,
          ratioOursToTorch: null,
          ratioOursToTorch1Thread: null,
          cpuTimeRatioOursToTorch1Thread: null,
        },
      ],
      memory: [{ config: 'small', batch: 64, backend: 'native', peakRssBytes: 500 * 2 ** 20, stepMs: 500 }],
    };
    const table = renderTable(results);
    assert.match(table, /native engine \(2 threads\) 150/);
    assert.match(
      table,
      /\| small .* \| 64 \| native \(2 threads\) \| 500 ms \| 200 ms \(40\.0 %\) \| 100 ms \(20\.0 %\) \| 20 ms \(4\.0 %\) \| 30 ms \(6\.0 %\) \| 10 ms \(2\.0 %\) \| 140 ms \(28\.0 %\) \|/,
    );
    assert.match(table, /\| small .* \| 64 \| native \| 500 MiB \| – \|/);
  });
});
