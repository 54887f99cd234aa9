/**
 * Counts the rows in a stopped server's event store: `node --import tsx bench/ingest/count-stored.ts <DATA_DIR>`.
 * A separate process because chDB allows one data directory per process, and the benchmark itself should not carry
 * chDB's memory and threads while it measures. Prints one JSON line: {"stored": N}.
 */
import { createEventStore } from '../../packages/server/src/storage/events/index.js';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: count-stored.ts <DATA_DIR>');
  process.exit(2);
}
const store = createEventStore({ clickhouseDatabase: 'sightline', dataDir });
try {
  const rows = await store.query<{ stored: string | number }>(`SELECT count() AS stored FROM ${store.eventsTable}`);
  console.log(JSON.stringify({ stored: Number(rows[0]?.stored ?? 0) }));
} finally {
  await store.close();
}
