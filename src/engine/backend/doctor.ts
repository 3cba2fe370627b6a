/**
 * `spt doctor`: which compute backends are installed, which load on this machine, and for the GPU
 * backend which CUDA/cuDNN libraries it needs and which are missing; which WebGPU adapter Dawn
 * offers (vendor, architecture, fallback or not, buffer limits) and why `auto` picks webgpu or not;
 * which CPU training path loads (the native step engine's binary, or wasm and why not native).
 */
import * as os from 'node:os';
import { AUTO_ORDER, BACKEND_NAMES, BACKEND_PACKAGES, type BackendName } from '../../config/backends';
import type { BackendStatus, CpuPathReport, DoctorReport, WebGpuReport } from '../../shared/doctor-report';
import { loadNativeAddon, type NativeLoad } from '../native/native-addon';
import { findCudaLibraries, TFJS_GPU_CUDA_LIBS } from './cuda-libs';
import { packageVersion, resolvePackageJson } from './load-package';
import { selectBackend } from './select-backend';
import {
  type AdapterProbe,
  adapterInfo,
  adapterName,
  adapterSummary,
  softwareAdapterAllowed,
  WEBGPU_SOFTWARE_ENV,
} from './webgpu-adapter';

export type { BackendStatus, CpuPathReport, DoctorReport, WebGpuReport };

const HINTS: Record<BackendName, string> = {
  'tensorflow-gpu':
    'npm i @tensorflow/tfjs-node-gpu (downloads libtensorflow at install time; needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1), or run "SPT: Install GPU Backend"',
  tensorflow:
    'npm i @tensorflow/tfjs-node (downloads libtensorflow at install time), or run "SPT: Install GPU Backend"',
  webgpu:
    'npm i webgpu @tensorflow/tfjs-backend-webgpu, and a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) GPU driver',
  native:
    'the prebuilt prebuilds/linux-x64/spt-native.node needs Linux x86-64 with glibc 2.34 or later; elsewhere `npm run build:native` builds it (a C compiler, Node headers and OpenBLAS, or Accelerate on macOS)',
  wasm: 'reinstall SPT Studio: the wasm backend ships with it',
  cpu: 'reinstall SPT Studio: the cpu backend ships with it',
};

/** For a machine whose only WebGPU adapter is a software one (lavapipe, SwiftShader). */
const SOFTWARE_HINT = `a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) GPU driver; the adapter here is a software one, which device.backend: webgpu uses only with ${WEBGPU_SOFTWARE_ENV}=1 (for tests: slower than wasm)`;

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

/** Why `auto` picks webgpu here or not (the adapter, the backend's own probe, the order). */
function webgpuChoice(
  backends: BackendStatus[],
  adapter: AdapterProbe,
  autoChoice: BackendName | undefined,
): string {
  const webgpu = backends.find((b) => b.name === 'webgpu') as BackendStatus;
  const optIn = softwareAdapterAllowed();
  if (!adapter.adapter) return `auto does not pick webgpu: ${adapter.reason}`;
  const a = adapter.adapter;
  if (a.software) {
    const explicit = optIn
      ? `${WEBGPU_SOFTWARE_ENV}=1 is set, so device.backend: webgpu ${webgpu.loads ? 'runs on it' : `still fails: ${webgpu.detail}`}`
      : `device.backend: webgpu runs on it only with ${WEBGPU_SOFTWARE_ENV}=1 (for tests)`;
    return `auto does not pick webgpu: ${adapterName(a)} is a software adapter, slower than wasm; ${explicit}`;
  }
  if (!webgpu.loads) return `auto does not pick webgpu: ${webgpu.detail}`;
  if (autoChoice === 'webgpu') return `auto picks webgpu: ${adapterName(a)}`;
  return `auto picks ${autoChoice} before webgpu (auto's order: ${AUTO_ORDER.join(' > ')}); device.backend: webgpu runs on ${adapterName(a)}`;
}

/** What `auto` would pick: the first backend in its order that loads, never a software WebGPU adapter. */
function autoPick(backends: BackendStatus[], adapter: AdapterProbe): BackendName | undefined {
  return AUTO_ORDER.find((name) => {
    const b = backends.find((x) => x.name === name);
    if (!b?.loads) return false;
    return name !== 'webgpu' || (adapter.adapter !== null && !adapter.adapter.software);
  });
}

/** Loads the native addon, by default in this process (see native-addon.ts). */
export type NativeProbeFn = () => NativeLoad;

function cpuPath(native: NativeLoad): CpuPathReport {
  return {
    path: native.addon ? 'native' : 'wasm',
    binary: native.path,
    detail: native.addon
      ? `native: training steps on ${native.reason}; evaluation on wasm`
      : `wasm: the native step engine did not load: ${native.reason}`,
    tried: native.tried,
  };
}

/** Asks Dawn for its adapter, by default in this process (see adapterInfo). */
export type AdapterProbeFn = () => Promise<AdapterProbe>;

export async function runDoctor(
  probe: BackendProbe = probeInProcess,
  probeAdapter: AdapterProbeFn = adapterInfo,
  probeNative: NativeProbeFn = loadNativeAddon,
): Promise<DoctorReport> {
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
  const dawnMissing = BACKEND_PACKAGES.webgpu.extra && !resolvePackageJson(BACKEND_PACKAGES.webgpu.extra);
  const adapter: AdapterProbe = dawnMissing
    ? { adapter: null, reason: `${BACKEND_PACKAGES.webgpu.extra} (Dawn for Node) is not installed` }
    : await probeAdapter();
  const webgpu = backends.find((b) => b.name === 'webgpu') as BackendStatus;
  if (adapter.adapter?.software && !webgpu.loads) webgpu.hint = SOFTWARE_HINT;
  const autoChoice = autoPick(backends, adapter);
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    backends,
    cuda: { driver: cuda.driver, gpus: cuda.gpus, required: [...TFJS_GPU_CUDA_LIBS], missing: cuda.missing },
    autoChoice,
    webgpu: {
      adapter: adapter.adapter,
      summary: adapter.adapter ? adapterSummary(adapter.adapter) : `none: ${adapter.reason}`,
      softwareOptIn: softwareAdapterAllowed(),
      choice: webgpuChoice(backends, adapter, autoChoice),
    },
    cpu: cpuPath(probeNative()),
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
    ...(r.webgpu ? [`WebGPU adapter: ${r.webgpu.summary}`, `webgpu: ${r.webgpu.choice}`] : []),
    ...(r.cpu ? [`CPU training path: ${r.cpu.detail}`] : []),
    `backend: auto picks ${r.autoChoice ?? 'nothing'} here`,
  ];
  const hints = r.backends.filter((b) => b.hint && b.name !== 'cpu').map((b) => `  ${b.name}: ${b.hint}`);
  if (hints.length) out.push('', 'To enable:', ...hints);
  return out.join('\n');
}
