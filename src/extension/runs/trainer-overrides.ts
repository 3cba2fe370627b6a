/** The trainer overrides that the `spt.*` settings add to every train job. Pure: no `vscode`. */

/** The settings that become trainer overrides. */
export interface TrainerSettings {
  defaultBackend: string;
  /** Analysis every N epochs; null: as the file says. */
  analysisEveryEpochs: number | null;
  /** Threads of the wasm backend (`device.threads`); null: as the file says. */
  wasmThreads?: number | null;
}

/** `--set` overrides from the settings (before the command's own, which win). */
export function settingsOverrides(s: TrainerSettings): string[] {
  const out: string[] = [];
  if (s.defaultBackend && s.defaultBackend !== 'fromFile') out.push(`device.backend=${s.defaultBackend}`);
  if (
    typeof s.analysisEveryEpochs === 'number' &&
    Number.isInteger(s.analysisEveryEpochs) &&
    s.analysisEveryEpochs >= 0
  )
    out.push(`analysis.every_epochs=${s.analysisEveryEpochs}`);
  if (typeof s.wasmThreads === 'number' && Number.isInteger(s.wasmThreads) && s.wasmThreads >= 1)
    out.push(`device.threads=${Math.min(8, s.wasmThreads)}`);
  return out;
}
