// Builds the studio and serves the production build, in ONE process, so that the process the
// test runner stops is the server itself. Usage: node scripts/serve-build.mjs PORT
import { build, preview } from 'vite';

const port = Number(process.argv[2] ?? 4173);
await build({ logLevel: 'warn' });
const server = await preview({ preview: { port, strictPort: true, host: '127.0.0.1' } });
server.printUrls();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await server.close();
    process.exit(0);
  });
}
