/**
 * The app specs' `test`: Playwright's, plus a record of what the page said that a failed test's own
 * message cannot show (uncaught errors, console errors, a crashed page or worker). It is printed when a
 * test fails, so a rare failure seen once in CI says whether the page broke or only waited.
 */
import { test as base, type BrowserContext, type Page } from '@playwright/test';

function listen(page: Page, said: string[]): void {
  const at = () => new Date().toISOString().slice(11, 23);
  page.on('pageerror', (error) => said.push(`${at()} page error: ${error.stack ?? error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') said.push(`${at()} console error: ${message.text()}`);
  });
  page.on('crash', () => said.push(`${at()} the page crashed`));
  page.on('worker', (worker) => {
    said.push(`${at()} worker started: ${worker.url().split('/').pop()}`);
    worker.on('close', () => said.push(`${at()} worker closed: ${worker.url().split('/').pop()}`));
  });
}

/** Records every page of `context`, now and to come, into `said`: a test's own extra contexts join its log this way. */
export function record(context: BrowserContext, said: string[]): void {
  context.pages().forEach((page) => listen(page, said));
  context.on('page', (page) => listen(page, said));
}

export const test = base.extend<{ pageLog: string[] }>({
  pageLog: [
    async ({ context }, use, testInfo) => {
      const said: string[] = [];
      record(context, said);
      await use(said);
      if (testInfo.status !== testInfo.expectedStatus && said.length > 0) {
        console.log(`What the page said during "${testInfo.title}":\n${said.join('\n')}`);
      }
    },
    { auto: true },
  ],
});

export { expect } from '@playwright/test';
