import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/**
 * Optional backend packages (tfjs-node, tfjs-node-gpu, webgpu) are not bundled: they are resolved at
 * run time from the project's node_modules or from extra folders (the extension installs GPU
 * backends into its global storage and passes that folder in SPT_BACKEND_DIRS, ':'-separated).
 */
export function backendSearchDirs(): string[] {
  const extra = (process.env.SPT_BACKEND_DIRS ?? '').split(path.delimiter).filter(Boolean);
  return [...extra, process.cwd(), __dirname];
}

/** The absolute path of `pkg`'s package.json, or undefined when it is not installed anywhere we look. */
export function resolvePackageJson(pkg: string, dirs = backendSearchDirs()): string | undefined {
  for (const dir of dirs) {
    try {
      const req = createRequire(path.join(dir, 'noop.js'));
      return req.resolve(`${pkg}/package.json`);
    } catch {
      // not installed below this folder
    }
  }
  return undefined;
}

export function packageVersion(pkgJson: string): string {
  try {
    return JSON.parse(fs.readFileSync(pkgJson, 'utf8')).version ?? '?';
  } catch {
    return '?';
  }
}

/** require() a CommonJS package from wherever resolvePackageJson found it. */
export function requireInstalled(pkg: string): unknown {
  const pkgJson = resolvePackageJson(pkg);
  if (!pkgJson) throw new Error(`${pkg} is not installed`);
  return createRequire(pkgJson)(pkg);
}

/** import() an ES module package from wherever resolvePackageJson found it. */
export async function importInstalled(pkg: string): Promise<Record<string, unknown>> {
  const pkgJson = resolvePackageJson(pkg);
  if (!pkgJson) throw new Error(`${pkg} is not installed`);
  const entry = createRequire(pkgJson).resolve(pkg);
  // A real dynamic import (not rewritten by the bundler into require()).
  const dynamicImport = new Function('u', 'return import(u)') as (
    u: string,
  ) => Promise<Record<string, unknown>>;
  return dynamicImport(`file://${entry}`);
}
