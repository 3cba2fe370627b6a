/**
 * The run folder contract: runs/<name>/<YYYYMMDD-HHMMSS>/ with config.yaml, metrics.jsonl,
 * events.jsonl, checkpoints/, prompts_init.safetensors, prototypes.json, analysis/ and summary.json.
 * The extension, the dashboard and the benchmarks read it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricLine, RunEvent } from '../../shared/run-events';
import { writeFileAtomic } from '../util/atomic-write';

export const RUN_FILES = {
  config: 'config.yaml',
  metrics: 'metrics.jsonl',
  events: 'events.jsonl',
  checkpoints: 'checkpoints',
  promptsInit: 'prompts_init.safetensors',
  prototypes: 'prototypes.json',
  analysis: 'analysis',
  summary: 'summary.json',
} as const;

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A new, unique run folder under `outputDir/name/`. */
export function createRunDir(outputDir: string, name: string, now = new Date()): string {
  const base = path.join(outputDir, name);
  fs.mkdirSync(base, { recursive: true });
  for (let i = 0; ; i++) {
    const dir = path.join(base, i ? `${timestamp(now)}-${i}` : timestamp(now));
    try {
      fs.mkdirSync(dir);
      fs.mkdirSync(path.join(dir, RUN_FILES.checkpoints));
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Appends whole lines (one write each), so a crash can cut only the last line. */
export class JsonlWriter<T> {
  constructor(readonly file: string) {}

  append(value: T): void {
    fs.appendFileSync(this.file, `${JSON.stringify(value)}\n`);
  }
}

/** Complete lines of a JSONL file; a torn last line (no newline) is ignored. */
export function readJsonl<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  return text
    .slice(0, end)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Keeps the first `count` complete lines (resume: drop what came after the checkpoint). */
export function truncateJsonl(file: string, count: number): void {
  const lines = readJsonl<unknown>(file).slice(0, count);
  writeFileAtomic(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

export class RunFolder {
  readonly metrics: JsonlWriter<MetricLine>;
  readonly events: JsonlWriter<RunEvent>;

  constructor(readonly dir: string) {
    this.metrics = new JsonlWriter(path.join(dir, RUN_FILES.metrics));
    this.events = new JsonlWriter(path.join(dir, RUN_FILES.events));
  }

  file(name: keyof typeof RUN_FILES): string {
    return path.join(this.dir, RUN_FILES[name]);
  }

  checkpoint(name: string): string {
    return path.join(this.dir, RUN_FILES.checkpoints, name);
  }

  writeJson(name: keyof typeof RUN_FILES, value: unknown): void {
    writeFileAtomic(this.file(name), `${JSON.stringify(value, null, 2)}\n`);
  }
}
