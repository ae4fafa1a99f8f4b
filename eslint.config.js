// ESLint: correctness rules and the layer rules of DESIGN.md section 1. Layout is Prettier's (.prettierrc), not ESLint's.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node's globals, for the few plain JavaScript files (TypeScript files are checked by tsc, not no-undef). */
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'fetch', 'AbortController'].map(
    (name) => [name, 'readonly'],
  ),
);

/** Layers point one way (ui -> store -> worker -> ml -> data): what each layer may not import. */
const layer = (message, ...segments) => ({ regex: `(^|/)(${segments.join('|')})(/|$)`, message });
const noUiLibraries = {
  group: ['react', 'react/*', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'recharts', 'recharts/*'],
  message: 'ml/ and data/ are pure: no React, zustand or charts.',
};

/** The page's globals: ml/ and data/ run in the worker and in Node, and stay off the DOM. */
const domGlobals = [
  'window',
  'document',
  'localStorage',
  'sessionStorage',
  'location',
  'history',
  'alert',
  'requestAnimationFrame',
  'HTMLElement',
  'HTMLCanvasElement',
  'Image',
].map((name) => ({ name, message: 'ml/ and data/ do not touch the DOM (DESIGN.md section 1).' }));
/** Browser image and worker APIs: only data/decode.ts (the browser image adapter) and the worker use them. */
const browserAdapterGlobals = ['createImageBitmap', 'OffscreenCanvas', 'ImageData', 'ImageBitmap', 'self', 'postMessage', 'onmessage', 'importScripts'].map(
  (name) => ({
    name,
    message: 'Browser image and worker APIs live in data/decode.ts (images) or worker/ (messages), behind an interface.',
  }),
);

export default defineConfig(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'e2e-dist-*/',
      '.vite/',
      'test-results*/',
      'playwright-report/',
      'e2e-artifacts/',
      'bench/results/',
      'public/sample/',
      'docs/',
      'seed/',
      'scripts/.*.mjs',
      'gpu-bundle/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // tsc (noUnusedLocals, noUnusedParameters) reports these already; keep the `_name` escape hatch for the rest.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // `a && b()` and `x ||= y` as statements are an idiom here; a bare expression that does nothing is still an error.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['src/ml/**/*.{ts,tsx}', 'src/data/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noUiLibraries,
            layer(
              'ml/ and data/ import no store, UI, worker or CLI code (DESIGN.md section 1): move the shared type down into ml/ or data/.',
              'store',
              'ui',
              'worker',
              'cli',
            ),
          ],
        },
      ],
      'no-restricted-globals': ['error', ...domGlobals, ...browserAdapterGlobals],
    },
  },
  {
    files: ['src/data/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noUiLibraries,
            layer('data/ is the lowest layer: it imports no ml/, store, UI, worker or CLI code.', 'ml', 'store', 'ui', 'worker', 'cli'),
          ],
        },
      ],
    },
  },
  {
    // The one browser image adapter (DESIGN.md section 4): createImageBitmap and OffscreenCanvas, still no DOM.
    files: ['src/data/decode.ts'],
    rules: { 'no-restricted-globals': ['error', ...domGlobals] },
  },
  {
    // The settings schema sits under the store, the CLI and the bench, which all read it.
    files: ['src/settings/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noUiLibraries, layer('settings/ is shared by the page and the CLI: it imports only ml/ and data/.', 'store', 'ui', 'worker', 'cli')] },
      ],
    },
  },
  {
    files: ['src/worker/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { ...noUiLibraries, message: 'The worker has no UI.' },
            layer('The worker reports through events; it imports no store, UI or CLI code.', 'store', 'ui', 'cli'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/store/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [layer('The store feeds the panels; it imports no UI or CLI code.', 'ui', 'cli')] }],
    },
  },
  {
    // cli/ and bench/ use the public entry points the page does (DESIGN.md section 7), not ui/ or store/ internals.
    files: ['src/cli/**/*.{ts,tsx}', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [layer('cli/ and bench/ use the worker client and ml/ entry points, not ui/ or store/ internals.', 'ui', 'store')] },
      ],
    },
  },
);
