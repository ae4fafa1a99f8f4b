/**
 * The browser adapter of ingestion: createImageBitmap resizes while decoding (JPEG, PNG, GIF,
 * WebP), an OffscreenCanvas hands back the pixels. Works in a dedicated worker.
 */
import type { ImageDecoder } from './ingest';

export function createBrowserDecoder(): ImageDecoder {
  // One canvas per size, reused: allocating a canvas per image costs more than the draw.
  const canvases = new Map<string, OffscreenCanvasRenderingContext2D>();
  const context = (width: number, height: number) => {
    const key = `${width}x${height}`;
    let ctx = canvases.get(key);
    if (!ctx) {
      ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
      canvases.set(key, ctx);
    }
    return ctx;
  };
  return {
    async decode(blob, width, height) {
      let bitmap: ImageBitmap;
      try {
        // 'high' averages over the source pixels: good for photos, and for masks it makes the
        // > 127 threshold a majority vote of the covered source pixels.
        bitmap = await createImageBitmap(blob, {
          resizeWidth: width,
          resizeHeight: height,
          resizeQuality: 'high',
          premultiplyAlpha: 'none',
          colorSpaceConversion: 'none',
        });
      } catch (error) {
        throw new Error(`the browser could not decode it (${(error as Error).message || 'invalid image data'})`, { cause: error });
      }
      try {
        const ctx = context(width, height);
        ctx.clearRect(0, 0, width, height);
        ctx.drawImage(bitmap, 0, 0);
        return ctx.getImageData(0, 0, width, height).data;
      } finally {
        bitmap.close();
      }
    },
  };
}
