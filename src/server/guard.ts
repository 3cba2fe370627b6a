/** Handler wrappers that never throw: a failure is logged and answered with an empty result. */
export type Guard = <A extends unknown[], R>(
  what: string,
  empty: R,
  fn: (...args: A) => R,
) => (...args: A) => R;

export function makeGuard(log: (message: string) => void): Guard {
  return (what, empty, fn) =>
    (...args) => {
      try {
        return fn(...args);
      } catch (e) {
        log(`spt language server: ${what} failed: ${(e as Error)?.stack ?? e}`);
        return empty;
      }
    };
}
