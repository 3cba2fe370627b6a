/**
 * Makes synchronous tensor readback fail, as it does with the webgpu backend in Node (tfjs-webgpu
 * reads synchronously through an OffscreenCanvas, which Node lacks), so that a test on the cpu or
 * wasm backend proves a code path never calls `dataSync()` / `arraySync()` / `bufferSync()`.
 *
 * Those all go through the engine's `readSync`, which the guard makes throw. The backend's own
 * `readSync` throws too, except where the backend calls it itself: inside its asynchronous `read()`
 * (cpu and wasm implement `read` with `readSync`) and inside a kernel (a cpu or wasm kernel such as
 * GatherV2 or Slice reads its inputs from host memory; the webgpu kernels run on the device, or, for
 * small host-resident inputs, read host values that need no canvas). `kernelsThatRead` names them.
 */
import { tf } from '../../src/engine/tf';

export const SYNC_READBACK = 'synchronous readback (as webgpu in Node)';

type DataId = object;
interface EngineInternals {
  readSync(dataId: DataId): unknown;
  read(dataId: DataId): Promise<unknown>;
  runKernelFunc(params: { kernelName?: string }): unknown;
}
interface BackendInternals {
  readSync(...args: unknown[]): unknown;
  read(...args: unknown[]): Promise<unknown>;
}

export interface SyncReadbackGuard {
  /** Asynchronous reads (`data()`, `array()`) since the guard was installed. */
  readonly reads: number;
  /** Kernels that called the backend's readSync themselves (allowed: host memory on cpu/wasm). */
  readonly kernelsThatRead: ReadonlySet<string>;
  restore(): void;
}

/** Installs the guard on the engine and the current backend; `restore()` takes it off. */
export function forbidSyncReadback(): SyncReadbackGuard {
  const engine = tf.engine() as unknown as EngineInternals;
  const backend = tf.backend() as unknown as BackendInternals;
  for (const [o, keys] of [
    [engine, ['readSync', 'read', 'runKernelFunc']],
    [backend, ['readSync', 'read']],
  ] as const) {
    for (const k of keys)
      if (Object.hasOwn(o, k)) throw new Error(`${k} is already patched (a guard is installed)`);
  }
  const orig = {
    readSync: engine.readSync,
    read: engine.read,
    runKernelFunc: engine.runKernelFunc,
    backendReadSync: backend.readSync,
    backendRead: backend.read,
  };
  const kernels: string[] = [];
  let inRead = 0;
  const state = { reads: 0, kernelsThatRead: new Set<string>() };
  const fail = (what: string) => {
    throw new Error(`${SYNC_READBACK}: ${what}`);
  };
  engine.readSync = () => fail('dataSync(), arraySync() or bufferSync() on a tensor');
  engine.read = function (this: EngineInternals, dataId: DataId) {
    state.reads++;
    return orig.read.call(this, dataId);
  };
  engine.runKernelFunc = function (this: EngineInternals, params: { kernelName?: string }) {
    kernels.push(params.kernelName ?? '(custom gradient)');
    try {
      return orig.runKernelFunc.call(this, params);
    } finally {
      kernels.pop();
    }
  };
  backend.read = function (this: BackendInternals, ...args: unknown[]) {
    inRead++; // cpu and wasm read synchronously inside read(), before it returns its promise
    try {
      return orig.backendRead.apply(this, args);
    } finally {
      inRead--;
    }
  };
  backend.readSync = function (this: BackendInternals, ...args: unknown[]) {
    if (inRead === 0) {
      if (!kernels.length) fail('backend.readSync() outside a kernel');
      state.kernelsThatRead.add(kernels[kernels.length - 1]);
    }
    return orig.backendReadSync.apply(this, args);
  };
  return {
    get reads() {
      return state.reads;
    },
    kernelsThatRead: state.kernelsThatRead,
    restore() {
      // The patches are own properties over the prototype's methods: removing them restores those.
      for (const k of ['readSync', 'read', 'runKernelFunc'] as const)
        delete (engine as Partial<EngineInternals>)[k];
      for (const k of ['readSync', 'read'] as const) delete (backend as Partial<BackendInternals>)[k];
      if (engine.readSync !== orig.readSync || backend.readSync !== orig.backendReadSync)
        throw new Error('the engine or backend had its own read methods; the guard cannot restore them');
    },
  };
}
