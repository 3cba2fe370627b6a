/**
 * What the Runs view adds to a run besides its numbers: the user's note and tags, kept in the run folder
 * (`note.json`: `{ "note": "...", "tags": ["baseline", ...] }`, written atomically, so the note travels
 * with the folder and other windows see it), and the run's seed (from its config.yaml). Both are read
 * through small caches keyed by the file's modification time. Pure Node: no `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { RUN_FILES } from '../../run-folder/layout';

/** The note file in a run folder. */
export const RUN_NOTE_FILE = RUN_FILES.note;

export interface RunNote {
  /** Free text (one line in the tree, whole in the tooltip). */
  note: string;
  /** `#baseline`-style words of the note, without the `#`, lower-cased, unique. */
  tags: string[];
}

/** The tags of a note: its `#words`. */
export function tagsOf(text: string): string[] {
  const tags = [...text.matchAll(/(?:^|\s)#([\p{L}\p{N}_.-]+)/gu)].map((m) => m[1].toLowerCase());
  return [...new Set(tags)];
}

/** Parses note.json; null when absent, empty or not a note (a clear message goes to `onBad`). */
export function parseRunNote(text: string, file: string, onBad?: (message: string) => void): RunNote | null {
  try {
    const v = JSON.parse(text) as { note?: unknown; tags?: unknown };
    const note = typeof v?.note === 'string' ? v.note.trim() : '';
    const tags = Array.isArray(v?.tags)
      ? v.tags.filter((t): t is string => typeof t === 'string')
      : tagsOf(note);
    return note || tags.length ? { note, tags } : null;
  } catch (err) {
    onBad?.(
      `${file} is not JSON (${(err as Error).message}); set the note again (Set Run Note) to rewrite it`,
    );
    return null;
  }
}

const noteCache = new Map<string, { mtimeMs: number; note: RunNote | null }>();

export function readRunNote(runDir: string): RunNote | null {
  const file = path.join(runDir, RUN_NOTE_FILE);
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    noteCache.delete(file);
    return null;
  }
  const hit = noteCache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.note;
  let note: RunNote | null = null;
  try {
    note = parseRunNote(fs.readFileSync(file, 'utf8'), file);
  } catch {
    note = null;
  }
  noteCache.set(file, { mtimeMs, note });
  return note;
}

/** Writes (or, for an empty text, removes) the run's note; tags are the note's `#words`. */
export function writeRunNote(runDir: string, text: string): RunNote | null {
  const file = path.join(runDir, RUN_NOTE_FILE);
  if (!fs.existsSync(runDir))
    throw new Error(`${runDir} does not exist: the run folder was moved or deleted`);
  const note = text.trim();
  if (!note) {
    fs.rmSync(file, { force: true });
    noteCache.delete(file);
    return null;
  }
  const value: RunNote = { note, tags: tagsOf(note) };
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
  noteCache.delete(file);
  return value;
}

const seedCache = new Map<string, { mtimeMs: number; seed: number | null }>();

/** The top-level `seed:` of the run's config.yaml, or null. */
export function readRunSeed(runDir: string): number | null {
  const file = path.join(runDir, RUN_FILES.config);
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
  const hit = seedCache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.seed;
  let seed: number | null = null;
  try {
    const m = /^seed:[ \t]*(\d+)[ \t]*(?:#.*)?$/m.exec(fs.readFileSync(file, 'utf8'));
    seed = m ? Number(m[1]) : null;
  } catch {
    seed = null;
  }
  seedCache.set(file, { mtimeMs, seed });
  return seed;
}
