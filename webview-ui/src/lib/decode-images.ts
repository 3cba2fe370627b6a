import type { ImageData64 } from '../../../src/shared/webview-contract';

/**
 * Decodes the images' data URLs into `cache` (missing or failing ones are skipped), then trims the cache
 * to its newest 256 entries (a run's probe set is a few images). Shared by the attention view and the
 * side-by-side maps.
 */
export async function decodeImagesInto(
  images: ImageData64[],
  cache: Map<string, HTMLImageElement>,
): Promise<void> {
  await Promise.all(
    images.map(
      (im) =>
        new Promise<void>((resolve) => {
          const url = im.dataUrl;
          if (!url || cache.has(url)) return resolve();
          const img = new Image();
          img.onload = () => {
            cache.set(url, img);
            resolve();
          };
          img.onerror = () => resolve();
          img.src = url;
        }),
    ),
  );
  while (cache.size > 256) cache.delete(cache.keys().next().value as string);
}
