/**
 * Opens the studio headless: a production build served by Vite's preview server on loopback and
 * Debian's Chromium driven by Playwright. The CLI tools and benchmarks drive the same worker the
 * page uses; this module only starts and stops things.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';
import type { ForwardedEvent, StudioCliApi } from './api';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

export { CHROMIUM_ARGS };

export interface Studio {
  page: Page;
  browser: Browser;
  url: string;
  /** The browser's process id (its renderer and GPU processes are its children). */
  browserPid: number | null;
  /** Calls a `window.studioCli` function in the page. */
  call<K extends keyof StudioCliApi>(name: K, ...args: Parameters<StudioCliApi[K]>): Promise<Awaited<ReturnType<StudioCliApi[K]>>>;
  close(): Promise<void>;
}

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** Our own build folder: `npm run build` (dist/) may run at the same time for other reasons. */
const CACHE = path.join(ROOT, 'node_modules/.cache/studio-cli');
const OUT_DIR = path.join(CACHE, 'dist');
// scripts/csp.ts: vite.config.ts writes its policy into the built pages' <meta>.
const BUILD_INPUTS = ['src', 'public', 'index.html', 'cli.html', 'vite.config.ts', 'scripts/csp.ts', 'package-lock.json', 'package.json'];

/** A fingerprint of everything the build reads (paths, sizes, mtimes), to skip rebuilding an up-to-date app. */
function sourceStamp(): string {
  const hash = createHash('sha256');
  const visit = (file: string): void => {
    if (!existsSync(file)) return;
    const stat = statSync(file);
    if (stat.isDirectory()) {
      for (const name of readdirSync(file).sort()) visit(path.join(file, name));
    } else if (!/\.test\.tsx?$/.test(file)) {
      hash.update(`${path.relative(ROOT, file)}:${stat.size}:${stat.mtimeMs}\n`);
    }
  };
  for (const input of BUILD_INPUTS) visit(path.join(ROOT, input));
  return hash.digest('hex');
}

/** Builds the app (index.html and cli.html) unless the last build is of the same sources. */
export async function ensureBuilt(log: (line: string) => void = () => undefined): Promise<string> {
  const stamp = sourceStamp();
  const stampFile = path.join(OUT_DIR, '.stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return OUT_DIR;
  log('Building the studio (once per change of the sources)...');
  // Built aside and moved in, so a concurrent tool never serves half a build.
  const staging = path.join(CACHE, `build-${process.pid}`);
  try {
    await build({ root: ROOT, logLevel: 'error', build: { outDir: staging, emptyOutDir: true } });
    writeFileSync(path.join(staging, '.stamp'), stamp);
    rmSync(OUT_DIR, { recursive: true, force: true });
    renameSync(staging, OUT_DIR);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return OUT_DIR;
}

export interface OpenOptions {
  /** Receives the worker's small events (steps, epochs, statuses, progress). */
  onEvent?: (event: ForwardedEvent) => void;
  log?: (line: string) => void;
  /** Serve the existing build without checking the sources (the bench: one build for all its measurements). */
  reuseBuild?: boolean;
}

export async function openStudio(options: OpenOptions = {}): Promise<Studio> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" or set CHROMIUM_PATH.`);
  }
  mkdirSync(CACHE, { recursive: true });
  const outDir = options.reuseBuild && existsSync(path.join(OUT_DIR, '.stamp')) ? OUT_DIR : await ensureBuilt(options.log);
  const server: PreviewServer = await preview({
    root: ROOT,
    logLevel: 'error',
    build: { outDir },
    preview: { port: 0, host: '127.0.0.1', strictPort: false, open: false },
  });
  const address = server.httpServer.address();
  let browser: Browser | undefined;
  try {
    if (!address || typeof address === 'string') throw new Error('The preview server did not report a port.');
    const url = `http://127.0.0.1:${address.port}/cli.html`;
    // Our own signal handling closes the browser and the server together (withStudio).
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, handleSIGINT: false, handleSIGTERM: false });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.exposeFunction('studioCliEvent', async (event: ForwardedEvent) => options.onEvent?.(event));
    await page.goto(url);
    await page
      .waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 })
      .catch(() => {
        throw new Error(`The driver page did not start${errors.length ? `: ${errors.join('; ')}` : ''}.`);
      });
    const opened = browser;
    return {
      page,
      browser: opened,
      url,
      browserPid: browserProcessPid(),
      call: (name, ...args) =>
        page.evaluate(({ name, args }) => (window.studioCli![name] as (...a: unknown[]) => unknown)(...args), { name, args: args as unknown[] }) as never,
      async close() {
        await opened.close().catch(() => undefined);
        await server.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Playwright does not hand out the browser's pid: the newest child of this process whose command
 * line is the Chromium we launched is it.
 */
function browserProcessPid(): number | null {
  let found: { pid: number; start: number } | null = null;
  for (const { pid, parent, start } of processTable()) {
    if (parent !== process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if ((cmd === CHROMIUM_PATH || cmd.includes('chrom')) && (!found || start > found.start)) found = { pid, start };
    } catch {
      // it ended while we looked
    }
  }
  return found?.pid ?? null;
}

interface ProcessRow {
  pid: number;
  parent: number;
  start: number;
  rssBytes: number;
}

const PAGE_SIZE = 4096;

function processTable(): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      rows.push({ pid: Number(entry), parent: Number(fields[1]), start: Number(fields[19]), rssBytes: Number(fields[21]) * PAGE_SIZE });
    } catch {
      // the process ended while we looked
    }
  }
  return rows;
}

/** Resident memory (bytes) of a process and all its descendants, from /proc (Linux). */
export function treeRss(rootPid: number): number {
  const rows = processTable();
  const children = new Map<number, number[]>();
  for (const row of rows) children.set(row.parent, [...(children.get(row.parent) ?? []), row.pid]);
  const rss = new Map(rows.map((row) => [row.pid, row.rssBytes]));
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * Runs `work` with an open studio and always closes it: on success, on error, and on Ctrl-C or
 * SIGTERM (then the process exits 130 / 143 after closing).
 */
export async function withStudio<T>(options: OpenOptions, work: (studio: Studio) => Promise<T>): Promise<T> {
  let studio: Studio | null = null;
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= studio ? studio.close() : Promise.resolve());
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping the browser and the server...\n`);
    void close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    studio = await openStudio(options);
    return await work(studio);
  } finally {
    await close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
