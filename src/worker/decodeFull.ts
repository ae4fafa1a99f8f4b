/** A photo or mask at its own size, decoded as ingestion decodes (straight alpha, no colour conversion); the worker's and the CLI page's. */
export async function decodeFull(blob: Blob): Promise<{ rgba: Uint8ClampedArray<ArrayBuffer>; width: number; height: number }> {
  const bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' }).catch((error: Error) => {
    throw new Error(`the browser could not decode it (${error.message || 'invalid image data'})`);
  });
  try {
    const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(bitmap, 0, 0);
    return { rgba: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, width: bitmap.width, height: bitmap.height };
  } finally {
    bitmap.close();
  }
}
