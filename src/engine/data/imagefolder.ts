/**
 * The ImageFolder layout (torchvision's `datasets.ImageFolder`): one sub-folder per class under a split
 * folder, the class index being the position of the folder name in the sorted list of class folders.
 *
 * Ordering follows torchvision's `make_dataset`: class names sorted by code point (Python's `sorted`), and
 * inside a class the folders of `os.walk` (nested folders are walked too) sorted by path, their file names
 * sorted. Image files are recognised by extension, case-insensitively: .jpg .jpeg .png .webp .gif .tif
 * .tiff. Hidden files and folders (names starting with '.', e.g. `.DS_Store`, `.ipynb_checkpoints`) are
 * skipped, where torchvision would take a hidden folder as a class. A class folder without images is a
 * DataError (torchvision raises too).
 *
 * Symbolic links are followed (as `os.walk(followlinks=True)`), except a link under a class folder that
 * leaves it for another part of the split folder, or for a folder holding the split folder (`ln -s ..`):
 * it would count other classes' images as this class, and twice. Such a link is skipped with one
 * warning naming it (`warnings`), and so is a link back to a folder already walked (a loop). Links to
 * places outside the split folder (a shared image store, another disk) are followed.
 *
 * A file or folder name that is not valid UTF-8 (Latin-1 names from an old archive) cannot become a path
 * string: the split is refused with a DataError listing those names, their odd bytes written as \xNN.
 *
 * BMP is left out on purpose: sharp (libvips) cannot decode it, so listing .bmp files would only turn them
 * into skipped images; convert them to PNG.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareCodePoints } from '../../shared/class-order';
import { DataError } from './data-error';
import type { SplitEntry } from './split-file';

export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
];

export interface ImageFolderOptions {
  /**
   * The class list to label with (e.g. the training folder's, when reading val/test): a folder whose name
   * is not in it is a DataError. Without it the classes are the sorted sub-folder names.
   */
  classes?: readonly string[];
}

export interface ImageFolder {
  /** `image` is the path relative to the split folder, with '/' separators. */
  entries: SplitEntry[];
  classes: string[];
  /** Symbolic links that were not followed, one line each, naming the link. */
  warnings: string[];
}

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

function readDir(dir: string): fs.Dirent<Buffer>[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (err) {
    throw new DataError(dir, `cannot read folder: ${(err as Error).message}`, 'check the folder permissions');
  }
}

/** Dirent type, following symbolic links (os.walk(followlinks=True) and os.scandir().is_dir() do). */
function kindOf(file: string | Buffer, d: fs.Dirent<Buffer>): 'dir' | 'file' | 'other' {
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  if (d.isSymbolicLink()) {
    try {
      const st = fs.statSync(file);
      return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    } catch {
      return 'other'; // a dangling link
    }
  }
  return 'other';
}

/**
 * A folder's entries, names decoded as UTF-8. A name that is not valid UTF-8 cannot be passed on as a
 * string path, so it goes to `badNames` (as `<folder>/<name with \xNN escapes>`) when it would have been
 * read: a folder, or a file with an image extension. Hidden entries are left out.
 */
function listEntries(
  dir: string,
  badNames: string[],
): { name: string; path: string; kind: 'dir' | 'file' | 'other'; link: boolean }[] {
  const out: { name: string; path: string; kind: 'dir' | 'file' | 'other'; link: boolean }[] = [];
  for (const d of readDir(dir)) {
    const raw = d.name;
    if (raw[0] === 0x2e) continue; // hidden
    const name = raw.toString('utf8');
    if (!Buffer.from(name, 'utf8').equals(raw)) {
      const kind = kindOf(Buffer.concat([Buffer.from(`${dir}${path.sep}`), raw]), d);
      if (kind === 'dir' || (kind === 'file' && isImageFile(name))) {
        badNames.push(path.join(dir, escapeNonUtf8(raw)));
      }
      continue;
    }
    const file = path.join(dir, name);
    out.push({ name, path: file, kind: kindOf(file, d), link: d.isSymbolicLink() });
  }
  return out.sort((a, b) => compareCodePoints(a.name, b.name));
}

/** A file name as text: valid UTF-8 sequences as characters, every other byte as \xNN. */
export function escapeNonUtf8(raw: Buffer): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const lead = raw[i];
    const n =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead < 0xe0
          ? 2
          : lead >= 0xe0 && lead < 0xf0
            ? 3
            : lead >= 0xf0 && lead < 0xf5
              ? 4
              : 0;
    if (n > 0 && i + n <= raw.length) {
      try {
        out += decoder.decode(raw.subarray(i, i + n));
        i += n;
        continue;
      } catch {
        // not a valid sequence: escape the lead byte
      }
    }
    out += `\\x${lead.toString(16).padStart(2, '0')}`;
    i++;
  }
  return out;
}

/** Whether `inner` is `outer` or lies below it (both real, absolute paths). */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

function realpath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

interface ScanContext {
  /** Real path of the split folder. */
  splitReal: string;
  /** The split folder as given, for relative names in messages. */
  split: string;
  badNames: string[];
  warnings: string[];
}

/**
 * Why a symbolic link under a class folder is not followed, or undefined when it is: a link that leaves
 * its class folder for another part of the split folder (another class, the split folder itself) or for a
 * folder that holds the split folder (`..`, `/`) would count other classes' images as this class, and
 * repeat them. A link to a folder already walked is a loop (or a second path to the same images).
 * Links to places outside the split folder (a shared image store, another disk) are followed.
 */
function linkProblem(target: string, classReal: string, ctx: ScanContext): string | undefined {
  if (within(target, classReal)) return undefined;
  if (within(target, ctx.splitReal) || within(ctx.splitReal, target)) {
    return `leaves its class folder for ${target}, which would count other classes' images as this class`;
  }
  return undefined;
}

/** The images of one class folder, in torchvision's order (absolute paths). */
function classImages(classDir: string, ctx: ScanContext): string[] {
  const classReal = realpath(classDir) ?? classDir;
  const dirs = new Map<string, ReturnType<typeof listEntries>>(); // folder -> its entries
  const walked = new Map<string, string>(); // real path -> the path it was walked as
  const skipLink = (link: string, why: string) => {
    ctx.warnings.push(`skipping the symbolic link ${link}: it ${why}`);
  };
  const walk = (dir: string, real: string): void => {
    walked.set(real, dir);
    const entries = listEntries(dir, ctx.badNames);
    dirs.set(dir, entries);
    for (const e of entries) {
      if (e.kind !== 'dir') continue;
      const target = realpath(e.path);
      if (target === undefined) continue;
      if (e.link) {
        const problem = linkProblem(target, classReal, ctx);
        if (problem) {
          skipLink(e.path, problem);
          continue;
        }
      }
      const before = walked.get(target);
      if (before !== undefined) {
        skipLink(
          e.path,
          within(dir, before)
            ? `points back to ${path.relative(ctx.split, before) || '.'}, a folder that contains it (a loop)`
            : `leads to ${path.relative(ctx.split, before)} again, whose images are already listed`,
        );
        continue;
      }
      walk(e.path, target);
    }
  };
  walk(classDir, classReal);
  const files: string[] = [];
  for (const dir of [...dirs.keys()].sort(compareCodePoints)) {
    for (const e of dirs.get(dir)!) {
      if (e.kind !== 'file' || !isImageFile(e.name)) continue;
      if (e.link) {
        const target = realpath(e.path);
        const problem = target === undefined ? undefined : linkProblem(target, classReal, ctx);
        if (problem) {
          skipLink(e.path, problem);
          continue;
        }
      }
      files.push(e.path);
    }
  }
  return files;
}

/** Throws the DataError naming every file or folder whose name is not valid UTF-8 (up to 10). */
function refuseBadNames(split: string, badNames: string[]): void {
  if (badNames.length === 0) return;
  const shown = badNames.slice(0, 10).map((n) => path.relative(split, n));
  throw new DataError(
    split,
    `${badNames.length} file or folder name${badNames.length > 1 ? 's are' : ' is'} not valid UTF-8 and cannot be read: ${shown.join(', ')}${badNames.length > 10 ? ', ...' : ''} (\\xNN = a byte that is not UTF-8)`,
    `rename them to UTF-8, e.g. \`convmv -r -f latin1 -t utf-8 --notest ${split}\` (the names were probably written in Latin-1 or another legacy encoding)`,
  );
}

/** Reads an ImageFolder split folder. Throws a DataError naming the folder and the fix. */
export function readImageFolder(dir: string, options: ImageFolderOptions = {}): ImageFolder {
  const abs = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new DataError(
      abs,
      'image folder not found',
      'check data.root and the split names in the experiment config; the ImageFolder layout expects <root>/<split>/<class>/<image>',
    );
  }
  if (!st.isDirectory()) {
    throw new DataError(
      abs,
      'is a file, not a folder',
      'in the ImageFolder layout each split is a folder holding one sub-folder per class',
    );
  }
  const ctx: ScanContext = { splitReal: realpath(abs) ?? abs, split: abs, badNames: [], warnings: [] };
  const classDirs = listEntries(abs, ctx.badNames).filter((e) => e.kind === 'dir');
  for (const e of classDirs) {
    const target = e.link ? realpath(e.path) : undefined;
    if (target !== undefined && within(ctx.splitReal, target)) {
      throw new DataError(
        e.path,
        `the class folder "${e.name}" is a symbolic link to ${target}, which holds the split folder itself`,
        'remove the link; each class folder must hold only the images of its class',
      );
    }
  }
  const folders = classDirs.map((e) => e.name);
  if (folders.length === 0) {
    refuseBadNames(abs, ctx.badNames);
    throw new DataError(
      abs,
      'has no class folders',
      'put the images of each class in their own sub-folder: <split>/<class name>/<image>',
    );
  }
  const classes = options.classes ? [...options.classes] : folders;
  const index = new Map(classes.map((c, i) => [c, i]));
  const unknown = folders.filter((f) => !index.has(f));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 10).join(', ');
    throw new DataError(
      abs,
      `${unknown.length} class folder(s) not among the training classes: ${shown}${unknown.length > 10 ? ', ...' : ''}`,
      'every class folder of val/test must also exist in the training folder, with exactly the same name',
    );
  }
  const images = folders.map((name) => classImages(path.join(abs, name), ctx));
  refuseBadNames(abs, ctx.badNames);
  const entries: SplitEntry[] = [];
  for (const [k, name] of folders.entries()) {
    const classDir = path.join(abs, name);
    const files = images[k];
    if (files.length === 0) {
      throw new DataError(
        classDir,
        `class folder "${name}" holds no images (${IMAGE_EXTENSIONS.join(' ')})`,
        'add its images, or remove the empty folder (then adjust data.num_classes)',
      );
    }
    const label = index.get(name)!;
    for (const file of files) {
      entries.push({ image: path.relative(abs, file).split(path.sep).join('/'), path: file, label });
    }
  }
  return { entries, classes, warnings: ctx.warnings };
}
