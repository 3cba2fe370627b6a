/**
 * The pure part of Show Compute Backends and Install GPU Backend: the doctor's answer unwrapped, the
 * installable backend packages, and the backend folders trainers and the doctor get. No `vscode`.
 */
import * as path from 'node:path';

/** The doctor report of `spt doctor --json`; a CLI that wraps its answer as a trainer event is accepted too. */
export function doctorReportOf(answer: unknown): unknown {
  return (answer as { type?: string; data?: unknown } | null)?.type === 'result'
    ? (answer as { data: unknown }).data
    : answer;
}

/** The environment that points the doctor at the installed backends (undefined: none installed). */
export function backendEnv(backendDirs: readonly string[]): { SPT_BACKEND_DIRS: string } | undefined {
  return backendDirs.length ? { SPT_BACKEND_DIRS: backendDirs.join(path.delimiter) } : undefined;
}

const PACKAGE_DETAILS: Record<string, string> = {
  'tfjs-node-gpu':
    'NVIDIA GPU through CUDA 11.8 and cuDNN 8 (Linux x64). The doctor lists missing libraries.',
  'tfjs-node': 'A fast CPU backend (the TensorFlow C library); no GPU needed.',
};

export interface BackendPackage {
  label: string;
  detail: string;
  /** `name@range`, for npm install. */
  spec: string;
}

/**
 * The installable backends: the extension's own optionalDependencies (names and version ranges come
 * from package.json, so no TensorFlow package name is compiled into the extension bundle), the GPU one first.
 */
export function backendPackages(optionalDependencies: Readonly<Record<string, string>>): BackendPackage[] {
  return Object.entries(optionalDependencies)
    .map(([name, range]) => ({ name, range, short: name.split('/').pop() ?? name }))
    .filter((p) => p.short in PACKAGE_DETAILS)
    .sort((a, b) => b.short.length - a.short.length)
    .map((p) => ({ label: p.name, detail: PACKAGE_DETAILS[p.short], spec: `${p.name}@${p.range}` }));
}

/** The non-empty lines of a chunk of npm output (logged; the last one is the progress message). */
export function outputLines(chunk: string): string[] {
  return chunk.split('\n').filter((l) => l.trim());
}
