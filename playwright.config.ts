import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './src/cli/chromium';

// E2E_PORT lets two test runs share a machine: the production build is served on it, the dev
// server (for harness pages that import source modules directly) on the next port.
const PORT = Number(process.env.E2E_PORT ?? 5174);
const DEV_PORT = PORT + 1;
const HARNESS_SPECS = /(kernels|wasm)\.spec\.ts$/;

export default defineConfig({
  testDir: 'e2e',
  // Its own output folder too: Playwright empties the folder when a run starts.
  outputDir: process.env.E2E_PORT ? `test-results-${PORT}` : 'test-results',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  // Two cores: tests that train share them badly.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  projects: [
    // The app as users get it: the production build (React's dev build is several times slower,
    // which would make the responsiveness checks meaningless).
    { name: 'app', testIgnore: HARNESS_SPECS, use: { baseURL: `http://127.0.0.1:${PORT}` } },
    // Kernel checks import modules from src/ and e2e/harness/ into the page: the dev server serves them.
    { name: 'harness', testMatch: HARNESS_SPECS, use: { baseURL: `http://127.0.0.1:${DEV_PORT}` } },
  ],
  webServer: [
    {
      // Node entries, not npx, so the process Playwright stops is the server itself.
      command: `node scripts/serve-build.mjs ${PORT}`,
      url: `http://127.0.0.1:${PORT}`,
      reuseExistingServer: false,
      timeout: 180_000,
    },
    {
      command: `node node_modules/vite/bin/vite.js --port ${DEV_PORT} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${DEV_PORT}`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
  ],
});
