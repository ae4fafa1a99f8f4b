import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

// Cross-origin isolation lets the wasm backend use threads (SharedArrayBuffer); the studio
// loads nothing from other origins, so the headers cost nothing.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  server: { headers: isolation, port: 5173 },
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
