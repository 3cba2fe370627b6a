/**
 * The doctor report (`spt doctor --json`) as a markdown page. Pure (no vscode import) and tolerant
 * of fields it does not know, since the report comes from another process and version.
 */
import type { DoctorReport } from '../../shared/doctor-report';

const cell = (value: unknown): string =>
  String(value ?? '-')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');

export function renderDoctorMarkdown(raw: unknown): string {
  const r = raw as Partial<DoctorReport> | null;
  const out = ['# SPT Studio: compute backends', ''];
  if (!r || typeof r !== 'object' || !Array.isArray(r.backends)) {
    return [
      ...out,
      'The doctor returned a report this version does not know:',
      '',
      '```json',
      JSON.stringify(raw, null, 2),
      '```',
    ].join('\n');
  }
  if (r.node) out.push(`Node ${r.node} on ${r.platform ?? '?'}, ${r.cpus ?? '?'} CPUs.`, '');
  out.push(
    '| Backend | Version | Loads | Detail | To enable |',
    '| --- | --- | --- | --- | --- |',
    ...r.backends.map(
      (b) =>
        `| ${cell(b.name)} | ${cell(b.version)} | ${b.loads ? 'yes' : '**no**'} | ${cell(b.detail)} | ${cell(b.loads ? '' : b.hint)} |`,
    ),
    '',
  );
  if (r.cuda) {
    const driver = r.cuda.driver ? `${r.cuda.driver} (${r.cuda.gpus.join(', ')})` : 'none found (nvidia-smi)';
    const libs = r.cuda.missing.length ? `missing ${r.cuda.missing.join(', ')}` : 'all found';
    out.push(`- NVIDIA driver: ${driver}`, `- CUDA/cuDNN libraries for tensorflow-gpu: ${libs}`);
  }
  if (r.webgpu && typeof r.webgpu === 'object') {
    out.push(`- WebGPU adapter: ${cell(r.webgpu.summary)}`, `- webgpu: ${cell(r.webgpu.choice)}`);
  }
  out.push(`- \`backend: auto\` picks **${r.autoChoice ?? 'nothing'}** here`, '');
  return out.join('\n');
}
