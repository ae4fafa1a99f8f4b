// `npm start`: the dev server, then a browser on it when this machine can show one. On a server or in a
// container (no desktop, no xdg-open) it serves and says where, instead of `vite --open`'s stack trace.
// Usage: node scripts/start.mjs [--host [ADDRESS]] [--port N]
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createServer } from 'vite';

/** Why no browser can be opened here, or null when one can (macOS and Windows always have a way). */
function whyNoBrowser(env = process.env, platform = process.platform) {
  if ((env.BROWSER ?? '').toLowerCase() === 'none') return 'BROWSER=none';
  if (platform === 'darwin' || platform === 'win32') return null;
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no desktop: DISPLAY and WAYLAND_DISPLAY are unset';
  const onPath = (env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, 'xdg-open')));
  return onPath ? null : 'xdg-open is not installed';
}

/** --host [ADDRESS] (all addresses when bare) and --port N, as `vite` takes them; anything else is refused. */
function parseArgs(args) {
  const server = {};
  for (let i = 0; i < args.length; i++) {
    const [arg, next] = [args[i], args[i + 1]];
    if (arg === '--host') {
      server.host = next && !next.startsWith('--') ? (i++, next) : true;
    } else if (arg === '--port' && /^\d+$/.test(next ?? '')) {
      server.port = Number(next);
      i++;
    } else {
      throw new Error(`npm start: unknown or incomplete argument "${arg}" (it takes --host [ADDRESS] and --port N)`);
    }
  }
  return server;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
const server = await createServer({ server: { ...options, open: false } });
await server.listen();
server.config.logger.info('\n  Carvana masking studio: the dev server is up.\n');
server.printUrls();
server.bindCLIShortcuts({ print: true });
const reason = whyNoBrowser();
if (reason) {
  const remote = options.host ? '' : '; to reach it from another machine, run `npm start -- --host`';
  server.config.logger.info(`  No browser opened (${reason}): open the address above in a browser${remote}.`);
} else {
  server.openBrowser();
}
