/**
 * `npm start` on a machine with no desktop (a server, a container): it serves, says where, and prints no
 * stack trace. The package's own start command runs as npm would run it (a shell, node_modules/.bin
 * first on PATH), with DISPLAY and WAYLAND_DISPLAY unset and a PATH that holds node but no xdg-open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { contentSecurityPolicyFor } from './csp';

const ROOT = path.resolve(import.meta.dirname, '..');
const bin = mkdtempSync(path.join(tmpdir(), 'studio-start-bin-'));
symlinkSync(process.execPath, path.join(bin, 'node'));
let child: ChildProcess | null = null;

afterAll(async () => {
  // The shell and the server are one process group of their own: stop exactly that group.
  if (child?.pid && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
  rmSync(bin, { recursive: true, force: true });
});

it('serves the studio and prints its address, without a browser or a stack trace, where there is no desktop', async () => {
  const start: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [path.join(ROOT, 'node_modules/.bin'), bin].join(path.delimiter), NO_COLOR: '1' };
  for (const name of ['DISPLAY', 'WAYLAND_DISPLAY', 'BROWSER', 'FORCE_COLOR']) delete env[name];
  // Port 0: the system picks a free one, so the test needs the address the output gives.
  child = spawn('/bin/sh', ['-c', `${start} --port 0`], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 60 s; output:\n${output}`)), 60_000);
    const look = () => {
      const found = /Local:\s+(http:\/\/\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child!.stdout!.on('data', look);
    child!.once('exit', (code) => reject(new Error(`npm start exited (${code}) before serving; output:\n${output}`)));
  });

  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<div id="root"></div>');
  expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicyFor('/', 'dev'));
  const entry = await fetch(new URL('/src/main.tsx', url));
  expect(entry.status).toBe(200);

  // A failed attempt to open a browser (spawn xdg-open ENOENT) is reported within milliseconds of the
  // address, long before the two answers above.
  expect(output).toContain('No browser opened (no desktop: DISPLAY and WAYLAND_DISPLAY are unset)');
  expect(output).not.toMatch(/error/i);
  expect(output).not.toMatch(/^\s+at /m);
  expect(child.exitCode).toBeNull();
});
