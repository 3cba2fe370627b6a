/**
 * Fault injection for the reliability tests: `SPT_TEST_FAULT` names points in the trainer's file
 * writes and training loop where the process kills itself or a write fails, so that a test can
 * hit "during a checkpoint write" or "a full disk" exactly instead of by timing. Unset (always, in
 * normal use) it costs one string comparison per point and does nothing.
 *
 * `SPT_TEST_FAULT="<site>@<n>:<action>[;...]"`: the n-th time (1-based) a point whose name contains
 * `<site>` (where `*` stands for any text) is reached, do `<action>`:
 * - `kill`: SIGKILL this process (nothing after it runs, nothing is flushed);
 * - `enospc`, `eio`, `edquot`: throw the error the file system would (`code` set as Node sets it);
 * - `hang`: block the thread for good (a deadlocked trainer: no event, no heartbeat);
 * - `sleep<ms>`: block the thread for that long, then go on;
 * - `wait`: block the thread until the file SPT_TEST_FAULT_RELEASE names exists (at most 2 minutes).
 *
 * Points: `write:<path>:open|data|fsync|rename|renamed` (run-folder/atomic-write; `data` is after half the
 * bytes), `append:<path>` (a JSONL line: half the line is written first), `checkpoint:<kind>:weights|sidecar|cleanup`,
 * `train:step`, `train:epoch`, `analysis:<epoch>`.
 */

import * as fs from 'node:fs';

export type FaultAction = 'kill' | 'enospc' | 'eio' | 'edquot' | 'hang' | 'wait' | `sleep${number}`;

interface Fault {
  site: string;
  match: (site: string) => boolean;
  at: number;
  action: FaultAction;
  seen: number;
}

const ERRORS: Record<'enospc' | 'eio' | 'edquot', { code: string; errno: number; text: string }> = {
  enospc: { code: 'ENOSPC', errno: -28, text: 'no space left on device' },
  eio: { code: 'EIO', errno: -5, text: 'i/o error' },
  edquot: { code: 'EDQUOT', errno: -122, text: 'disk quota exceeded' },
};

let faults: Fault[] | undefined;

/** Parses `SPT_TEST_FAULT`; throws on a malformed value (a test typo must not pass silently). */
export function parseFaults(spec: string | undefined): Fault[] {
  if (!spec?.trim()) return [];
  return spec
    .split(';')
    .filter((s) => s.trim())
    .map((item) => {
      const m = /^(.+)@(\d+):(kill|enospc|eio|edquot|hang|wait|sleep\d+)$/.exec(item.trim());
      if (!m) throw new Error(`SPT_TEST_FAULT: cannot parse '${item}' (expected <site>@<n>:<action>)`);
      const pattern = m[1];
      const re = pattern.includes('*')
        ? new RegExp(
            pattern
              .split('*')
              .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
              .join('.*'),
          )
        : undefined;
      const match = re ? (site: string) => re.test(site) : (site: string) => site.includes(pattern);
      return { site: pattern, match, at: Number(m[2]), action: m[3] as FaultAction, seen: 0 };
    });
}

function active(): Fault[] {
  faults ??= parseFaults(process.env.SPT_TEST_FAULT);
  return faults;
}

/** For tests in this process: replace the faults (undefined: read SPT_TEST_FAULT again). */
export function setFaults(spec: string | undefined): void {
  faults = spec === undefined ? undefined : parseFaults(spec);
}

/**
 * A fault point. When an armed fault matches, `before` runs first (to leave a torn write behind),
 * then the action.
 */
export function faultPoint(site: string, before?: () => void): void {
  const list = active();
  if (!list.length) return;
  for (const f of list) {
    if (!f.match(site)) continue;
    f.seen++;
    if (f.seen !== f.at) continue;
    before?.();
    const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    if (f.action === 'kill') {
      process.kill(process.pid, 'SIGKILL');
      // SIGKILL is delivered asynchronously on some platforms: never run past the point.
      for (;;) block(1000);
    }
    if (f.action === 'hang') for (;;) block(1000);
    if (f.action === 'wait') {
      const release = process.env.SPT_TEST_FAULT_RELEASE;
      for (let t = 0; t < 120_000 && !(release && fs.existsSync(release)); t += 10) block(10);
      continue;
    }
    if (f.action.startsWith('sleep')) {
      block(Number(f.action.slice(5)));
      continue;
    }
    const e = ERRORS[f.action as keyof typeof ERRORS];
    const err = new Error(`${e.code}: ${e.text}, write (injected at ${site})`) as NodeJS.ErrnoException;
    err.code = e.code;
    err.errno = e.errno;
    err.syscall = 'write';
    throw err;
  }
}
