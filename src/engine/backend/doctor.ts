/**
 * `spt doctor`: which compute backends are installed, which load on this machine, and for the GPU
 * backend which CUDA/cuDNN libraries it needs and which are missing.
 */
import * as os from 'node:os';
import { BACKEND_NAMES, BACKEND_PACKAGES, type BackendName } from './backend-names';
import { findCudaLibraries, TFJS_GPU_CUDA_LIBS } from './cuda-libs';
import { packageVersion, resolvePackageJson } from './load-package';
import { selectBackend } from './select-backend';

export interface BackendStatus {
  name: BackendName;
  package: string;
  /** Installed version, or null. */
  version: string | null;
  /** Whether it initialised here (checked in a child process so one backend cannot poison the next). */
  loads: boolean;
  detail: string;
  /** How to make it work when it does not. */
  hint?: string;
}

export interface DoctorReport {
  node: string;
  platform: string;
  cpus: number;
  backends: BackendStatus[];
  cuda: { driver?: string; gpus: string[]; required: string[]; missing: string[] };
  /** What `backend: auto` picks here. */
  autoChoice?: BackendName;
}

const HINTS: Record<BackendName, string> = {
  'tensorflow-gpu':
    'npm i @tensorflow/tfjs-node-gpu (downloads libtensorflow at install time; needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1), or run "SPT: Install GPU Backend"',
  tensorflow:
    'npm i @tensorflow/tfjs-node (downloads libtensorflow at install time), or run "SPT: Install GPU Backend"',
  webgpu:
    'npm i webgpu @tensorflow/tfjs-backend-webgpu, and a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) GPU driver',
  wasm: 'reinstall SPT Studio: the wasm backend ships with it',
  cpu: 'reinstall SPT Studio: the cpu backend ships with it',
};

/** Probes one backend, by default by loading it in this process (the doctor runs in its own process). */
export type BackendProbe = (name: BackendName) => Promise<{ ok: boolean; detail: string }>;

const probeInProcess: BackendProbe = async (name) => {
  try {
    const choice = await selectBackend(name);
    return { ok: true, detail: choice.attempts[choice.attempts.length - 1].reason };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      detail: msg
        .split('\n')
        .slice(-1)[0]
        .replace(/^\s*\S+: /, ''),
    };
  }
};

export async function runDoctor(probe: BackendProbe = probeInProcess): Promise<DoctorReport> {
  const cuda = findCudaLibraries();
  const backends: BackendStatus[] = [];
  for (const name of BACKEND_NAMES) {
    const { pkg, extra } = BACKEND_PACKAGES[name];
    const pkgJson = resolvePackageJson(pkg);
    const extraJson = extra ? resolvePackageJson(extra) : undefined;
    const version = pkgJson ? packageVersion(pkgJson) : null;
    let loads = false;
    let detail: string;
    if (!pkgJson || (extra && !extraJson)) {
      detail = `not installed (${[pkgJson ? '' : pkg, extra && !extraJson ? extra : ''].filter(Boolean).join(', ')} missing)`;
    } else {
      const r = await probe(name);
      loads = r.ok;
      detail = r.detail;
    }
    if (name === 'tensorflow-gpu' && !loads && cuda.missing.length) {
      detail += `; CUDA/cuDNN libraries missing: ${cuda.missing.join(', ')}`;
    }
    backends.push({ name, package: pkg, version, loads, detail, hint: loads ? undefined : HINTS[name] });
  }
  const autoChoice = backends.find((b) => b.loads && b.name !== 'cpu')?.name;
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    backends,
    cuda: { driver: cuda.driver, gpus: cuda.gpus, required: [...TFJS_GPU_CUDA_LIBS], missing: cuda.missing },
    autoChoice,
  };
}

/** The doctor's table for a terminal. */
export function formatDoctorReport(r: DoctorReport): string {
  const rows = r.backends.map((b) => [b.name, b.version ?? '-', b.loads ? 'yes' : 'no', b.detail]);
  const head = ['backend', 'version', 'loads', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join('  ');
  const out = [
    `SPT Studio doctor: Node ${r.node} on ${r.platform}, ${r.cpus} CPUs`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `NVIDIA driver: ${r.cuda.driver ? `${r.cuda.driver} (${r.cuda.gpus.join(', ')})` : 'none found (nvidia-smi)'}`,
    `CUDA/cuDNN libraries for tensorflow-gpu: ${r.cuda.missing.length ? `missing ${r.cuda.missing.join(', ')}` : 'all found'}`,
    `backend: auto picks ${r.autoChoice ?? 'nothing'} here`,
  ];
  const hints = r.backends.filter((b) => b.hint && b.name !== 'cpu').map((b) => `  ${b.name}: ${b.hint}`);
  if (hints.length) out.push('', 'To enable:', ...hints);
  return out.join('\n');
}
