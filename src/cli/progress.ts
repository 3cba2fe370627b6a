/** A progress bar on a terminal (stderr), plain lines every 10 % otherwise (logs, CI, pipes). */
export class Progress {
  private lastPct = -1;
  private readonly t0 = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string) {}

  update(done: number, total: number): void {
    const pct = total ? Math.floor((100 * done) / total) : 100;
    const secs = (Date.now() - this.t0) / 1000;
    if (this.tty) {
      const width = 30;
      const filled = Math.round((width * pct) / 100);
      process.stderr.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${secs.toFixed(1)}s`,
      );
      if (done >= total) process.stderr.write('\n');
    } else if (pct >= this.lastPct + 10 || done >= total) {
      this.lastPct = pct;
      process.stderr.write(`${this.label}: ${done}/${total} (${pct}%) ${secs.toFixed(1)}s\n`);
    }
  }
}
