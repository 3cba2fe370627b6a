/**
 * Every problem with a checkpoint file is reported as a CheckpointError that names the file,
 * what is wrong (the key, the expected and the found shape where that applies) and how to fix it.
 */
export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly fix?: string,
  ) {
    super(`${file}: ${problem}${fix ? `\n  fix: ${fix}` : ''}`);
    this.name = 'CheckpointError';
  }
}
