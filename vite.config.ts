import { defineConfig, type Connect, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY_META, contentSecurityPolicyFor } from './scripts/csp.js';

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

// Cross-origin isolation lets the wasm backend use threads (SharedArrayBuffer); the studio
// loads nothing from other origins, so the headers cost nothing.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The Content-Security-Policy (scripts/csp.ts) as a header on every response of the dev and preview
 * servers (a worker script gets the worker's), and in each built page's <meta> for hosts that send no
 * headers (a dedicated worker takes its policy from its own script's response: only the header covers it).
 */
function contentSecurityPolicy(): Plugin {
  const header =
    (server: 'dev' | 'preview'): Connect.NextHandleFunction =>
    (req, res, next) => {
      res.setHeader('Content-Security-Policy', contentSecurityPolicyFor(req.url ?? '/', server));
      next();
    };
  return {
    name: 'content-security-policy',
    configureServer: (server) => void server.middlewares.use(header('dev')),
    configurePreviewServer: (server) => void server.middlewares.use(header('preview')),
    // Built pages only: the dev page runs React Fast Refresh's inline preamble, which the header allows.
    transformIndexHtml: (_html, context) =>
      context.server
        ? []
        : [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY_META }, injectTo: 'head-prepend' }],
  };
}

/**
 * tfjs-backend-wasm starts its pthreads from a Blob holding `factory.toString()`, so the factory
 * must not refer to anything outside itself. Minified, its guarded `typeof _scriptDir` read of the
 * enclosing scope becomes a bare read of a renamed variable, and every pthread dies with
 * "e is not defined" (production builds only; the dev server does not minify). In a worker
 * `_scriptDir` is always undefined (it is `document.currentScript.src`), so the guard is `false`.
 */
function wasmThreadsSurviveMinify(): Plugin {
  const guard = 'typeof _scriptDir !== "undefined" && _scriptDir';
  return {
    name: 'tfjs-wasm-threads-survive-minify',
    enforce: 'pre',
    transform(code, id) {
      if (!/tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/.test(id)) return null;
      if (!code.includes(guard)) this.error(`${id}: the _scriptDir guard this plugin rewrites is gone; check threaded wasm in a production build`);
      return { code: code.replace(guard, 'false'), map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  worker: { format: 'es', plugins: () => [wasmThreadsSurviveMinify()] },
  server: { headers: isolation, port: 5173 },
  // Also the server of the e2e tests (scripts/serve-build.mjs) and of the CLI's page (src/cli/headlessStudio.ts).
  preview: { headers: isolation, port: 4173 },
  // Pre-bundled up front: otherwise the dev server discovers them when the worker first loads
  // and reloads the page mid-run.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      'react',
      'react-dom',
      'react-dom/client',
      'zustand',
      'recharts',
    ],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // cli.html is the headless driver page of `npm run train / predict / bench` (src/cli/page.ts).
    rolldownOptions: { input: { main: page('index.html'), cli: page('cli.html') } },
  },
});
