import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshPostgresDatabase } from '../../test-support/postgres.js';
import { createMetaStore } from './index.js';
import type { MetaStore } from './meta-store.js';

/**
 * Test support: the metadata engines every repository test runs against, so SQLite and PostgreSQL are held to one
 * suite. Each `setup()` makes an empty database (a temp directory, or a fresh PostgreSQL database) that `open()`
 * connects to as often as a test wants (several stores = several nodes) and `cleanup()` removes.
 */
export interface MetaTestDatabase {
  open(): Promise<MetaStore>;
  cleanup(): Promise<void>;
}

export interface MetaTestEngine {
  name: 'sqlite' | 'postgres';
  setup(): Promise<MetaTestDatabase>;
}

export const META_TEST_ENGINES: MetaTestEngine[] = [
  {
    name: 'sqlite',
    async setup() {
      const dataDir = await mkdtemp(join(tmpdir(), 'sightline-meta-'));
      return {
        open: () => createMetaStore({ dataDir }),
        cleanup: () => rm(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async setup() {
      const database = await freshPostgresDatabase();
      return {
        // dataDir is unused with a PostgreSQL URL; a path that cannot exist proves nothing is written there.
        open: () => createMetaStore({ dataDir: '/nonexistent/sightline', databaseUrl: database.url }),
        cleanup: database.drop,
      };
    },
  },
];
