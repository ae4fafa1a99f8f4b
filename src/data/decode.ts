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
        // 'high' is, in Chromium 156, a Catmull-Rom (cubic) sample at each output pixel's centre, not an
        // area average (measured; src/torch/studio_torch/data.py mirrors it). Masks are then cut at > 127.
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
