import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * @tensorflow/tfjs-node-gpu 4.x wraps libtensorflow 2.9.1, built against CUDA 11.2 and cuDNN 8.1:
 * these are the shared libraries it opens at start-up. Without them it silently runs on the CPU.
 */
export const TFJS_GPU_CUDA_LIBS = [
  'libcudart.so.11.0',
  'libcublas.so.11',
  'libcublasLt.so.11',
  'libcufft.so.10',
  'libcurand.so.10',
  'libcusolver.so.11',
  'libcusparse.so.11',
  'libcudnn.so.8',
] as const;

export interface CudaReport {
  /** Driver version from nvidia-smi, or undefined when there is no NVIDIA driver. */
  driver?: string;
  gpus: string[];
  found: Record<string, string>;
  missing: string[];
}

function ldconfigLibraries(): Map<string, string> {
  const libs = new Map<string, string>();
  try {
    const out = execFileSync('ldconfig', ['-p'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    for (const line of out.split('\n')) {
      const m = /^\s*(\S+) .*=> (.+)$/.exec(line);
      if (m) libs.set(m[1], m[2]);
    }
  } catch {
    // no ldconfig (macOS, Windows): fall back to LD_LIBRARY_PATH only
  }
  return libs;
}

export function findCudaLibraries(required: readonly string[] = TFJS_GPU_CUDA_LIBS): CudaReport {
  const known = ldconfigLibraries();
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const lib of required) {
    const fromPath = dirs.map((d) => path.join(d, lib)).find((p) => fs.existsSync(p));
    const where = fromPath ?? known.get(lib);
    if (where) found[lib] = where;
    else missing.push(lib);
  }
  const report: CudaReport = { gpus: [], found, missing };
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10000,
    });
    for (const line of out.trim().split('\n').filter(Boolean)) {
      const [name, driver] = line.split(',').map((s) => s.trim());
      report.gpus.push(name);
      report.driver = driver;
    }
  } catch {
    // no NVIDIA driver
  }
  return report;
}
