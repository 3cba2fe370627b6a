/**
 * Every problem with a data file (a split file, a label map, an image) is reported as a DataError that
 * names the file, the 1-based line where that applies, what is wrong and how to fix it.
 */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly fix: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `, line ${line}` : ''}: ${problem}\n  fix: ${fix}`);
    this.name = 'DataError';
  }
}
