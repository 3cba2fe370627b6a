/**
 * src/run-folder/ is the one owner of what a run is on disk (issue 18, point 1): outside it, no layer
 * of src/ spells a run file's name, the time-stamp pattern of a run folder's name, or a run status as a
 * string literal; they use RUN_FILES / runFile / checkpointSidecar, isRunTimestamp / parseRunTimestamp
 * and RUN_STATUS / the lifecycle predicates instead. The run queue's and the sweep planner's own
 * `state` fields are other concepts and are not matched (they compare `.state`, not `.status`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkpointSidecarName,
  formatRunTimestamp,
  isRunTimestamp,
  parseRunTimestamp,
  RUN_FILES,
  runTimestampSortKey,
} from '../../../src/run-folder/layout';
import {
  lastStatusEvent,
  readRunEvents,
  readSummary,
  recordedStatus,
} from '../../../src/run-folder/run-files';
import { runResumeState } from '../../../src/run-folder/run-resume';
import {
  isActiveStatus,
  isEndedStatus,
  isRecordedStatus,
  mayResume,
  RUN_STATUS,
  recordedStatusOf,
} from '../../../src/run-folder/status';

const ROOT = path.resolve(__dirname, '../../..');
const FILE_NAMES = [
  ...Object.values(RUN_FILES),
  'last.json',
  'best.json',
  'last.prev.json',
  'best.prev.json',
];
const STATUSES = Object.values(RUN_STATUS);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const names = FILE_NAMES.filter((n) => n.includes('.'))
  .map(esc)
  .join('|');
const dirs = FILE_NAMES.filter((n) => !n.includes('.'))
  .map(esc)
  .join('|');
const statuses = STATUSES.map(esc).join('|');
const PATTERNS: [string, RegExp][] = [
  ['a run file name', new RegExp(`['"\`](${names})['"\`]`)],
  [
    'a run folder (checkpoints/, analysis/) joined by name',
    new RegExp(`path\\.join\\([^)]*['"](${dirs})['"]`),
  ],
  ['the time-stamp pattern', /\\d\{8\}-\\d\{6\}|\\d\{4\}\)\(\\d\{2\}/],
  [
    'a run status literal',
    new RegExp(
      `status\\)?\\s*[!=]==\\s*'(${statuses})'|status:\\s*'(${statuses})'|\\b(status|finish)\\('(${statuses})'`,
    ),
  ],
];

describe('run folder: one home', () => {
  it('no file of src/ outside src/run-folder/ spells run file names, the time stamp or run statuses', () => {
    const offenders: string[] = [];
    const home = path.join(ROOT, 'src', 'run-folder') + path.sep;
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      if (file.startsWith(home)) continue;
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\*|\/\/)/.test(line)) return; // comments may name the files
          for (const [what, re] of PATTERNS)
            if (re.test(line))
              offenders.push(`${path.relative(ROOT, file)}:${i + 1}: ${what}: ${line.trim()}`);
        });
    }
    assert.deepEqual(offenders, [], 'use src/run-folder/ (layout.ts, status.ts, run-files.ts)');
  });

  it('names a run folder by its start time and sorts same-second runs by their suffix', () => {
    const d = new Date(2026, 10, 27, 2, 3, 37);
    assert.equal(formatRunTimestamp(d), '20261127-020337');
    assert.equal(parseRunTimestamp('20261127-020337')?.getTime(), d.getTime());
    assert.ok(isRunTimestamp('20261127-020337-12'));
    assert.ok(!isRunTimestamp('latest'));
    const sorted = ['20261127-020337-10', '20261127-020337', '20261127-020337-2'].sort((a, b) =>
      runTimestampSortKey(a).localeCompare(runTimestampSortKey(b)),
    );
    assert.deepEqual(sorted, ['20261127-020337', '20261127-020337-2', '20261127-020337-10']);
    assert.equal(checkpointSidecarName('last', true), 'last.prev.json');
  });

  it('the lifecycle: created and running are active, finished/failed/stopped ended, interrupted never recorded', () => {
    assert.deepEqual(
      STATUSES.filter((s) => isActiveStatus(s)),
      ['created', 'running'],
    );
    assert.deepEqual(
      STATUSES.filter((s) => isEndedStatus(s)),
      ['stopped', 'failed', 'finished'],
    );
    assert.deepEqual(
      STATUSES.filter((s) => mayResume(s)),
      ['interrupted', 'stopped', 'failed'],
    );
    assert.ok(!isRecordedStatus('interrupted'));
    assert.ok(isRecordedStatus('created'));
    assert.ok(!isRecordedStatus('initialising'), 'the legacy word is read, never written');
    assert.equal(recordedStatusOf('initialising'), 'created');
    assert.equal(recordedStatusOf('created'), 'created');
    assert.equal(recordedStatusOf('interrupted'), null);
    assert.equal(recordedStatusOf(3), null);
  });

  it('reads a run folder of an earlier version, which recorded `created` as `initialising`, as created', () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-legacy-'));
    try {
      const status = (s: string) => `${JSON.stringify({ type: 'status', t: 1, status: s, runDir })}\n`;
      fs.writeFileSync(path.join(runDir, RUN_FILES.events), status('initialising'));
      assert.deepEqual(
        readRunEvents(runDir).map((e) => e.type === 'status' && e.status),
        ['created'],
      );
      assert.equal(lastStatusEvent(runDir), 'created');
      assert.equal(recordedStatus(runDir), 'created');
      // No live process writes it (no lock): interrupted, as a created run of today would be.
      assert.equal(runResumeState(runDir, recordedStatus(runDir)).status, 'interrupted');
      fs.writeFileSync(
        path.join(runDir, RUN_FILES.summary),
        JSON.stringify({ status: 'initialising', name: 'old' }),
      );
      assert.equal(readSummary(runDir)?.status, 'created');
      fs.writeFileSync(
        path.join(runDir, RUN_FILES.summary),
        JSON.stringify({ status: 'starting', name: 'x' }),
      );
      assert.throws(() => readSummary(runDir), /summary\.json has no status/);
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  });
});
