/**
 * Every file the dashboard reads for the webview is resolved here: a path relative to a base folder
 * (the run folder, or the run's data root for images) must stay inside that folder after symbolic
 * links are followed. Pure Node: no `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A file that should be there but is not (the caller says what that means for the run). */
export class MissingFileError extends Error {
  override name = 'MissingFileError';
  constructor(readonly relative: string) {
    super(`${relative} is missing`);
  }
}

/** True when `child` is `parent` or lies below it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function realBase(base: string): string {
  try {
    return fs.realpathSync(base);
  } catch {
    throw new Error(`${base} does not exist: the run folder was moved or deleted`);
  }
}

/**
 * The real path of `relative` under `base`; throws when it leaves `base` (`..`, an absolute path, or a
 * symbolic link pointing out) and {@link MissingFileError} when it does not exist.
 */
export function resolveInside(base: string, relative: string, what = relative): string {
  if (relative.includes('\0')) throw new Error(`${what}: refused (the path holds a NUL character)`);
  const root = realBase(base);
  const joined = path.resolve(root, relative);
  if (!isInside(root, joined)) throw new Error(`${what}: refused, it lies outside ${base}`);
  let real: string;
  try {
    real = fs.realpathSync(joined);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingFileError(what);
    throw new Error(`${what}: cannot be read (${(err as Error).message})`);
  }
  if (!isInside(root, real))
    throw new Error(
      `${what}: refused, it is a link to ${real}, outside ${base}; copy the file into the folder`,
    );
  return real;
}
