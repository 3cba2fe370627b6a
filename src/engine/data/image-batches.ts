/**
 * A split's images as a stream of tensor batches in evaluation mode (no augmentation), decoded ahead
 * by the BatchLoader. Used for SPT initialisation and prediction. An unreadable image is skipped and
 * named in the log; `ids` are positions in `entries`, so callers can tell which ones came out.
 */
import type { ImageBatches } from '../prompts/init-spt';
import { tf } from '../tf';
import { BatchLoader, type LoaderLog } from './batch-loader';
import type { SplitEntry } from './split-file';

export async function* imageBatches(
  entries: readonly SplitEntry[],
  size: number,
  augment: 'none' | 'fgvc',
  batchSize: number,
  log?: LoaderLog,
): ImageBatches {
  const loader = new BatchLoader(entries, {
    size,
    batchSize,
    mode: 'eval',
    augment,
    seed: 0,
    dropLast: false,
    log,
  });
  for await (const b of loader.epoch(0)) {
    const images = tf.tensor4d(b.images, [b.labels.length, size, size, 3]); // [B, H, W, 3]
    try {
      yield { images, ids: b.indices };
    } finally {
      images.dispose();
    }
  }
}
