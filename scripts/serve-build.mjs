// Builds the studio and serves the production build, in ONE process, so that the process the
// test runner stops is the server itself. Usage: node scripts/serve-build.mjs PORT
// The build goes to a folder of its own per port, so that two test runs on one machine (E2E_PORT)
// never serve each other's half-written files.
import { build, preview } from 'vite';

const port = Number(process.argv[2] ?? 4173);
const outDir = `node_modules/.cache/e2e-dist-${port}`;
await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true } });
const server = await preview({ build: { outDir }, preview: { port, strictPort: true, host: '127.0.0.1' } });
server.printUrls();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await server.close();
    process.exit(0);
  });
}
