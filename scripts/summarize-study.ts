/**
 * Summarises a finished sweep of prompt methods for docs/RESULTS.md: per task, the learning-rate search
 * (val acc of every setting, seed 0) and the chosen setting's test accuracy over the final seeds; the
 * per-seed paired difference of each `spt*` task against the `vpt*` task of the same suffix (`spt-w16`
 * against `vpt-w16`; `spt-random` against `vpt-deep` when there is no suffix match) with its 95 % t
 * interval; and the analysis figures per block (prompt-patch NMI and AMI, nearest-patch cosine, the share
 * of attention prompts receive from the CLS query and from the patch queries) at init and at the end, mean
 * over the final runs. `--demo` prints the analysis table of an `spt demo` results.json.
 *
 *   npx tsx scripts/summarize-study.ts examples/default/runs/sweeps/head-width [> summary.md]
 *   npx tsx scripts/summarize-study.ts --demo examples/default/runs/results.json
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { meanStd, pairedDifference } from '../src/cli/demo/results-table';
import type { AnalysisIndex } from '../src/shared/analysis-contract';
import type { SweepRunState, SweepState } from '../src/shared/sweep-state';

type Layer = AnalysisIndex['epochs'][number]['layers'][number];
type Key = 'nmi' | 'ami' | 'nearestCosine' | 'clsPromptMass' | 'patchPromptMass';

/**
 * Per group of runs (one method, its seeds): each analysis figure per block (0..L-1, mean over the runs),
 * at init (the first analysed epoch) and at the end (the last), from analysis/index.json.
 */
function analysisTable(groups: { label: string; runDirs: (string | null)[] }[]): string[] {
  const rows: string[] = [
    '## Analysis of the final runs (per block 0..L-1, mean over seeds; init -> end)',
    '',
    "NMI: prompt-patch NMI (the paper's metric); AMI: the same, chance-corrected; cosine: mean over prompts of the",
    "nearest-patch cosine; CLS / patches -> prompts: share of the CLS query's / the patch queries' attention",
    "on the prompts, in % (project's additions). Layer 0 is compared in the token space SPT samples from",
    '(patch embeddings, before the position embedding).',
    '',
    '| method | epochs | NMI | AMI | cosine | CLS -> prompts % | patches -> prompts % |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const g of groups) {
    const ixs = g.runDirs
      .filter((d): d is string => !!d && fs.existsSync(path.join(d, 'analysis', 'index.json')))
      .map(
        (d) => JSON.parse(fs.readFileSync(path.join(d, 'analysis', 'index.json'), 'utf8')) as AnalysisIndex,
      );
    if (!ixs.length || !ixs[0].epochs.length) continue;
    if (ixs[0].epochs[0].layers.every((l) => l.nmi === null)) continue; // no prompts (linear)
    const fmt = (key: Key, at: 'first' | 'last') => {
      const pick = (ix: AnalysisIndex) => (at === 'first' ? ix.epochs[0] : ix.epochs[ix.epochs.length - 1]);
      const scale = key.endsWith('Mass') ? 100 : 1;
      const digits = key.endsWith('Mass') ? 1 : 2;
      return pick(ixs[0])
        .layers.map((_, l) => {
          const v = ixs
            .map((ix) => (pick(ix).layers[l] as Layer)[key])
            .filter((x): x is number => typeof x === 'number');
          return v.length ? (scale * meanStd(v).mean).toFixed(digits) : '-';
        })
        .join(' / ');
    };
    const e0 = ixs[0].epochs[0].epoch;
    const e1 = ixs[0].epochs[ixs[0].epochs.length - 1].epoch;
    for (const [at, name] of [
      ['first', `${e0} (init)`],
      ['last', String(e1)],
    ] as const)
      rows.push(
        `| ${g.label} | ${name} | ${fmt('nmi', at)} | ${fmt('ami', at)} | ${fmt('nearestCosine', at)} | ${fmt('clsPromptMass', at)} | ${fmt('patchPromptMass', at)} |`,
      );
  }
  return rows;
}

const arg = process.argv[2];
if (!arg) {
  console.error(
    'usage: npx tsx scripts/summarize-study.ts <sweep folder> | --demo <examples/default/runs/results.json>',
  );
  process.exit(2);
}
if (arg === '--demo') {
  // spt demo's results.json: { header, runs: [{ variant, label, seed, runDir, summary }] }
  const demo = JSON.parse(fs.readFileSync(process.argv[3], 'utf8')) as {
    runs: { label: string; runDir: string }[];
  };
  const labels = [...new Set(demo.runs.map((r) => r.label))];
  const groups = labels.map((label) => ({
    label,
    runDirs: demo.runs.filter((r) => r.label === label).map((r) => r.runDir),
  }));
  process.stdout.write(`${analysisTable(groups).join('\n')}\n`);
  process.exit(0);
}
const dir = arg;
const state = JSON.parse(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as SweepState & {
  runs: SweepRunState[];
  tasks?: Array<{ task: string; setting: string | null }>;
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
  // The sweep's own choice (sweep.json tasks[].setting); the best val here only if it has none yet.
  let best = settings.indexOf(state.tasks?.find((t) => t.task === task)?.setting ?? '');
  if (best < 0)
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

out.push('', ...analysisTable(tasks.map((t) => ({ label: t, runDirs: finals(t).map((r) => r.run_dir) }))));
process.stdout.write(`${out.join('\n')}\n`);
