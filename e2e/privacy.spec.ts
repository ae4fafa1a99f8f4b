/**
 * Privacy you can check: the Content-Security-Policy lets the page and its training worker connect to
 * their own origin only, and the header's read-out counts every request to another origin, sent or
 * blocked. The sandbox has no internet, so a failed fetch proves nothing by itself: each block is shown
 * to be the policy's by its `securitypolicyviolation` event.
 */
import { type Page, type Worker } from '@playwright/test';
import { expect, test } from './fixtures';
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_META, WORKER_CONTENT_SECURITY_POLICY } from '../scripts/csp';
import { openStudio } from '../src/cli/headlessStudio';
import { expectRunDone } from './run-done';

const ELSEWHERE = 'https://example.com/x';

/** The training worker (the page starts it as it opens). */
async function trainerWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().some((worker) => worker.url().includes('trainer.worker'))).toBe(true);
  return page.workers().find((worker) => worker.url().includes('trainer.worker'))!;
}

/** Runs in a page or a worker: fetches `url` and reports the outcome with the violation the policy raised, if any. */
async function attemptFetch(url: string) {
  const violation = new Promise<{ directive: string; blocked: string } | null>((resolve) => {
    self.addEventListener('securitypolicyviolation', (e) => resolve({ directive: e.effectiveDirective, blocked: e.blockedURI }), { once: true });
    // The violation event is queued while the fetch is refused, before its promise settles: 1 s more is plenty.
    setTimeout(() => resolve(null), 1000);
  });
  const outcome = await fetch(url).then(
    (response) => `status ${response.status}`,
    (error: Error) => error.name,
  );
  return { outcome, violation: await violation };
}

/** The policy as a map of directive -> sources, parsed here (not by the module that wrote it). */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .map(([name, ...sources]) => [name, sources]),
  );
}

test('the production build sends the policy as a header (pages and worker) and in each page’s <meta>', async ({ page, request }) => {
  const header = (await request.get('/')).headers()['content-security-policy'];
  expect(header).toBe(CONTENT_SECURITY_POLICY);
  // What it promises, written out here: nothing but this origin, and no connection anywhere else.
  const policy = directives(header);
  expect(policy['default-src']).toEqual(["'self'"]);
  expect(policy['connect-src']).toEqual(["'self'", 'blob:', 'data:']);
  expect(policy['frame-ancestors']).toEqual(["'none'"]);
  // The <meta> is the same policy less what only a header can carry.
  expect(directives(CONTENT_SECURITY_POLICY_META)).toEqual(Object.fromEntries(Object.entries(policy).filter(([name]) => name !== 'frame-ancestors')));

  for (const path of ['/', '/cli.html']) {
    await page.goto(path);
    await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute('content', CONTENT_SECURITY_POLICY_META);
    expect((await request.get(path)).headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  }
  // A worker takes its policy from its own script's response, not from the page: the page's, plus eval
  // (protobufjs compiles its ONNX encoders with Function()), and the same one door out.
  await page.goto('/');
  const worker = await trainerWorker(page);
  const workerHeader = (await request.get(worker.url())).headers()['content-security-policy'];
  expect(workerHeader).toBe(WORKER_CONTENT_SECURITY_POLICY);
  expect(directives(workerHeader)).toEqual({ ...policy, 'script-src': [...policy['script-src'], "'unsafe-eval'"] });
  expect(policy['script-src']).not.toContain("'unsafe-eval'");
});

test('a training run on the sample (wasm, two threads) and an ONNX export break no rule of the policy, and the read-out reads 0', async ({ page }) => {
  test.setTimeout(420_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // Chrome logs the page's violations as console errors; a worker's it does not relay, so each worker
  // (the trainer and its wasm threads) is given a listener that logs them, which Playwright relays.
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  const logViolations = () =>
    self.addEventListener('securitypolicyviolation', (e) => console.error(`${self.constructor.name}: ${e.effectiveDirective} refused ${e.blockedURI}`));
  await page.addInitScript(logViolations);
  // A worker may end before the listener is in (nothing to miss there then).
  page.on('worker', (worker) => void worker.evaluate(logViolations).catch(() => undefined));

  await page.goto('/?backend=wasm&threads=2&model=tiny&size=32x48&batch=8&epochs=1');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('wasm-threads')).toHaveAttribute('data-threads', '2');
  await page.getByRole('button', { name: 'Use sample dataset' }).click();
  await expect(page.getByTestId('pair-count')).toHaveText('128', { timeout: 60_000 });
  await page.getByTestId('run-panel').getByRole('button', { name: 'Start training' }).click();
  await expectRunDone(page, 300_000);
  await expect(page.getByTestId('test-results')).toBeVisible();
  // The ONNX writer (protobufjs) is the one part that needs eval, in the worker: it must work.
  await page.getByTestId('run-panel').getByRole('button', { name: 'Export', exact: true }).click();
  const download = page.waitForEvent('download', { timeout: 60_000 });
  await page.getByTestId('export-menu').getByRole('group', { name: 'Current model' }).getByRole('button', { name: 'ONNX file' }).click();
  const onnx = await download;
  expect(onnx.suggestedFilename()).toMatch(/\.onnx$/);
  expect(await onnx.failure()).toBeNull();

  const readout = page.getByTestId('privacy-readout');
  await expect(readout).toHaveText('0 requests to other origins');
  await expect(readout).toHaveAttribute('data-count', '0');
  expect(problems).toEqual([]);
});

test('a request to another origin from the page and from the worker is refused by connect-src, and the read-out counts both', async ({ page }) => {
  await page.goto('/');
  const readout = page.getByTestId('privacy-readout');
  await expect(readout).toHaveAttribute('data-count', '0');

  const fromPage = await page.evaluate(attemptFetch, ELSEWHERE);
  expect(fromPage).toEqual({ outcome: 'TypeError', violation: { directive: 'connect-src', blocked: ELSEWHERE } });
  await expect(readout).toHaveAttribute('data-count', '1');

  const worker = await trainerWorker(page);
  const fromWorker = await worker.evaluate(attemptFetch, ELSEWHERE);
  expect(fromWorker).toEqual({ outcome: 'TypeError', violation: { directive: 'connect-src', blocked: ELSEWHERE } });

  await expect(readout).toHaveAttribute('data-count', '2');
  await expect(readout).toHaveAttribute('data-blocked', '2');
  await expect(readout).toHaveAttribute('data-sent', '0');
  await expect(readout).toHaveText('2 requests to other origins (2 blocked)');
  await expect(readout).toHaveAttribute('title', /Page: 0 sent, 1 blocked\. Worker: 0 sent, 1 blocked\./);
});

test.describe('with the policy switched off, as on a host that sends none', () => {
  // The page's header and <meta> are bypassed by the browser; the worker's header is taken off its script.
  test.use({ bypassCSP: true });

  test('a request that leaves for another origin counts as sent, from the page and from the worker', async ({ page, baseURL }) => {
    await page.route(/\/assets\/trainer\.worker-[\w-]+\.js$/, async (route) => {
      const response = await route.fetch();
      const { 'content-security-policy': _policy, ...headers } = response.headers();
      await route.fulfill({ response, headers });
    });
    await page.goto('/');
    const readout = page.getByTestId('privacy-readout');
    await expect(readout).toHaveAttribute('data-count', '0');
    // The same server under another name is another origin (127.0.0.1 and localhost differ), and it answers CORS.
    const elsewhere = new URL('/favicon.svg', baseURL!.replace('127.0.0.1', 'localhost')).href;

    expect(await page.evaluate(attemptFetch, elsewhere)).toEqual({ outcome: 'status 200', violation: null });
    await expect(readout).toHaveAttribute('data-sent', '1');
    // The worker's request goes out too (its fetch then fails here, net::ERR_FAILED under Playwright's
    // routing, not the policy's doing: there is no violation); resource timing records it either way.
    const worker = await trainerWorker(page);
    expect((await worker.evaluate(attemptFetch, elsewhere)).violation).toBeNull();

    await expect(readout).toHaveAttribute('data-sent', '2');
    await expect(readout).toHaveAttribute('data-blocked', '0');
    await expect(readout).toHaveText('2 requests to other origins');
  });
});

test('the CLI’s headless page runs under the same policy', async () => {
  test.setTimeout(240_000);
  const studio = await openStudio();
  try {
    const header = await studio.page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
    expect(header).toBe(CONTENT_SECURITY_POLICY);
    expect(await studio.page.evaluate(attemptFetch, ELSEWHERE)).toEqual({ outcome: 'TypeError', violation: { directive: 'connect-src', blocked: ELSEWHERE } });
  } finally {
    await studio.close();
  }
});
