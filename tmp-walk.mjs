import { chromium } from '@playwright/test';
const port = process.argv[2];
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
for (const [w, h] of [[1920, 1080], [1280, 800]]) {
  const p = await b.newPage({ viewport: { width: w, height: h } });
  p.on('pageerror', (e) => console.log('pageerror', e.message));
  p.on('console', (m) => m.type() === 'error' && console.log('console', m.text()));
  await p.goto(`http://127.0.0.1:${port}/`);
  await p.waitForTimeout(1500);
  await p.screenshot({ path: `/tmp/walk/${w}-0-open.png` });
  await p.getByRole('button', { name: 'Use sample dataset' }).click();
  await p.getByTestId('pair-count').waitFor({ state: 'attached' });
  await p.waitForTimeout(500);
  await p.screenshot({ path: `/tmp/walk/${w}-1-sample.png` });
  await p.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  await p.waitForTimeout(20000);
  await p.screenshot({ path: `/tmp/walk/${w}-2-training.png` });
  await p.screenshot({ path: `/tmp/walk/${w}-2-training-full.png`, fullPage: true });
  await p.close();
}
await b.close();
