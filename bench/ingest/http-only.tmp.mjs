import { buildApp } from '../../packages/server/dist/http/app.js';
import { createMetrics } from '../../packages/server/dist/http/metrics.js';
import { registerIngestRoutes } from '../../packages/server/dist/ingest/routes.js';
import { createLogger } from '../../packages/server/dist/logging.js';
const metrics = createMetrics();
const app = await buildApp({ logger: createLogger({ level: 'warn' }), metrics, trustProxy: 'true', health: async () => ({ components: {}, journalPending: 0 }),
  routes: async (i) => { await registerIngestRoutes(i, { ingest: { accept: async () => ({ accepted: 1, dropped: [] }) } }); } });
await app.listen({ port: 18127, host: '127.0.0.1' });
