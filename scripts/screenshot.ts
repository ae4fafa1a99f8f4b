/**
 * Makes docs/screenshot.png: the production build, the bundled sample, a real `tiny` run on wasm,
 * then the top of the page at 1280 wide. Usage: npx tsx scripts/screenshot.ts [OUT.png]
 */
import path from 'node:path';
import { chromium } from '@playwright/test';
import { preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../src/cli/chromium';
import { ensureBuilt, ROOT } from '../src/cli/headlessStudio';

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs/screenshot.png'));
const outDir = await ensureBuilt((line) => process.stderr.write(`${line}\n`));
const server = await preview({ root: ROOT, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1', open: false } });
const address = server.httpServer.address();
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  if (!address || typeof address === 'string') throw new Error('no port');
  const page = await browser.newPage({ viewport: { width: 1280, height: 2100 } });
  await page.goto(`http://127.0.0.1:${address.port}/?backend=wasm&model=tiny&size=64x96&batch=8&epochs=6&lr=0.005`);
  await page.getByRole('button', { name: 'Use sample dataset' }).click();
  await page.getByTestId('pair-count').waitFor();
  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  await page.getByTestId('train-status').and(page.locator('[data-phase="done"]')).waitFor({ timeout: 300_000 });
  await page.waitForTimeout(1500); // the charts redraw on their own one-second ticks
  await page.screenshot({ path: out });
  process.stderr.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  await server.close();
}
