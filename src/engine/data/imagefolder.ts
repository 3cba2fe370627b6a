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
 * BMP is left out on purpose: sharp (libvips) cannot decode it, so listing .bmp files would only turn them
 * into skipped images; convert them to PNG.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
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
}

/** Python's string order (by code point), which differs from JS's UTF-16 order only beyond U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

function readDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new DataError(dir, `cannot read folder: ${(err as Error).message}`, 'check the folder permissions');
  }
}

/** Dirent type, following symbolic links (os.walk(followlinks=True) and os.scandir().is_dir() do). */
function kindOf(dir: string, d: fs.Dirent): 'dir' | 'file' | 'other' {
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  if (d.isSymbolicLink()) {
    try {
      const st = fs.statSync(path.join(dir, d.name));
      return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    } catch {
      return 'other'; // a dangling link
    }
  }
  return 'other';
}

/** The images of one class folder, in torchvision's order (absolute paths). */
function classImages(classDir: string): string[] {
  const dirs: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      return;
    }
    if (seen.has(real)) return; // a link cycle
    seen.add(real);
    dirs.push(dir);
    for (const d of readDir(dir)) {
      if (!isHidden(d.name) && kindOf(dir, d) === 'dir') walk(path.join(dir, d.name));
    }
  };
  walk(classDir);
  dirs.sort(compareCodePoints);
  const files: string[] = [];
  for (const dir of dirs) {
    const names = readDir(dir)
      .filter((d) => !isHidden(d.name) && isImageFile(d.name) && kindOf(dir, d) === 'file')
      .map((d) => d.name)
      .sort(compareCodePoints);
    for (const name of names) files.push(path.join(dir, name));
  }
  return files;
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
  const folders = readDir(abs)
    .filter((d) => !isHidden(d.name) && kindOf(abs, d) === 'dir')
    .map((d) => d.name)
    .sort(compareCodePoints);
  if (folders.length === 0) {
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
  const entries: SplitEntry[] = [];
  for (const name of folders) {
    const classDir = path.join(abs, name);
    const files = classImages(classDir);
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
  return { entries, classes };
}
