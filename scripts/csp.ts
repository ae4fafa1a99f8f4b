/**
 * The studio's Content-Security-Policy, defined once. vite.config.ts sends it as a header from the dev
 * and preview servers (the preview server also serves the tests' build and the CLI's page) and writes
 * it into every built page's <meta>, so a static host that sends no headers still gets it.
 *
 * What it promises: the page and its workers can connect to no origin but their own. The other
 * directives only admit what the studio itself does.
 */
type Directives = Record<string, string[]>;

const PRODUCTION: Directives = {
  'default-src': ["'self'"],
  // tfjs's wasm backend compiles WebAssembly; no eval, no inline scripts. Threaded wasm starts each
  // pthread as a worker from a blob: URL, which importScripts() another blob: (the backend's own code).
  'script-src': ["'self'", "'wasm-unsafe-eval'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  // The one door out: fetch, XHR, WebSocket and beacons reach this origin only (blob: and data:
  // are the page's own object URLs, not the network).
  'connect-src': ["'self'", 'blob:', 'data:'],
  // Thumbnails, overlays and cut-outs are blob: and data: images made in the page.
  'img-src': ["'self'", 'blob:', 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

/** Directives a <meta> policy cannot carry (the browser ignores them there, with a console warning). */
const HEADER_ONLY: Directives = {
  // No site may frame the studio (clickjacking).
  'frame-ancestors': ["'none'"],
};

/**
 * The dev server injects React Fast Refresh's inline preamble and inserts CSS as <style> elements,
 * so its scripts and styles may be inline; connect-src stays 'self' (which covers the HMR WebSocket
 * on the same host and port). Only the header carries it: the dev page has no <meta> policy.
 */
const DEV: Directives = {
  ...PRODUCTION,
  'script-src': [...PRODUCTION['script-src'], "'unsafe-inline'"],
  'style-src': ["'self'", "'unsafe-inline'"],
};

const serialize = (directives: Directives): string =>
  Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');

/** The production build's header (the preview server: the e2e tests' build and the CLI's page). */
export const CONTENT_SECURITY_POLICY = serialize({ ...PRODUCTION, ...HEADER_ONLY });
/** The same policy as the built pages' <meta> carries it. */
export const CONTENT_SECURITY_POLICY_META = serialize(PRODUCTION);
/** The dev server's header (`npm start`, the harness pages). */
export const DEV_CONTENT_SECURITY_POLICY = serialize({ ...DEV, ...HEADER_ONLY });
