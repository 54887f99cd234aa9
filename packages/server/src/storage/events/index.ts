import { join } from 'node:path';
import { createChdbEventStore } from './chdb.js';
import { createClickhouseEventStore } from './clickhouse.js';
import type { EventStore } from './event-store.js';

export { createChdbEventStore, EventStoreClosedError } from './chdb.js';
export { createClickhouseEventStore } from './clickhouse.js';
export { findEventRowProblem, InvalidEventRowError } from './event-row.js';
export type { EventStore, QueryParams, StoreHealth } from './event-store.js';
export { assertDatabaseName, InvalidDatabaseNameError, MIGRATIONS, type Migration } from './schema.js';

export interface EventStoreConfig {
  /** A ClickHouse server (`http(s)://…`); unset means embedded chDB. */
  clickhouseUrl?: string;
  clickhouseDatabase: string;
  /** DATA_DIR: the embedded store lives in its `events` subdirectory. */
  dataDir: string;
}

/** Picks the adapter from configuration alone: the rest of the server sees only EventStore. */
export function createEventStore(config: EventStoreConfig): EventStore {
  if (config.clickhouseUrl) {
    return createClickhouseEventStore({ url: config.clickhouseUrl, database: config.clickhouseDatabase });
  }
  return createChdbEventStore({ dataDir: join(config.dataDir, 'events'), database: config.clickhouseDatabase });
}
