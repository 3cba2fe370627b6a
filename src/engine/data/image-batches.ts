/** A split's images as a stream of tensor batches (decoding overlaps nothing yet: issue 3 adds prefetch). */
import type { ImageBatches } from '../prompts/init-spt';
import { tf } from '../tf';
import { loadImages } from './load-batch';
import type { SplitEntry } from './split-file';
import type { TransformKind } from './transforms';

export async function* imageBatches(
  entries: readonly SplitEntry[],
  size: number,
  kind: TransformKind,
  batchSize: number,
): ImageBatches {
  for (let s = 0; s < entries.length; s += batchSize) {
    const chunk = entries.slice(s, s + batchSize);
    const data = await loadImages(
      chunk.map((e) => e.path),
      size,
      kind,
    );
    const images = tf.tensor4d(data, [chunk.length, size, size, 3]); // [B, H, W, 3]
    try {
      yield { images, ids: chunk.map((_, i) => s + i) };
    } finally {
      images.dispose();
    }
  }
}
