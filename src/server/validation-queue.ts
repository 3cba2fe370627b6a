/**
 * When the open documents are validated: each `delayMs` after its last change (but at most `maxWaitMs`
 * after the first change not yet validated, so a stream of edits cannot starve it), then one document
 * per turn of the event loop, so requests (hover, completion, shutdown) are answered between two
 * validations however many documents wait. A document is validated as it is when its turn comes:
 * never an older version, and a change while it waits puts it back to its delay.
 */
export class ValidationQueue {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** When each waiting document's first unvalidated change came. */
  private readonly since = new Map<string, number>();
  private readonly ready = new Set<string>();
  private running: NodeJS.Immediate | undefined;
  private disposed = false;

  constructor(
    private readonly validate: (uri: string) => void,
    private readonly delayMs: number,
    private readonly maxWaitMs: number,
  ) {}

  /** A document changed (or must be checked again). */
  schedule(uri: string): void {
    if (this.disposed) return;
    clearTimeout(this.timers.get(uri));
    this.ready.delete(uri);
    const now = Date.now();
    const first = this.since.get(uri) ?? now;
    this.since.set(uri, first);
    const wait = Math.max(0, Math.min(this.delayMs, first + this.maxWaitMs - now));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        this.ready.add(uri);
        this.run();
      }, wait),
    );
  }

  /** A closed document: nothing more to do for it. */
  forget(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.since.delete(uri);
    this.ready.delete(uri);
  }

  /** Documents waiting or ready (for tests). */
  get size(): number {
    return this.timers.size + this.ready.size;
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.ready.clear();
    this.since.clear();
    if (this.running) clearImmediate(this.running);
    this.running = undefined;
  }

  private run(): void {
    if (this.running || this.disposed) return;
    this.running = setImmediate(() => {
      this.running = undefined;
      const next = this.ready.values().next();
      if (next.done) return;
      const uri = next.value;
      this.ready.delete(uri);
      this.since.delete(uri);
      try {
        this.validate(uri);
      } finally {
        if (this.ready.size) this.run();
      }
    });
  }
}
