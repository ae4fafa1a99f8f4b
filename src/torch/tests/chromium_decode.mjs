// Decodes files in Chromium exactly as src/data/decode.ts does (createImageBitmap, resizeQuality 'high',
// premultiplyAlpha 'none', colorSpaceConversion 'none', drawn onto an OffscreenCanvas) and writes the RGBA
// pixels as raw bytes: node src/torch/tests/chromium_decode.mjs OUTDIR WIDTHxHEIGHT FILE...
// Writes OUTDIR/<basename>.<W>x<H>.rgba. Used once to make src/torch/tests/resize_fixture/ (make_resize_fixture.py).
/* global createImageBitmap, OffscreenCanvas */ // used inside page.evaluate, in the browser
import { chromium } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

const [outDir, size, ...files] = process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
const page = await browser.newPage();
for (const file of files) {
  const b64 = fs.readFileSync(file).toString('base64');
  const type = file.endsWith('.gif') ? 'image/gif' : file.endsWith('.png') ? 'image/png' : 'image/jpeg';
  const bytes = await page.evaluate(
    async ({ b64, type, width, height }) => {
      const blob = await (await fetch(`data:${type};base64,${b64}`)).blob();
      const bitmap = await createImageBitmap(blob, {
        resizeWidth: width,
        resizeHeight: height,
        resizeQuality: 'high',
        premultiplyAlpha: 'none',
        colorSpaceConversion: 'none',
      });
      const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
      ctx.drawImage(bitmap, 0, 0);
      return Array.from(ctx.getImageData(0, 0, width, height).data);
    },
    { b64, type, width, height },
  );
  fs.writeFileSync(path.join(outDir, `${path.basename(file)}.${width}x${height}.rgba`), Buffer.from(bytes));
}
await browser.close();
