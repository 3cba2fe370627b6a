/**
 * One trainer process per GPU: where CUDA_VISIBLE_DEVICES lists several devices, queue slot i runs its
 * processes with CUDA_VISIBLE_DEVICES set to device i mod n (so --parallel 4 on 2 GPUs puts two
 * processes on each). With one device or none listed, processes inherit the environment unchanged.
 */

/** The devices CUDA_VISIBLE_DEVICES lists (null: unset; [] for '', '-1' or NoDevFiles: no GPU). */
export function parseVisibleDevices(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return ids.some((id) => id === '-1' || id === 'NoDevFiles') ? [] : ids;
}

/** The CUDA_VISIBLE_DEVICES of each queue slot (undefined: inherit). */
export function slotDevices(parallel: number, devices: string[] | null): (string | undefined)[] {
  return Array.from({ length: parallel }, (_, i) =>
    devices && devices.length > 1 ? devices[i % devices.length] : undefined,
  );
}

/** --parallel when it is not given: one process per listed GPU where there are several, else 1. */
export function defaultParallel(devices: string[] | null): number {
  return devices && devices.length > 1 ? devices.length : 1;
}
