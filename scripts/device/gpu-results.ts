/**
 * The device check's results (scripts/device/gpu-check.sh): the `{round, r}` lines of results.jsonl
 * folded into medians per (implementation, configuration, batch), with the step engine's ratio to
 * PyTorch CUDA fp32 and AMP, and rendered as the GPU table of docs/PERFORMANCE.md.
 */

export interface GpuLine {
  impl: string;
  config: string;
  batch: number;
  train_images_per_s?: number;
  error?: string;
  dispatches_per_step?: number;
  encode_ms?: number;
  micro_batch?: number;
  adapter?: string;
  device?: string;
}

export interface GpuRow {
  config: string;
  batch: number;
  engine: number | null;
  torchFp32: number | null;
  torchAmp: number | null;
  vsFp32: number | null;
  vsAmp: number | null;
  dispatches: number | null;
  encodeMs: number | null;
  errors: string[];
}

const median = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function foldGpuResults(jsonl: string): GpuRow[] {
  const lines: GpuLine[] = jsonl
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { r: GpuLine }).r);
  const keys = [...new Set(lines.map((l) => `${l.config}|${l.batch}`))];
  return keys.map((k) => {
    const [config, b] = k.split('|');
    const batch = Number(b);
    const of = (impl: string) =>
      lines.filter((l) => l.impl === impl && l.config === config && l.batch === batch);
    const ips = (impl: string) =>
      median(of(impl).flatMap((l) => (l.train_images_per_s !== undefined ? [l.train_images_per_s] : [])));
    const engine = ips('spt-webgpu-engine');
    const torchFp32 = ips('torch-cuda-fp32');
    const torchAmp = ips('torch-cuda-amp');
    const eng = of('spt-webgpu-engine');
    const ratio = (a: number | null, b: number | null) => (a !== null && b ? a / b : null);
    return {
      config,
      batch,
      engine,
      torchFp32,
      torchAmp,
      vsFp32: ratio(engine, torchFp32),
      vsAmp: ratio(engine, torchAmp),
      dispatches: eng.find((l) => l.dispatches_per_step)?.dispatches_per_step ?? null,
      encodeMs: median(eng.flatMap((l) => (l.encode_ms !== undefined ? [l.encode_ms] : []))),
      errors: [
        ...new Set(
          lines
            .filter((l) => l.config === config && l.batch === batch && l.error)
            .map((l) => `${l.impl}: ${l.error}`),
        ),
      ],
    };
  });
}

const f = (x: number | null, d = 1) => (x === null ? '-' : x.toFixed(d));

export function renderGpuTable(rows: GpuRow[]): string {
  const out = [
    '| Configuration | Batch | Step engine img/s | PyTorch CUDA fp32 | PyTorch CUDA AMP | vs fp32 | vs AMP | Dispatches/step | Encode ms/step |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    out.push(
      `| ${r.config} | ${r.batch} | ${f(r.engine)} | ${f(r.torchFp32)} | ${f(r.torchAmp)} | ${f(r.vsFp32, 2)}x | ${f(r.vsAmp, 2)}x | ${r.dispatches ?? '-'} | ${f(r.encodeMs, 2)} |`,
    );
  const errors = rows.flatMap((r) => r.errors.map((e) => `- ${r.config} batch ${r.batch}: ${e}`));
  return [...out, ...(errors.length ? ['', 'Errors:', ...errors] : [])].join('\n');
}
