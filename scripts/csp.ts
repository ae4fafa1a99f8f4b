/**
 * The studio's Content-Security-Policy, defined once. vite.config.ts sends it as a header from the dev
 * and preview servers (the preview server also serves the tests' build and the CLI's page) and writes
 * the page's policy into every built page's <meta>, so a static host that sends no headers still
 * restricts the page.
 *
 * What it promises: the page and its workers can connect to no origin but their own. The other
 * directives only admit what the studio itself does.
 */
type Directives = Record<string, string[]>;

const PAGE: Directives = {
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

/**
 * A dedicated worker runs under the policy of its own script's response. The training worker writes
 * ONNX files with protobufjs, whose reflection compiles each message's encoder with Function(): only
 * there is eval allowed (the page's policy has none). Everything else is the page's policy.
 */
const WORKER: Directives = { ...PAGE, 'script-src': [...PAGE['script-src'], "'unsafe-eval'"] };

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
const dev = (directives: Directives): Directives => ({
  ...directives,
  'script-src': [...directives['script-src'], "'unsafe-inline'"],
  'style-src': ["'self'", "'unsafe-inline'"],
});

const serialize = (directives: Directives): string =>
  Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');

/** The page's policy as the production build's header carries it (the preview server). */
export const CONTENT_SECURITY_POLICY = serialize({ ...PAGE, ...HEADER_ONLY });
/** The same policy as the built pages' <meta> carries it. */
export const CONTENT_SECURITY_POLICY_META = serialize(PAGE);
/** The header of the training worker's script (and any `*.worker` script). */
export const WORKER_CONTENT_SECURITY_POLICY = serialize({ ...WORKER, ...HEADER_ONLY });

/** Worker entry scripts: `trainer.worker.ts?worker_file...` from the dev server, `assets/trainer.worker-<hash>.js` from a build. */
const WORKER_SCRIPT = /\.worker(\.ts\?worker_file|-[\w-]+\.js$)/;

/** The policy header for a response of the dev server (`npm start`, the harness pages) or of the preview server. */
export function contentSecurityPolicyFor(url: string, server: 'dev' | 'preview'): string {
  const worker = WORKER_SCRIPT.test(url.split('#')[0]);
  const directives = worker ? WORKER : PAGE;
  return serialize({ ...(server === 'dev' ? dev(directives) : directives), ...HEADER_ONLY });
}
