/**
 * Loading a batch of images into one NHWC Float32Array, decoding a bounded number of files at a time.
 */
import { DataError } from './data-error';
import { type DecodeOptions, decodeImage } from './decode-image';
import { type TransformKind, toModelInput } from './transforms';

export interface LoadOptions extends DecodeOptions {
  /** Files decoded at the same time (default 4). */
  concurrency?: number;
}

/**
 * Decodes and transforms `paths` into a [B, size, size, 3] (NHWC) Float32Array, in the order given.
 * The first failure rejects with a DataError naming its file (later files are not started).
 */
export async function loadImages(
  paths: readonly string[],
  size: number,
  kind: TransformKind,
  options: LoadOptions = {},
): Promise<Float32Array> {
  const per = size * size * 3;
  const out = new Float32Array(paths.length * per);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < paths.length) {
      const i = next++;
      const file = paths[i];
      try {
        const img = await decodeImage(file, options);
        toModelInput(img, size, kind, out, i * per);
      } catch (err) {
        failed = true;
        if (err instanceof DataError) throw err;
        throw new DataError(
          file,
          (err as Error).message,
          kind === 'none'
            ? `resize the images to ${size}x${size} beforehand, or use the 'vtab' or 'fgvc' transform`
            : 'check that the image is intact',
        );
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Math.min(concurrency, paths.length); w++) workers.push(worker());
  await Promise.all(workers);
  return out;
}
