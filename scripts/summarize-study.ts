/**
 * Summarises a finished sweep of prompt methods for docs/RESULTS.md: per task, the learning-rate search
 * (val acc of every setting, seed 0) and the chosen setting's test accuracy over the final seeds; the
 * per-seed paired difference of each `spt*` task against the `vpt*` task of the same suffix (`spt-w16`
 * against `vpt-w16`; `spt-random` against `vpt-deep` when there is no suffix match) with its 95 % t
 * interval; and the share of attention prompts receive (CLS query and patch queries, mean over heads and
 * probe images) per block, at init and at the last analysed epoch, of the final runs.
 *
 *   npx tsx scripts/summarize-study.ts examples/default/runs/sweeps/head-width [> summary.md]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { meanStd, pairedDifference } from '../src/cli/demo/results-table';
import type { AnalysisIndex } from '../src/shared/analysis-contract';
import type { SweepRunState, SweepState } from '../src/shared/sweep-state';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npx tsx scripts/summarize-study.ts <sweep folder>');
  process.exit(2);
}
const state = JSON.parse(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as SweepState & {
  runs: SweepRunState[];
  results?: { tasks: Array<{ task: string; setting: string | null }> };
};
const runs = state.runs;
const tasks = [...new Set(runs.map((r) => r.task))];
const pct = (x: number | null) => (x === null ? '-' : (100 * x).toFixed(1));
const f1 = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

// The chosen setting per task: the best mean val acc of its search runs (what the sweep chose).
const chosen = new Map<string, string>();
const out: string[] = [];
out.push(`## Sweep \`${state.name}\`: learning-rate search (val acc %, seed 0)`, '');
const settings = [...new Set(runs.filter((r) => r.phases.includes('search')).map((r) => r.setting))];
out.push(`| task | ${settings.join(' | ')} | chosen |`, `|---|${settings.map(() => '---|').join('')}---|`);
for (const task of tasks) {
  const cells = settings.map((s) => {
    const v = runs
      .filter((r) => r.task === task && r.setting === s && r.phases.includes('search') && r.val_acc !== null)
      .map((r) => r.val_acc as number);
    return v.length ? meanStd(v).mean : null;
  });
  let best = -1;
  cells.forEach((c, i) => {
    if (c !== null && (best < 0 || c > (cells[best] as number))) best = i;
  });
  if (best >= 0) chosen.set(task, settings[best]);
  out.push(`| ${task} | ${cells.map(pct).join(' | ')} | ${best >= 0 ? settings[best] : '-'} |`);
}

const finals = (task: string) =>
  runs.filter(
    (r) =>
      r.task === task && r.setting === chosen.get(task) && r.status === 'finished' && r.test_acc !== null,
  );
out.push('', '## Test accuracy at the chosen setting (final seeds)', '');
out.push('| task | setting | test acc % (mean ± std) | val acc % | seeds |', '|---|---|---|---|---|');
for (const task of tasks) {
  const rs = finals(task);
  if (!rs.length) continue;
  const t = meanStd(rs.map((r) => 100 * (r.test_acc as number)));
  const v = meanStd(rs.map((r) => 100 * (r.val_acc as number)));
  out.push(
    `| ${task} | ${chosen.get(task)} | ${t.mean.toFixed(1)} ± ${t.std.toFixed(1)} | ${v.mean.toFixed(1)} ± ${v.std.toFixed(1)} | ${rs.map((r) => r.seed).join(', ')} |`,
  );
}

out.push('', '## Paired differences (test acc, points; SPT minus VPT, same seed)', '');
out.push('| pair | per seed | mean | 95 % interval (t, n - 1 df) |', '|---|---|---|---|');
const bySeed = (task: string) => new Map(finals(task).map((r) => [r.seed, r.test_acc as number]));
for (const task of tasks.filter((t) => t.startsWith('spt'))) {
  const suffix = task.slice(3);
  const base = tasks.find((t) => t === `vpt${suffix}`) ?? tasks.find((t) => t.startsWith('vpt'));
  if (!base) continue;
  const d = pairedDifference(bySeed(task), bySeed(base));
  if (!d) continue;
  out.push(
    `| ${task} − ${base} | ${d.diffs.map(f1).join(', ')} | ${f1(d.mean)} | [${f1(d.lo)}, ${f1(d.hi)}] |`,
  );
}

out.push('', '## Attention to prompts (share of attention, %, mean over the final seeds)', '');
out.push(
  'CLS: share of the CLS query on the prompts; patches: mean share of the patch queries on the prompts. Per block 0..L-1.',
  '',
);
out.push('| task | CLS at init | CLS at end | patches at init | patches at end |', '|---|---|---|---|---|');
for (const task of tasks) {
  const rs = finals(task).filter(
    (r) => r.run_dir && fs.existsSync(path.join(r.run_dir, 'analysis', 'index.json')),
  );
  if (!rs.length) continue;
  const indexes = rs.map(
    (r) =>
      JSON.parse(
        fs.readFileSync(path.join(r.run_dir as string, 'analysis', 'index.json'), 'utf8'),
      ) as AnalysisIndex,
  );
  const per = (
    pick: (ix: AnalysisIndex) => AnalysisIndex['epochs'][number],
    key: 'clsPromptMass' | 'patchPromptMass',
  ) => {
    const layers = pick(indexes[0]).layers.length;
    return Array.from({ length: layers }, (_, l) =>
      meanStd(indexes.map((ix) => 100 * (pick(ix).layers[l][key] ?? Number.NaN))).mean.toFixed(1),
    ).join(' / ');
  };
  const first = (ix: AnalysisIndex) => ix.epochs[0];
  const last = (ix: AnalysisIndex) => ix.epochs[ix.epochs.length - 1];
  out.push(
    `| ${task} | ${per(first, 'clsPromptMass')} | ${per(last, 'clsPromptMass')} | ${per(first, 'patchPromptMass')} | ${per(last, 'patchPromptMass')} |`,
  );
}
process.stdout.write(`${out.join('\n')}\n`);
