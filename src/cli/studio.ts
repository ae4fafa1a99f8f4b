/**
 * Opens the studio headless: a production build served by Vite's preview server on loopback and
 * Debian's Chromium driven by Playwright. The CLI tools and benchmarks drive the same worker the
 * page uses; this module only starts and stops things.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];

export interface Studio {
  page: Page;
  browser: Browser;
  url: string;
  close(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

export async function openStudio(options: { backend?: string; rebuild?: boolean; quiet?: boolean } = {}): Promise<Studio> {
  const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: install it with "apt-get install -y chromium" or set CHROMIUM_PATH.`);
  }
  if (options.rebuild !== false || !existsSync(path.join(ROOT, 'dist/index.html'))) {
    await build({ root: ROOT, logLevel: options.quiet === false ? 'info' : 'error' });
  }
  const server: PreviewServer = await preview({ root: ROOT, logLevel: 'error', preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('The preview server did not report a port.');
  const url = `http://127.0.0.1:${address.port}/${options.backend ? `?backend=${options.backend}` : ''}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    await page.goto(url);
    const opened = browser;
    return {
      page,
      browser: opened,
      url,
      async close() {
        await opened.close().catch(() => undefined);
        await server.close();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await server.close();
    throw error;
  }
}

/** Resident memory (bytes) of a process and all its descendants, from /proc (Linux). */
export function treeRss(rootPid: number): number {
  const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      const parent = Number(fields[1]);
      children.set(parent, [...(children.get(parent) ?? []), pid]);
      rss.set(pid, Number(fields[21]) * 4096);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}
